// Roles: (holder)-[:ROLE]->(organisation), one relationship per version; key (source, role, target, valid_from).
UNWIND $rows AS row
MATCH (a:Subject {subject_id: row.source_id})
MATCH (b:Subject {subject_id: row.target_id})
OPTIONAL MATCH (a)-[cur:ROLE]->(b)
WHERE cur.role = row.role AND cur.superseded_at IS NULL
  AND coalesce(cur.valid_from, date('0001-01-01')) = coalesce(row.valid_from, date('0001-01-01'))
WITH a, b, row, cur,
     cur IS NOT NULL
     AND coalesce(cur.ratio, -1.0) = coalesce(row.ratio, -1.0)
     AND coalesce(cur.valid_to, date('0001-01-01')) = coalesce(row.valid_to, date('0001-01-01'))
     AND coalesce(cur.title, '') = coalesce(row.title, '')
     AND coalesce(cur.valid_from_precision, '') = coalesce(row.valid_from_precision, '')
     AND coalesce(cur.valid_to_precision, '') = coalesce(row.valid_to_precision, '') AS same
FOREACH (_ IN CASE WHEN cur IS NOT NULL AND NOT same THEN [1] ELSE [] END | SET cur.superseded_at = $recorded_at)
FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
    CREATE (a)-[:ROLE {role: row.role, ratio: row.ratio, valid_from: row.valid_from, valid_to: row.valid_to,
                       title: row.title, valid_from_precision: row.valid_from_precision,
                       valid_to_precision: row.valid_to_precision,
                       batch_id: $batch_id, recorded_at: $recorded_at, superseded_at: null}]->(b))
RETURN sum(CASE WHEN same THEN 0 ELSE 1 END) AS inserted,
       sum(CASE WHEN cur IS NOT NULL AND NOT same THEN 1 ELSE 0 END) AS superseded
