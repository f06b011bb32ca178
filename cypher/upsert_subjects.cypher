// Subjects: a correction supersedes the open version; identical rows change nothing (idempotent batches).
UNWIND $rows AS row
MERGE (s:Subject {subject_id: row.subject_id})
WITH s, row
OPTIONAL MATCH (s)-[:VERSION]->(cur:SubjectVersion) WHERE cur.superseded_at IS NULL
WITH s, row, cur,
     cur IS NOT NULL
     AND cur.kind = row.kind AND cur.name = row.name
     AND coalesce(cur.uscc, '') = coalesce(row.uscc, '')
     AND coalesce(cur.id_number, '') = coalesce(row.id_number, '')
     AND coalesce(cur.region, '') = coalesce(row.region, '') AS same
FOREACH (_ IN CASE WHEN cur IS NOT NULL AND NOT same THEN [1] ELSE [] END | SET cur.superseded_at = $recorded_at)
FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
    CREATE (s)-[:VERSION]->(:SubjectVersion {
        version_id: row.subject_id + '@' + toString($batch_id), subject_id: row.subject_id, kind: row.kind,
        name: row.name, uscc: row.uscc, id_number: row.id_number, region: row.region,
        batch_id: $batch_id, recorded_at: $recorded_at, superseded_at: null}))
RETURN sum(CASE WHEN same THEN 0 ELSE 1 END) AS inserted,
       sum(CASE WHEN cur IS NOT NULL AND NOT same THEN 1 ELSE 0 END) AS superseded
