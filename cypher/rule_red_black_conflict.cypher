// W3 (LST-07, LST-10): an in-force black entry removes earlier red entries from force and refuses later ones.
// Follows inforce_entries.cypher.
WITH e.subject_id AS subject, collect({e: e, until: until, flag: flag}) AS inforce
WHERE any(i IN inforce WHERE i.e.list_type = 'black') AND any(i IN inforce WHERE i.e.list_type = 'red')
UNWIND inforce AS b
UNWIND inforce AS rd
WITH b, rd
WHERE b.e.list_type = 'black' AND rd.e.list_type = 'red'
RETURN b.e.subject_id AS subject_id, b.e.entry_id AS source_entry_id, rd.e.entry_id AS related_entry_id,
       CASE WHEN rd.e.determined_on <= b.e.determined_on THEN 'red_removed' ELSE 'red_refused' END AS effect,
       CASE WHEN rd.e.determined_on > b.e.determined_on THEN rd.e.determined_on ELSE b.e.determined_on END
           AS valid_from,
       b.until AS valid_until, b.e.severity AS severity, b.e.list_type AS list_type, b.e.domain AS domain,
       b.e.department AS department, b.e.legal_basis AS legal_basis, b.flag AS flags
