// (entry_id, determined_on) of current entries among $ids (status-history checks).
UNWIND $ids AS id
MATCH (e:Entry {entry_id: id})-[:VERSION]->(v:EntryVersion) WHERE v.superseded_at IS NULL
RETURN DISTINCT id AS entry_id, v.determined_on AS determined_on
