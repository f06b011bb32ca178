// One batch of derived records of an evaluation being written.
UNWIND $rows AS row
CREATE (d:Derived)
SET d = row, d.evaluation_id = $evaluation_id
