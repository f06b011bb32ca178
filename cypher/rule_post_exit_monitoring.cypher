// W4 (EXIT-02): a black entry that has exited (status exited, effective on $as_of) puts its subject under key
// credit monitoring from the exit date, for $monitoring_years or open-ended. Stands alone (no prologue).
MATCH (e:EntryVersion)
WHERE e.recorded_at <= $known_at AND (e.superseded_at IS NULL OR e.superseded_at > $known_at)
  AND e.list_type = 'black' AND e.status = 'exited' AND e.determined_on <= $as_of
WITH e, coalesce(e.status_since, e.determined_on) AS exit_date
WHERE exit_date <= $as_of
WITH e, exit_date,
     CASE WHEN $monitoring_years IS NULL THEN null ELSE exit_date + duration({years: $monitoring_years}) END AS until
WHERE until IS NULL OR $as_of <= until
RETURN e.subject_id AS subject_id, e.entry_id AS source_entry_id, exit_date AS valid_from, until AS valid_until,
       e.severity AS severity, e.list_type AS list_type, e.domain AS domain, e.department AS department,
       e.legal_basis AS legal_basis
