// Prologue of every rule: the current entry versions as known at $known_at, each with its effective severity
// (the profile's default for its list type where none is stated: $default_types / $default_severities), its
// status history (statuses.csv: {since, status}), its status on $as_of and since when (the latest history row on
// or before $as_of, unless the entry's own status / status_since shorthand is later), and its validity end (V1,
// VAL-01: valid_until, else the profile's default by severity from determined_on).
// Binds e, sev, history, eff_status, eff_since, until.
MATCH (e:EntryVersion)
WHERE e.recorded_at <= $known_at AND (e.superseded_at IS NULL OR e.superseded_at > $known_at)
WITH e, coalesce(e.severity,
                 head([i IN range(0, size($default_types) - 1) WHERE $default_types[i] = e.list_type
                       | $default_severities[i]])) AS sev,
     [(e)<-[:VERSION]-(:Entry)-[:STATUS]->(sv:StatusVersion)
        WHERE sv.recorded_at <= $known_at AND (sv.superseded_at IS NULL OR sv.superseded_at > $known_at)
        | {since: sv.since, status: sv.status}] AS history
WITH e, sev, history,
     head([s IN history WHERE s.since <= $as_of
                          AND NONE(t IN history WHERE t.since <= $as_of AND t.since > s.since)]) AS h,
     CASE WHEN e.status_since IS NULL OR e.status_since <= $as_of THEN e.status ELSE 'active' END AS sh_status,
     CASE WHEN e.status_since IS NULL OR e.status_since <= $as_of THEN coalesce(e.status_since, e.determined_on)
          ELSE e.determined_on END AS sh_since
WITH e, sev, history,
     CASE WHEN h IS NOT NULL AND h.since >= sh_since THEN h.status ELSE sh_status END AS eff_status,
     CASE WHEN h IS NOT NULL AND h.since >= sh_since THEN h.since ELSE sh_since END AS eff_since,
     coalesce(e.valid_until,
              CASE WHEN $by_severity AND NOT e.list_type IN $incentive_types
                   THEN e.determined_on + duration({years: CASE sev WHEN 'serious' THEN $serious_years
                                                                    WHEN 'fairly_serious' THEN $fairly_serious_years
                                                                    ELSE $general_years END}) END) AS until
