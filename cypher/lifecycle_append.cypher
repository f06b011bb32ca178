// Append lifecycle events (graphsvc/lifecycle/): one node per step of a case, never edited or deleted.
UNWIND $rows AS row
CREATE (:LifecycleEvent {case_id: row.case_id, case_kind: row.case_kind, entry_id: row.entry_id, event: row.event,
                         on_date: row.on_date, actor: row.actor, detail: row.detail, recorded_at: $recorded_at})
