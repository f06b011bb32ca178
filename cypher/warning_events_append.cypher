// Append warning lifecycle events (one node per decision, never edited or deleted).
UNWIND $rows AS row
CREATE (:WarningEvent {warning_id: row.warning_id, state: row.state, reason: row.reason, actor: row.actor,
                       decided_at: row.decided_at, rule: row.rule, subject_id: row.subject_id})
