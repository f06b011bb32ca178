// Every warning lifecycle event (the store orders by decided_at, warning_id).
MATCH (w:WarningEvent)
RETURN w.warning_id AS warning_id, w.state AS state, w.reason AS reason, w.actor AS actor,
       w.decided_at AS decided_at, w.rule AS rule, w.subject_id AS subject_id
