// Responsibility findings: (person)-[:RESPONSIBLE_FOR]->(entry), one relationship per version.
UNWIND $rows AS row
MATCH (p:Subject {subject_id: row.person_id})
MATCH (e:Entry {entry_id: row.entry_id})
OPTIONAL MATCH (p)-[cur:RESPONSIBLE_FOR]->(e) WHERE cur.superseded_at IS NULL
WITH p, e, row, cur, cur IS NOT NULL AND coalesce(cur.basis, '') = coalesce(row.basis, '') AS same
FOREACH (_ IN CASE WHEN cur IS NOT NULL AND NOT same THEN [1] ELSE [] END | SET cur.superseded_at = $recorded_at)
FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
    CREATE (p)-[:RESPONSIBLE_FOR {basis: row.basis, batch_id: $batch_id, recorded_at: $recorded_at,
                                  superseded_at: null}]->(e))
RETURN sum(CASE WHEN same THEN 0 ELSE 1 END) AS inserted,
       sum(CASE WHEN cur IS NOT NULL AND NOT same THEN 1 ELSE 0 END) AS superseded
