// Which of $rows would change a stored subject (a protected load may add subjects, not correct them); the
// comparison is upsert_subjects.cypher's.
UNWIND $rows AS row
MATCH (:Subject {subject_id: row.subject_id})-[:VERSION]->(cur:SubjectVersion) WHERE cur.superseded_at IS NULL
WITH row, cur
WHERE NOT (cur.kind = row.kind AND cur.name = row.name
           AND coalesce(cur.uscc, '') = coalesce(row.uscc, '')
           AND coalesce(cur.id_number, '') = coalesce(row.id_number, '')
           AND coalesce(cur.region, '') = coalesce(row.region, ''))
RETURN row.subject_id AS id
