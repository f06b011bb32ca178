// Follows entries_current.cypher: the entries in force on $as_of. V1: determined and not past until; V2
// (RGT-02..04): active, or objection pending where the profile lets measures continue (flagged where it says
// so). W3 (LST-10, 004 JI(六)): with $remove_conflicting_red, a red entry leaves force from the later
// determination date c of itself and a black-class entry in force on c (its status on c from its history; an
// entry ever revoked never counts). Binds e, sev, until, eff_status, flag.
WITH e.subject_id AS subject,
     collect({e: e, sev: sev, status: eff_status, until: until, history: history}) AS entries
UNWIND entries AS x
WITH entries, x
WHERE x.e.determined_on <= $as_of AND (x.until IS NULL OR $as_of <= x.until)
  AND (x.status = 'active' OR (x.status = 'objection_pending' AND $objection_in_force))
  AND NOT ($remove_conflicting_red AND x.e.list_type IN $incentive_types
           AND any(b IN entries WHERE b.e.list_type IN $black_types AND b.e.status <> 'revoked'
                   AND NONE(s IN b.history WHERE s.status = 'revoked')
                   AND any(c IN [CASE WHEN b.e.determined_on > x.e.determined_on THEN b.e.determined_on
                                      ELSE x.e.determined_on END]
                           WHERE c <= $as_of AND (b.until IS NULL OR c <= b.until)
                             AND any(hb IN [head([s IN b.history WHERE s.since <= c
                                                  AND NONE(t IN b.history WHERE t.since <= c AND t.since > s.since)])]
                                     WHERE any(st IN [CASE
                                         WHEN hb IS NOT NULL AND hb.since >= CASE
                                              WHEN b.e.status_since IS NULL OR b.e.status_since <= c
                                              THEN coalesce(b.e.status_since, b.e.determined_on)
                                              ELSE b.e.determined_on END THEN hb.status
                                         WHEN b.e.status_since IS NULL OR b.e.status_since <= c THEN b.e.status
                                         ELSE 'active' END]
                                               WHERE st = 'active' OR (st = 'objection_pending' AND $objection_in_force))))))
WITH x.e AS e, x.sev AS sev, x.until AS until, x.status AS eff_status,
     CASE WHEN x.status = 'objection_pending' AND $objection_flagged THEN 'objection_pending' END AS flag
