// The current evaluation, if any.
MATCH (v:Evaluation) WHERE v.state = 'current'
RETURN v.evaluation_id AS evaluation_id, v.profile AS profile, v.as_of AS as_of, v.known_at AS known_at,
       v.evaluated_at AS evaluated_at
