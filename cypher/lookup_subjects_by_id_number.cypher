// Current subjects holding any of these ID numbers (identifier uniqueness across loads); indexed lookups.
UNWIND $ids AS id
MATCH (v:SubjectVersion {id_number: id}) WHERE v.superseded_at IS NULL
RETURN DISTINCT v.subject_id AS subject_id, v.uscc AS uscc, v.id_number AS id_number
