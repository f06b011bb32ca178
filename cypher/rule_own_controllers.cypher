// Shape controllers, own half (PROP-08, 003 三(二) 对严重失信主体): the actual controllers (on $as_of) of an
// organisation with an in-force triggering entry. Follows entries_current.cypher and inforce_filter.cypher.
WITH e, sev, until, flag
WHERE $own_controllers AND e.list_type IN $list_types AND ($severity IS NULL OR sev = $severity)
MATCH (o:Subject {subject_id: e.subject_id})-[:VERSION]->(ov:SubjectVersion)
WHERE ov.recorded_at <= $known_at AND (ov.superseded_at IS NULL OR ov.superseded_at > $known_at)
  AND ov.kind IN $kinds
MATCH (o)<-[ac:ROLE]-(c)
WHERE ac.role = $controller_role
  AND ac.recorded_at <= $known_at AND (ac.superseded_at IS NULL OR ac.superseded_at > $known_at)
  AND (ac.valid_from IS NULL OR ac.valid_from <= $as_of) AND (ac.valid_to IS NULL OR $as_of <= ac.valid_to)
RETURN c.subject_id AS subject_id, e.entry_id AS source_entry_id, o.subject_id AS related_id,
       o.subject_id AS origin_id, e.determined_on AS entry_from, null AS rel_from,
       ac.valid_from AS control_from, until AS entry_until, null AS rel_to, ac.valid_to AS control_to,
       [ac.role] AS vias, sev AS severity, e.list_type AS list_type, e.domain AS domain,
       e.department AS department, e.legal_basis AS legal_basis, flag AS flags
