// Shape appointment_ban (PROP-05): the listed enterprise's holders of $roles on the determination date may not
// hold $appointment_roles at other organisations of $appointment_kinds for $ban_years; such appointments held
// on $as_of are violations. Follows entries_current.cypher and inforce_filter.cypher. One row per (person,
// entry) with the appointments found.
WITH e, sev, until, flag WHERE e.list_type IN $list_types AND ($severity IS NULL OR sev = $severity)
MATCH (o:Subject {subject_id: e.subject_id})-[:VERSION]->(ov:SubjectVersion)
WHERE ov.recorded_at <= $known_at AND (ov.superseded_at IS NULL OR ov.superseded_at > $known_at)
  AND ov.kind IN $kinds
WITH e, sev, until, flag, o, e.determined_on + duration({years: $ban_years}) AS ban_end
WHERE $as_of <= ban_end
MATCH (o)<-[h:ROLE]-(p)
WHERE h.recorded_at <= $known_at AND (h.superseded_at IS NULL OR h.superseded_at > $known_at)
  AND h.role IN $roles
  AND (h.valid_from IS NULL OR h.valid_from <= e.determined_on) AND (h.valid_to IS NULL OR e.determined_on <= h.valid_to)
WITH e, sev, flag, o, p, collect(DISTINCT h.role) AS vias,
     CASE WHEN until IS NULL OR ban_end < until THEN ban_end ELSE until END AS ban_until
RETURN p.subject_id AS subject_id, e.entry_id AS source_entry_id, o.subject_id AS origin_id,
       e.determined_on AS valid_from, ban_until AS valid_until, sev AS severity, e.list_type AS list_type,
       e.domain AS domain, e.department AS department, e.legal_basis AS legal_basis, vias, flag AS flags,
       [(p)-[a:ROLE]->(t)
          WHERE a.recorded_at <= $known_at AND (a.superseded_at IS NULL OR a.superseded_at > $known_at)
            AND a.role IN $appointment_roles AND t.subject_id <> o.subject_id
            AND (a.valid_from IS NULL OR a.valid_from <= $as_of) AND (a.valid_to IS NULL OR $as_of <= a.valid_to)
            AND EXISTS { MATCH (t)-[:VERSION]->(tv:SubjectVersion)
                         WHERE tv.recorded_at <= $known_at
                           AND (tv.superseded_at IS NULL OR tv.superseded_at > $known_at)
                           AND tv.kind IN $appointment_kinds }
          | {target: t.subject_id, role: a.role, valid_from: a.valid_from, valid_to: a.valid_to}] AS appointments
