// The entries in force on $as_of as known at $known_at, exactly as the rules see them (V1, V2, W3): the columns
// of the embedded store's inforce_sql. Follows entries_current.cypher and inforce_filter.cypher; the store
// orders by subject_id, entry_id.
RETURN e.entry_id AS entry_id, e.subject_id AS subject_id, e.list_type AS list_type, e.domain AS domain,
       sev AS severity, e.department AS department, e.determined_on AS determined_on,
       until AS valid_until, flag AS flags, e.scope AS scope, e.legal_basis AS legal_basis, eff_status AS status
