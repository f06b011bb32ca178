// The current status-history rows of one entry (statuses.csv), by id; the store orders them by since.
MATCH (:Entry {entry_id: $id})-[:STATUS]->(s:StatusVersion) WHERE s.superseded_at IS NULL
RETURN s.entry_id AS entry_id, s.status AS status, s.since AS since, s.basis AS basis
