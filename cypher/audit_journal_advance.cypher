// Set the journal position of each segment in $positions ({segment, position}); same transaction as
// audit_append.cypher.
UNWIND $positions AS p
MERGE (j:AuditJournal {segment: p.segment})
SET j.position = p.position
