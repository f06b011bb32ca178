// Current subjects holding any of these USCCs or ID numbers (identifier uniqueness across loads).
MATCH (v:SubjectVersion)
WHERE v.superseded_at IS NULL AND (v.uscc IN $ids OR v.id_number IN $ids)
RETURN DISTINCT v.subject_id AS subject_id, v.uscc AS uscc, v.id_number AS id_number
