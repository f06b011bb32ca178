// Shape red_black_conflict (LST-07, LST-10): an in-force black-class entry removes earlier red entries from
// force and refuses later ones. Runs with $remove_conflicting_red false, so that the prologue keeps the red
// entries it reports. Follows entries_current.cypher and inforce_filter.cypher.
WITH e.subject_id AS subject, collect({e: e, sev: sev, until: until, flag: flag}) AS inforce
WHERE any(i IN inforce WHERE i.e.list_type IN $black_types) AND any(i IN inforce WHERE i.e.list_type IN $incentive_types)
UNWIND inforce AS b
UNWIND inforce AS rd
WITH b, rd
WHERE b.e.list_type IN $black_types AND rd.e.list_type IN $incentive_types
RETURN b.e.subject_id AS subject_id, b.e.entry_id AS source_entry_id, rd.e.entry_id AS related_entry_id,
       rd.e.determined_on <= b.e.determined_on AS removed,
       CASE WHEN rd.e.determined_on > b.e.determined_on THEN rd.e.determined_on ELSE b.e.determined_on END
           AS valid_from,
       b.until AS valid_until, b.sev AS severity, b.e.list_type AS list_type, b.e.domain AS domain,
       b.e.department AS department, b.e.legal_basis AS legal_basis, b.flag AS flags
