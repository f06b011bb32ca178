// Shape post_exit (EXIT-02, 004 JI(十七)): a black-class entry that left force by exit, repair or expiry
// ($leaving statuses from the day they took effect, or the day after until) puts its subject under key credit monitoring
// from that day, for $monitoring_years or open-ended. Follows entries_current.cypher only.
WITH e, sev, history, eff_status, eff_since, until
WHERE e.list_type IN $black_types AND eff_status <> 'revoked' AND e.determined_on <= $as_of
WITH e, sev,
     CASE WHEN eff_status IN $leaving THEN eff_since END AS by_status,
     CASE WHEN until IS NULL THEN null ELSE until + duration({days: 1}) END AS by_expiry
WITH e, sev, CASE WHEN by_status IS NULL THEN by_expiry WHEN by_expiry IS NULL THEN by_status
                  WHEN by_status < by_expiry THEN by_status ELSE by_expiry END AS left_on
WHERE left_on IS NOT NULL AND left_on <= $as_of
WITH e, sev, left_on,
     CASE WHEN $monitoring_years IS NULL THEN null ELSE left_on + duration({years: $monitoring_years}) END AS until
WHERE until IS NULL OR $as_of <= until
RETURN e.subject_id AS subject_id, e.entry_id AS source_entry_id, left_on AS valid_from, until AS valid_until,
       sev AS severity, e.list_type AS list_type, e.domain AS domain, e.department AS department,
       e.legal_basis AS legal_basis
