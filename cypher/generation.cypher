// The store's generation: the last batch, the current evaluation (0 if none), the number of warning events and
// the database's identity ('' if none yet). Evaluation ids only grow, so the current one changes whenever
// replace_evaluation installs a new evaluation.
CALL { OPTIONAL MATCH (b:Batch) RETURN coalesce(max(b.batch_id), 0) AS batch }
CALL { OPTIONAL MATCH (v:Evaluation) WHERE v.state = 'current' RETURN coalesce(max(v.evaluation_id), 0) AS evaluation }
CALL { MATCH (w:WarningEvent) RETURN count(w) AS warnings }
CALL { OPTIONAL MATCH (s:StoreIdentity {key: 'store'}) RETURN coalesce(max(s.identity), '') AS store }
RETURN batch, evaluation, warnings, store
