// Lifecycle events of one case ($case_id), of one entry's cases ($entry_id), or all (both null); the store
// orders them by recorded_at, case_id, event.
MATCH (v:LifecycleEvent)
WHERE ($case_id IS NULL OR v.case_id = $case_id) AND ($entry_id IS NULL OR v.entry_id = $entry_id)
RETURN v.case_id AS case_id, v.case_kind AS case_kind, v.entry_id AS entry_id, v.event AS event,
       v.on_date AS on_date, v.actor AS actor, v.detail AS detail, v.recorded_at AS recorded_at
