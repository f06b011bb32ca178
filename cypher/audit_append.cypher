// Append audit events (one node per request, never edited or deleted). Runs in the same transaction as
// audit_journal_advance.cypher, so events and the journal positions they were read up to commit together, or
// in the transaction of a request's write (a batch, a warning decision, an authorisation, an evaluation's
// switch), so that the change and its audit event commit together (PRV-06).
UNWIND $rows AS row
CREATE (:AuditEvent {event_id: row.event_id, requested_at: row.requested_at, key_id: row.key_id, tier: row.tier,
                     method: row.method, endpoint: row.endpoint, parameters: row.parameters,
                     authorisation_ref: row.authorisation_ref, status: row.status, result_ids: row.result_ids})
