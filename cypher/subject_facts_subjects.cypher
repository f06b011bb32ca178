// Every version of subject $id, with transaction times (the store orders by recorded_at).
MATCH (:Subject {subject_id: $id})-[:VERSION]->(v:SubjectVersion)
RETURN v.subject_id AS subject_id, v.kind AS kind, v.name AS name, v.uscc AS uscc, v.id_number AS id_number,
       v.region AS region, v.recorded_at AS recorded_at, v.superseded_at AS superseded_at
