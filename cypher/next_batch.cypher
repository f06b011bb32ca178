// The next batch number and the last recorded time, so transaction time only moves forward.
OPTIONAL MATCH (b:Batch)
RETURN coalesce(max(b.batch_id), 0) + 1 AS batch_id, max(b.recorded_at) AS last_recorded_at
