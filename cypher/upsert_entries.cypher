// Entries: identity node plus versions; a status change or correction is a new version, never an edit.
UNWIND $rows AS row
MERGE (e:Entry {entry_id: row.entry_id})
WITH e, row
OPTIONAL MATCH (e)-[:VERSION]->(cur:EntryVersion) WHERE cur.superseded_at IS NULL
WITH e, row, cur,
     cur IS NOT NULL
     AND cur.subject_id = row.subject_id AND cur.list_type = row.list_type AND cur.domain = row.domain
     AND coalesce(cur.severity, '') = coalesce(row.severity, '')
     AND coalesce(cur.department, '') = coalesce(row.department, '')
     AND coalesce(cur.act_date, date('0001-01-01')) = coalesce(row.act_date, date('0001-01-01'))
     AND cur.determined_on = row.determined_on
     AND coalesce(cur.valid_until, date('0001-01-01')) = coalesce(row.valid_until, date('0001-01-01'))
     AND cur.status = row.status
     AND coalesce(cur.status_since, date('0001-01-01')) = coalesce(row.status_since, date('0001-01-01'))
     AND cur.scope = row.scope
     AND coalesce(cur.legal_basis, '') = coalesce(row.legal_basis, '')
     AND coalesce(cur.act_date_precision, '') = coalesce(row.act_date_precision, '')
     AND coalesce(cur.determined_on_precision, '') = coalesce(row.determined_on_precision, '')
     AND coalesce(cur.valid_until_precision, '') = coalesce(row.valid_until_precision, '')
     AND coalesce(cur.status_since_precision, '') = coalesce(row.status_since_precision, '')
     AND coalesce(cur.published_by, '') = coalesce(row.published_by, '')
     AND coalesce(cur.published_on, date('0001-01-01')) = coalesce(row.published_on, date('0001-01-01')) AS same
FOREACH (_ IN CASE WHEN cur IS NOT NULL AND NOT same THEN [1] ELSE [] END | SET cur.superseded_at = $recorded_at)
FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
    CREATE (e)-[:VERSION]->(:EntryVersion {
        version_id: row.entry_id + '@' + toString($batch_id), entry_id: row.entry_id, subject_id: row.subject_id,
        list_type: row.list_type, domain: row.domain, severity: row.severity, department: row.department,
        act_date: row.act_date, determined_on: row.determined_on, valid_until: row.valid_until,
        status: row.status, status_since: row.status_since, scope: row.scope, legal_basis: row.legal_basis,
        act_date_precision: row.act_date_precision, determined_on_precision: row.determined_on_precision,
        valid_until_precision: row.valid_until_precision, status_since_precision: row.status_since_precision,
        published_by: row.published_by, published_on: row.published_on,
        batch_id: $batch_id, recorded_at: $recorded_at, superseded_at: null}))
RETURN sum(CASE WHEN same THEN 0 ELSE 1 END) AS inserted,
       sum(CASE WHEN cur IS NOT NULL AND NOT same THEN 1 ELSE 0 END) AS superseded
