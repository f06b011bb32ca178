// Remove evaluation nodes that are not current once their derived records are gone.
MATCH (v:Evaluation) WHERE v.state <> 'current'
DETACH DELETE v
