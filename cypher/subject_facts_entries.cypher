// Every entry version naming subject $id (the store orders by determined_on, entry_id, recorded_at).
MATCH (v:EntryVersion {subject_id: $id})
RETURN v.entry_id AS entry_id, v.subject_id AS subject_id, v.list_type AS list_type, v.domain AS domain,
       v.severity AS severity, v.department AS department, v.act_date AS act_date,
       v.determined_on AS determined_on, v.valid_until AS valid_until, v.status AS status,
       v.status_since AS status_since, v.scope AS scope, v.legal_basis AS legal_basis,
       v.act_date_precision AS act_date_precision, v.determined_on_precision AS determined_on_precision,
       v.valid_until_precision AS valid_until_precision, v.status_since_precision AS status_since_precision,
       v.published_by AS published_by, v.published_on AS published_on,
       v.recorded_at AS recorded_at, v.superseded_at AS superseded_at
