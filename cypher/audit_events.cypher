// Audit events requested in [$since, $until) (either bound may be null: open). The store orders by
// requested_at, event_id.
MATCH (a:AuditEvent)
WHERE ($since IS NULL OR a.requested_at >= $since) AND ($until IS NULL OR a.requested_at < $until)
RETURN a.event_id AS event_id, a.requested_at AS requested_at, a.key_id AS key_id, a.tier AS tier,
       a.method AS method, a.endpoint AS endpoint, a.parameters AS parameters,
       a.authorisation_ref AS authorisation_ref, a.status AS status, a.result_ids AS result_ids
