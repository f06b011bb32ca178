// Every version of the roles subject $id holds or that are held at it (a role it holds at itself once).
// The store orders by valid_from (missing first), role, source_id, target_id, recorded_at.
MATCH (s:Subject {subject_id: $id})-[r:ROLE]->(t)
RETURN s.subject_id AS source_id, r.role AS role, t.subject_id AS target_id, r.ratio AS ratio,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.title AS title,
       r.valid_from_precision AS valid_from_precision, r.valid_to_precision AS valid_to_precision,
       r.recorded_at AS recorded_at,
       r.superseded_at AS superseded_at
UNION ALL
MATCH (s:Subject {subject_id: $id})<-[r:ROLE]-(h)
WHERE h.subject_id <> $id
RETURN h.subject_id AS source_id, r.role AS role, s.subject_id AS target_id, r.ratio AS ratio,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.title AS title,
       r.valid_from_precision AS valid_from_precision, r.valid_to_precision AS valid_to_precision,
       r.recorded_at AS recorded_at,
       r.superseded_at AS superseded_at
