// Prologue of every rule: the current entry versions as known at $known_at, each with its effective severity
// (the profile's default for its list type where none is stated: $default_types / $default_severities), its
// status on $as_of (a status takes effect on status_since) and its validity end (V1, VAL-01: valid_until, else
// the profile's default by severity from determined_on). Binds e, sev, eff_status, until.
MATCH (e:EntryVersion)
WHERE e.recorded_at <= $known_at AND (e.superseded_at IS NULL OR e.superseded_at > $known_at)
WITH e, coalesce(e.severity,
                 head([i IN range(0, size($default_types) - 1) WHERE $default_types[i] = e.list_type
                       | $default_severities[i]])) AS sev
WITH e, sev, CASE WHEN e.status_since IS NULL OR e.status_since <= $as_of THEN e.status ELSE 'active' END AS eff_status,
     coalesce(e.valid_until,
              CASE WHEN $by_severity AND NOT e.list_type IN $incentive_types
                   THEN e.determined_on + duration({years: CASE sev WHEN 'serious' THEN $serious_years
                                                                    WHEN 'fairly_serious' THEN $fairly_serious_years
                                                                    ELSE $general_years END}) END) AS until
