// (entry_id, subject_id, kind) of current entries among $ids (finding checks).
UNWIND $ids AS id
MATCH (e:Entry {entry_id: id})-[:VERSION]->(v:EntryVersion) WHERE v.superseded_at IS NULL
OPTIONAL MATCH (s:Subject {subject_id: v.subject_id})-[:VERSION]->(sv:SubjectVersion) WHERE sv.superseded_at IS NULL
RETURN DISTINCT id AS entry_id, v.subject_id AS subject_id, sv.kind AS kind
