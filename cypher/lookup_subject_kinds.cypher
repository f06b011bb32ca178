// (subject_id, kind) of current subjects among $ids (loader reference checks).
UNWIND $ids AS id
MATCH (s:Subject {subject_id: id})-[:VERSION]->(v:SubjectVersion) WHERE v.superseded_at IS NULL
RETURN DISTINCT id AS subject_id, v.kind AS kind
