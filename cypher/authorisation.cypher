// The authorisation with this id (none or one).
MATCH (a:Authorisation {authorisation_id: $id})
RETURN a.authorisation_id AS authorisation_id, a.subject_id AS subject_id, a.grantee AS grantee,
       a.purpose AS purpose, a.valid_from AS valid_from, a.valid_until AS valid_until, a.proof_kind AS proof_kind,
       a.proof_ref AS proof_ref, a.recorded_by AS recorded_by, a.recorded_at AS recorded_at
