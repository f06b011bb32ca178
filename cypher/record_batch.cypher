// A batch: its number, when it was recorded, where it came from. Written after its rows.
MERGE (b:Batch {batch_id: $batch_id})
SET b.recorded_at = $recorded_at, b.source = $source, b.subjects = $subjects, b.roles = $roles,
    b.entries = $entries, b.findings = $findings
