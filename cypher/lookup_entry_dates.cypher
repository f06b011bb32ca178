// (entry_id, determined_on, status, status_since) of current entries among $ids, with the first closed status of
// their history (closed_status, closed_since; $closed: the closed statuses): the loader's status-history checks,
// and that a closed entry never returns to force.
UNWIND $ids AS id
MATCH (e:Entry {entry_id: id})-[:VERSION]->(v:EntryVersion) WHERE v.superseded_at IS NULL
OPTIONAL MATCH (e)-[:STATUS]->(s:StatusVersion) WHERE s.superseded_at IS NULL AND s.status IN $closed
WITH id, v, s ORDER BY s.since
WITH id, v, collect(s) AS closing
RETURN DISTINCT id AS entry_id, v.determined_on AS determined_on, v.status AS status, v.status_since AS status_since,
       CASE WHEN size(closing) = 0 THEN null ELSE closing[0].status END AS closed_status,
       CASE WHEN size(closing) = 0 THEN null ELSE closing[0].since END AS closed_since
