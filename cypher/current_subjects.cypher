// Every current subject version (the store orders the rows by subject_id, as the embedded store does).
MATCH (v:SubjectVersion) WHERE v.superseded_at IS NULL
RETURN v.subject_id AS subject_id, v.kind AS kind, v.name AS name, v.uscc AS uscc, v.id_number AS id_number,
       v.region AS region
