// Shape focus_to_black (LST-15): an in-force serious entry whose act date lies within an in-force entry of
// $counted_list_types makes the subject a black-list candidate for that entry's department, unless that
// department already put it on a black-class list. Follows entries_current.cypher and inforce_filter.cypher.
WITH e.subject_id AS subject, collect({e: e, sev: sev, until: until, flag: flag}) AS inforce
WHERE any(i IN inforce WHERE i.e.list_type IN $counted_list_types) AND any(i IN inforce WHERE i.sev = $serious)
UNWIND inforce AS fo
UNWIND inforce AS se
WITH inforce, fo, se
WHERE fo.e.list_type IN $counted_list_types AND se.sev = $serious AND se.e.entry_id <> fo.e.entry_id
  AND coalesce(se.e.act_date, se.e.determined_on) >= fo.e.determined_on
  AND (fo.until IS NULL OR coalesce(se.e.act_date, se.e.determined_on) <= fo.until)
  AND NONE(b IN inforce WHERE b.e.list_type IN $black_types
                         AND coalesce(b.e.department, '') = coalesce(fo.e.department, ''))
RETURN fo.e.subject_id AS subject_id, se.e.entry_id AS source_entry_id, fo.e.entry_id AS related_entry_id,
       se.e.determined_on AS valid_from, fo.until AS focus_until, se.until AS serious_until,
       se.sev AS severity, se.e.list_type AS list_type, se.e.domain AS domain,
       fo.e.department AS department, se.e.legal_basis AS legal_basis,
       coalesce(se.e.act_date, se.e.determined_on) AS role_date, coalesce(se.flag, fo.flag) AS flags
