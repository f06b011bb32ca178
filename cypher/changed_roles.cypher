// Which of $rows would change a stored role (a protected load may add roles, not correct them); the comparison
// is upsert_roles.cypher's.
UNWIND $rows AS row
MATCH (a:Subject {subject_id: row.source_id})-[cur:ROLE]->(b:Subject {subject_id: row.target_id})
WHERE cur.role = row.role AND cur.superseded_at IS NULL
  AND coalesce(cur.valid_from, date('0001-01-01')) = coalesce(row.valid_from, date('0001-01-01'))
  AND NOT (coalesce(cur.ratio, -1.0) = coalesce(row.ratio, -1.0)
           AND coalesce(cur.valid_to, date('0001-01-01')) = coalesce(row.valid_to, date('0001-01-01'))
           AND coalesce(cur.title, '') = coalesce(row.title, '')
           AND coalesce(cur.valid_from_precision, '') = coalesce(row.valid_from_precision, '')
           AND coalesce(cur.valid_to_precision, '') = coalesce(row.valid_to_precision, ''))
RETURN row.source_id + ' ' + row.role + ' ' + row.target_id AS id
