// One page of the role versions subject $id holds or that are held at it (a role it holds at itself once):
// $limit versions after the first $skip, in the order of subject_facts_roles.cypher as the embedded store sorts
// them: valid_from (missing first), role, source_id, target_id, recorded_at (only valid_from is ever missing).
// The order is the server's string order, which is the embedded store's code point order only while no sort key
// holds a character beyond U+FFFF: subject_roles_count.cypher says when one does (the store then sorts itself).
CALL {
  MATCH (s:Subject {subject_id: $id})-[r:ROLE]->(t)
  RETURN s.subject_id AS source_id, r AS r, t.subject_id AS target_id
  UNION ALL
  MATCH (s:Subject {subject_id: $id})<-[r:ROLE]-(h)
  WHERE h.subject_id <> $id
  RETURN h.subject_id AS source_id, r AS r, s.subject_id AS target_id
}
WITH source_id, r, target_id
ORDER BY CASE WHEN r.valid_from IS NULL THEN 0 ELSE 1 END, r.valid_from, r.role, source_id, target_id, r.recorded_at
SKIP $skip
LIMIT $limit
RETURN source_id, r.role AS role, target_id, r.ratio AS ratio, r.valid_from AS valid_from, r.valid_to AS valid_to,
       r.title AS title, r.valid_from_precision AS valid_from_precision,
       r.valid_to_precision AS valid_to_precision, r.recorded_at AS recorded_at, r.superseded_at AS superseded_at
