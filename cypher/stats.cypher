// Counts of current facts and of the current evaluation's derived records.
CALL { MATCH (v:SubjectVersion) WHERE v.superseded_at IS NULL RETURN count(v) AS subjects }
CALL { MATCH ()-[r:ROLE]->() WHERE r.superseded_at IS NULL RETURN count(r) AS roles }
CALL { MATCH (v:EntryVersion) WHERE v.superseded_at IS NULL RETURN count(v) AS entries }
CALL { MATCH ()-[f:RESPONSIBLE_FOR]->() WHERE f.superseded_at IS NULL RETURN count(f) AS findings }
CALL { OPTIONAL MATCH (v:Evaluation {state: 'current'}) RETURN coalesce(max(v.records), 0) AS derived }
RETURN subjects, roles, entries, findings, derived
