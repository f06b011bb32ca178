// A batch: its number, when it was recorded, where it came from. Written before its rows (so an interrupted
// load never hands its number to the next one) and again after them, with the counts.
MERGE (b:Batch {batch_id: $batch_id})
SET b.recorded_at = $recorded_at, b.source = $source, b.subjects = $subjects, b.roles = $roles,
    b.entries = $entries, b.findings = $findings
