// W1 (LST-14): per subject and domain, its in-force focus entries. The engine keeps the subjects with at least
// min_domains distinct domains. Follows inforce_entries.cypher.
WITH e, until, flag WHERE e.list_type = 'focus'
RETURN e.subject_id AS subject_id, e.domain AS domain, min(e.determined_on) AS first_from,
       collect(until) AS untils, count(e) AS n, collect({entry_id: e.entry_id, determined_on: e.determined_on}) AS entries,
       collect(flag) AS flags
