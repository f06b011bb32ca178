// Make the written evaluation current and the previous one superseded, in one transaction.
MATCH (new:Evaluation {evaluation_id: $evaluation_id})
OPTIONAL MATCH (old:Evaluation) WHERE old.state = 'current' AND old.evaluation_id <> $evaluation_id
SET new.state = 'current'
WITH new, collect(old) AS olds
FOREACH (o IN olds | SET o.state = 'superseded')
RETURN new.evaluation_id AS evaluation_id
