// Status history (statuses.csv): (:Entry)-[:STATUS]->(:StatusVersion {since, status, basis}), one node per version
// of (entry_id, since); a changed status on the same day supersedes the old version, never edits it.
UNWIND $rows AS row
MATCH (e:Entry {entry_id: row.entry_id})
OPTIONAL MATCH (e)-[:STATUS]->(cur:StatusVersion) WHERE cur.superseded_at IS NULL AND cur.since = row.since
WITH e, row, cur,
     cur IS NOT NULL AND cur.status = row.status AND coalesce(cur.basis, '') = coalesce(row.basis, '') AS same
FOREACH (_ IN CASE WHEN cur IS NOT NULL AND NOT same THEN [1] ELSE [] END | SET cur.superseded_at = $recorded_at)
FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
    CREATE (e)-[:STATUS]->(:StatusVersion {
        entry_id: row.entry_id, status: row.status, since: row.since, basis: row.basis,
        batch_id: $batch_id, recorded_at: $recorded_at, superseded_at: null}))
RETURN sum(CASE WHEN same THEN 0 ELSE 1 END) AS inserted,
       sum(CASE WHEN cur IS NOT NULL AND NOT same THEN 1 ELSE 0 END) AS superseded
