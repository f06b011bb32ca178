// One page of the role versions held on $as_of for the in-memory analytics: the current roles held by the first
// $limit subjects with an id after $after (keyset paging on Subject.subject_id, as graph_on_subjects.cypher).
// Held on the date: valid_from missing or <= $as_of, valid_to missing or >= $as_of, not superseded.
// One row per holder, in id order, with its roles as [role, target_id, ratio, valid_from, valid_to] lists; the
// store sorts the roles by (source_id, role, target_id, valid_from), as the embedded store orders them.
MATCH (s:Subject)
WHERE s.subject_id > $after
WITH s
ORDER BY s.subject_id
LIMIT $limit
RETURN s.subject_id AS source_id,
       [(s)-[r:ROLE]->(t)
        WHERE r.superseded_at IS NULL
          AND (r.valid_from IS NULL OR r.valid_from <= $as_of)
          AND (r.valid_to IS NULL OR r.valid_to >= $as_of)
        | [r.role, t.subject_id, r.ratio, r.valid_from, r.valid_to]] AS roles
ORDER BY source_id
