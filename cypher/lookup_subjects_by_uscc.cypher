// Current subjects holding any of these USCCs (identifier uniqueness across loads); indexed lookups.
UNWIND $ids AS id
MATCH (v:SubjectVersion {uscc: id}) WHERE v.superseded_at IS NULL
RETURN DISTINCT v.subject_id AS subject_id, v.uscc AS uscc, v.id_number AS id_number
