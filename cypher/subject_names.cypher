// Names of subjects as known at $known_at, for explanations.
UNWIND $ids AS id
MATCH (s:Subject {subject_id: id})-[:VERSION]->(v:SubjectVersion)
WHERE v.recorded_at <= $known_at AND (v.superseded_at IS NULL OR v.superseded_at > $known_at)
RETURN id AS subject_id, v.name AS name
