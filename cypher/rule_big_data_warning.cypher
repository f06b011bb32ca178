// Shape domain_count (LST-14): per subject and key domain ($key_domains_from -> $key_domains_to; a domain
// without a key domain does not count), its in-force entries of $counted_list_types. The engine keeps the
// subjects with at least min_domains distinct key domains. Follows entries_current.cypher and
// inforce_filter.cypher.
WITH e, until, flag WHERE e.list_type IN $counted_list_types
WITH e, until, flag,
     head([i IN range(0, size($key_domains_from) - 1) WHERE $key_domains_from[i] = e.domain
           | $key_domains_to[i]]) AS key
WHERE key IS NOT NULL
RETURN e.subject_id AS subject_id, key AS domain, min(e.determined_on) AS first_from,
       collect(until) AS untils, count(e) AS n, collect({entry_id: e.entry_id, determined_on: e.determined_on}) AS entries,
       collect(flag) AS flags, collect(e.list_type) AS list_types
