// One page of the current subjects for the in-memory analytics: the first $limit subjects with an id after
// $after (keyset paging on the uniquely constrained Subject.subject_id; the first page passes ''; subject ids are
// never empty). One row per subject, in id order, with its current version's [kind, name] (a list of one).
// The store re-sorts the rows by code point, as the embedded store orders them.
MATCH (s:Subject)
WHERE s.subject_id > $after
WITH s
ORDER BY s.subject_id
LIMIT $limit
RETURN s.subject_id AS subject_id,
       [(s)-[:VERSION]->(v:SubjectVersion) WHERE v.superseded_at IS NULL | [v.kind, v.name]] AS current
ORDER BY subject_id
