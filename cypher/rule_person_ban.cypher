// Shape person_ban (PROP-06): the listed person may not hold $appointment_roles at organisations of
// $appointment_kinds; such roles held on $as_of are violations. Follows entries_current.cypher and
// inforce_filter.cypher.
WITH e, sev, until, flag WHERE e.list_type IN $list_types AND ($severity IS NULL OR sev = $severity)
MATCH (o:Subject {subject_id: e.subject_id})-[:VERSION]->(ov:SubjectVersion)
WHERE ov.recorded_at <= $known_at AND (ov.superseded_at IS NULL OR ov.superseded_at > $known_at)
  AND ov.kind IN $kinds
RETURN o.subject_id AS subject_id, e.entry_id AS source_entry_id, e.determined_on AS valid_from,
       until AS valid_until, sev AS severity, e.list_type AS list_type, e.domain AS domain,
       e.department AS department, e.legal_basis AS legal_basis, flag AS flags,
       [(o)-[a:ROLE]->(t)
          WHERE a.recorded_at <= $known_at AND (a.superseded_at IS NULL OR a.superseded_at > $known_at)
            AND a.role IN $appointment_roles
            AND (a.valid_from IS NULL OR a.valid_from <= $as_of) AND (a.valid_to IS NULL OR $as_of <= a.valid_to)
            AND EXISTS { MATCH (t)-[:VERSION]->(tv:SubjectVersion)
                         WHERE tv.recorded_at <= $known_at
                           AND (tv.superseded_at IS NULL OR tv.superseded_at > $known_at)
                           AND tv.kind IN $appointment_kinds }
          | {target: t.subject_id, role: a.role, valid_from: a.valid_from, valid_to: a.valid_to}] AS appointments
