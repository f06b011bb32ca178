// The derived records of one evaluation.
MATCH (d:Derived {evaluation_id: $evaluation_id})
RETURN properties(d) AS record
