// The current shareholdings (ratio roles $roles) held in the organisations $ids: what a load's shares add to.
UNWIND $ids AS id
MATCH (h:Subject)-[r:ROLE]->(:Subject {subject_id: id})
WHERE r.superseded_at IS NULL AND r.role IN $roles
RETURN h.subject_id AS source_id, r.role AS role, id AS target_id, r.ratio AS ratio, r.valid_from AS valid_from,
       r.valid_to AS valid_to
