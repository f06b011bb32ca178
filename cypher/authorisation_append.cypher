// Record one authorisation for 授权查询 (append-only; the store first checks the id is free, and the unique
// constraint on Authorisation.authorisation_id refuses a second node with the same id).
UNWIND $rows AS row
CREATE (:Authorisation {authorisation_id: row.authorisation_id, subject_id: row.subject_id, grantee: row.grantee,
                        purpose: row.purpose, valid_from: row.valid_from, valid_until: row.valid_until,
                        proof_kind: row.proof_kind, proof_ref: row.proof_ref, recorded_by: row.recorded_by,
                        recorded_at: row.recorded_at})
