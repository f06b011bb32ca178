// How far each audit journal segment has reached the log.
MATCH (j:AuditJournal)
RETURN j.segment AS segment, j.position AS position
