// Remove up to $limit derived records of evaluations that are no longer current (or never finished).
MATCH (d:Derived)
WHERE NOT EXISTS { MATCH (v:Evaluation {evaluation_id: d.evaluation_id}) WHERE v.state = 'current' }
WITH d LIMIT $limit
DETACH DELETE d
RETURN count(*) AS removed
