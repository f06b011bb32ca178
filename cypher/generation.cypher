// The store's generation: the last batch, the current evaluation (0 if none) and the number of warning events.
// Evaluation ids only grow, so the current one changes whenever replace_evaluation installs a new evaluation.
CALL { OPTIONAL MATCH (b:Batch) RETURN coalesce(max(b.batch_id), 0) AS batch }
CALL { OPTIONAL MATCH (v:Evaluation) WHERE v.state = 'current' RETURN coalesce(max(v.evaluation_id), 0) AS evaluation }
CALL { MATCH (w:WarningEvent) RETURN count(w) AS warnings }
RETURN batch, evaluation, warnings
