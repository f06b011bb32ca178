// W2 (LST-15): an in-force serious entry whose act date lies within an in-force focus entry's validity makes
// the subject a black-list candidate for the focus entry's department, unless that department already
// black-listed it. Follows inforce_entries.cypher.
WITH e.subject_id AS subject, collect({e: e, until: until, flag: flag}) AS inforce
WHERE any(i IN inforce WHERE i.e.list_type = 'focus') AND any(i IN inforce WHERE i.e.severity = 'serious')
UNWIND inforce AS fo
UNWIND inforce AS se
WITH inforce, fo, se
WHERE fo.e.list_type = 'focus' AND se.e.severity = 'serious' AND se.e.entry_id <> fo.e.entry_id
  AND coalesce(se.e.act_date, se.e.determined_on) >= fo.e.determined_on
  AND (fo.until IS NULL OR coalesce(se.e.act_date, se.e.determined_on) <= fo.until)
  AND NONE(b IN inforce WHERE b.e.list_type = 'black'
                         AND coalesce(b.e.department, '') = coalesce(fo.e.department, ''))
RETURN fo.e.subject_id AS subject_id, se.e.entry_id AS source_entry_id, fo.e.entry_id AS related_entry_id,
       se.e.determined_on AS valid_from, fo.until AS focus_until, se.until AS serious_until,
       se.e.severity AS severity, se.e.list_type AS list_type, se.e.domain AS domain,
       fo.e.department AS department, se.e.legal_basis AS legal_basis,
       coalesce(se.e.act_date, se.e.determined_on) AS role_date, coalesce(se.flag, fo.flag) AS flags
