// Prologue of every rule but W4: entries in force on $as_of as known at $known_at.
// V1 (VAL-01): in force from determined_on until valid_until, or the profile's default by severity.
// V2 (RGT-02..04): a pending objection suspends, or continues (flagged) where the profile says so.
// Binds e (EntryVersion), until (date or null) and flag (string or null).
MATCH (e:EntryVersion)
WHERE e.recorded_at <= $known_at AND (e.superseded_at IS NULL OR e.superseded_at > $known_at)
WITH e, CASE WHEN e.status_since IS NULL OR e.status_since <= $as_of THEN e.status ELSE 'active' END AS eff_status,
     coalesce(e.valid_until,
              CASE WHEN $by_severity AND e.list_type <> 'red'
                   THEN e.determined_on + duration({years: CASE e.severity WHEN 'serious' THEN $serious_years
                                                                           WHEN 'fairly_serious' THEN $fairly_serious_years
                                                                           ELSE $general_years END}) END) AS until
WHERE e.determined_on <= $as_of AND (until IS NULL OR $as_of <= until)
  AND (eff_status = 'active' OR (eff_status = 'objection_pending' AND $objection_in_force))
WITH e, until, CASE WHEN eff_status = 'objection_pending' AND $objection_flagged THEN 'objection_pending' END AS flag
