// The next evaluation number.
OPTIONAL MATCH (v:Evaluation)
RETURN coalesce(max(v.evaluation_id), 0) + 1 AS evaluation_id
