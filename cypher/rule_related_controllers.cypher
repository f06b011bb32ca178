// Shape controllers, related half (PROP-08, 003 三(二) 包括关联企业实际控制人): actual controllers (on $as_of) of
// enterprises asserted as related (on $as_of) to an organisation with an in-force triggering entry.
// related_enterprise is symmetric. Follows entries_current.cypher and inforce_filter.cypher.
WITH e, sev, until, flag
WHERE $related_controllers AND e.list_type IN $list_types AND ($severity IS NULL OR sev = $severity)
MATCH (o:Subject {subject_id: e.subject_id})-[:VERSION]->(ov:SubjectVersion)
WHERE ov.recorded_at <= $known_at AND (ov.superseded_at IS NULL OR ov.superseded_at > $known_at)
  AND ov.kind IN $kinds
MATCH (o)-[rel:ROLE]-(y)
WHERE rel.role = $relation_role AND y.subject_id <> o.subject_id
  AND rel.recorded_at <= $known_at AND (rel.superseded_at IS NULL OR rel.superseded_at > $known_at)
  AND (rel.valid_from IS NULL OR rel.valid_from <= $as_of) AND (rel.valid_to IS NULL OR $as_of <= rel.valid_to)
MATCH (y)-[:VERSION]->(yv:SubjectVersion)
WHERE yv.recorded_at <= $known_at AND (yv.superseded_at IS NULL OR yv.superseded_at > $known_at)
  AND yv.kind IN $related_kinds
MATCH (y)<-[ac:ROLE]-(c)
WHERE ac.role = $controller_role AND c.subject_id <> o.subject_id
  AND ac.recorded_at <= $known_at AND (ac.superseded_at IS NULL OR ac.superseded_at > $known_at)
  AND (ac.valid_from IS NULL OR ac.valid_from <= $as_of) AND (ac.valid_to IS NULL OR $as_of <= ac.valid_to)
RETURN c.subject_id AS subject_id, e.entry_id AS source_entry_id, y.subject_id AS related_id,
       o.subject_id AS origin_id, e.determined_on AS entry_from, rel.valid_from AS rel_from,
       ac.valid_from AS control_from, until AS entry_until, rel.valid_to AS rel_to, ac.valid_to AS control_to,
       [rel.role, ac.role] AS vias, sev AS severity, e.list_type AS list_type, e.domain AS domain,
       e.department AS department, e.legal_basis AS legal_basis, flag AS flags
