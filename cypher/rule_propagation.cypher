// Shape propagation (PROP-01..04, PROP-07): organisation -> person, one hop. Role holders on the role date
// ($roles), holders of $roles_with_finding only with a finding for the entry, and (if $finding_alone) any
// person with a finding. Follows entries_current.cypher and inforce_filter.cypher.
WITH e, sev, until, flag
WHERE e.list_type IN $list_types AND ($severity IS NULL OR sev = $severity)
MATCH (o:Subject {subject_id: e.subject_id})-[:VERSION]->(ov:SubjectVersion)
WHERE ov.recorded_at <= $known_at AND (ov.superseded_at IS NULL OR ov.superseded_at > $known_at)
  AND ov.kind IN $kinds
WITH e, sev, until, flag, o,
     CASE WHEN $role_timing = 'determined_on' THEN e.determined_on ELSE coalesce(e.act_date, e.determined_on) END
         AS role_date
MATCH (entry:Entry {entry_id: e.entry_id})
WITH e, sev, until, flag, o, role_date,
     [(o)<-[h:ROLE]-(p)
        WHERE h.recorded_at <= $known_at AND (h.superseded_at IS NULL OR h.superseded_at > $known_at)
          AND (h.valid_from IS NULL OR h.valid_from <= role_date) AND (h.valid_to IS NULL OR role_date <= h.valid_to)
          AND (h.role IN $roles
               OR (h.role IN $roles_with_finding
                   AND EXISTS { MATCH (p)-[fr:RESPONSIBLE_FOR]->(entry)
                                WHERE fr.recorded_at <= $known_at
                                  AND (fr.superseded_at IS NULL OR fr.superseded_at > $known_at) }))
        | {person: p.subject_id, via: h.role}]
     + CASE WHEN $finding_alone
            THEN [(entry)<-[fr:RESPONSIBLE_FOR]-(p)
                    WHERE fr.recorded_at <= $known_at AND (fr.superseded_at IS NULL OR fr.superseded_at > $known_at)
                    | {person: p.subject_id, via: 'responsibility_finding'}]
            ELSE [] END AS reached
UNWIND reached AS x
RETURN x.person AS subject_id, e.entry_id AS source_entry_id, e.subject_id AS related_id,
       e.subject_id AS origin_id, e.determined_on AS valid_from, until AS valid_until, sev AS severity,
       e.list_type AS list_type, e.domain AS domain, e.department AS department, e.legal_basis AS legal_basis,
       collect(DISTINCT x.via) AS vias, role_date, flag AS flags
