"""SQL for the rules on the embedded store, built from the rule table and an EvaluationContext.

Only identifiers fixed in this module are spliced into the SQL text; every value (dates, role names, list
types, years) is a bound parameter. All rules share the CTEs below:

- ``e0``: current entries with their effective status on the as-of date and their validity end (V1);
- ``inforce``: entries in force on the as-of date under the profile's objection policy (V1, V2);
- ``s``, ``r``, ``f``: current subjects, roles and responsibility findings.
"""

from __future__ import annotations

from typing import Any

from graphsvc.profiles import RoleTiming
from graphsvc.rules.context import EvaluationContext, ResolvedRule
from graphsvc.rules.table import RULES
from graphsvc.stores.base import RULE_OUTPUT_SCHEMA
from graphsvc.vocab import ListType, RoleType

_OPEN_END = "DATE '9999-12-31'"


def _held(alias: str, on: str) -> str:
    """A role edge held on a date: valid_from and valid_to are inclusive; a missing bound is open."""
    return (
        f"({alias}.valid_from IS NULL OR {alias}.valid_from <= {on}) "
        f"AND ({alias}.valid_to IS NULL OR {on} <= {alias}.valid_to)"
    )


def _common_ctes() -> str:
    cur = "recorded_at <= $known_at AND (superseded_at IS NULL OR superseded_at > $known_at)"
    return f"""
s AS (SELECT subject_id, kind, name FROM subjects WHERE {cur}),
r AS (SELECT source_id, role, target_id, ratio, valid_from, valid_to FROM roles WHERE {cur}),
f AS (SELECT person_id, entry_id FROM findings WHERE {cur}),
e0 AS (
    SELECT e.*,
        -- a status recorded with status_since takes effect on that date; before it the entry was active
        CASE WHEN e.status_since IS NULL OR e.status_since <= $as_of THEN e.status ELSE 'active' END AS eff_status,
        -- V1 (VAL-01): explicit valid_until, else the profile's default by severity from determined_on
        coalesce(e.valid_until, CASE WHEN $by_severity AND e.list_type <> 'red' THEN CAST(
            e.determined_on + to_years(CASE e.severity WHEN 'serious' THEN $serious_years
                                        WHEN 'fairly_serious' THEN $fairly_serious_years
                                        ELSE $general_years END) AS DATE) END) AS until
    FROM entries e WHERE {cur}
),
inforce AS (
    SELECT e0.*, CASE WHEN eff_status = 'objection_pending' AND $objection_flagged
                      THEN 'objection_pending' END AS flag
    FROM e0
    WHERE determined_on <= $as_of AND (until IS NULL OR $as_of <= until)
      -- V2: a pending objection suspends (000-003) or continues (004)
      AND (eff_status = 'active' OR (eff_status = 'objection_pending' AND $objection_in_force))
)"""


def _trigger(rule: ResolvedRule, entry: str, subject: str, params: dict[str, Any]) -> str:
    assert rule.trigger is not None
    params[f"{rule.id}_kinds"] = list(rule.trigger.subject_kinds)
    parts = [f"list_contains(${rule.id}_kinds, {subject}.kind)"]
    list_types = rule.trigger_list_types()
    if list_types is None:
        parts.append(f"{entry}.list_type <> 'red'")
    else:
        params[f"{rule.id}_list_types"] = list_types
        parts.append(f"list_contains(${rule.id}_list_types, {entry}.list_type)")
    if rule.trigger.severity is not None:
        params[f"{rule.id}_severity"] = rule.trigger.severity
        parts.append(f"{entry}.severity = ${rule.id}_severity")
    return " AND ".join(parts)


def _role_date(context: EvaluationContext, entry: str) -> str:
    if context.role_timing is RoleTiming.DETERMINED_ON:
        return f"{entry}.determined_on"
    return f"coalesce({entry}.act_date, {entry}.determined_on)"


_OUT = (
    "rule, subject_id, source_entry_id, related_id, related_entry_id, origin_id, effect, valid_from, valid_until, "
    "severity, list_type, domain, department, legal_basis, via, role_date, detail, flags"
)


def _propagation(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """Organisation → person, one hop (P1, P3, P4, P7): role holders on the role date, or a finding."""
    reach = rule.reach
    assert reach is not None
    rid = rule.id
    params[f"{rid}_roles"] = list(reach.roles)
    params[f"{rid}_roles_f"] = list(reach.roles_with_finding)
    role_date = _role_date(context, "e")
    holders = f"""
        SELECT e.entry_id, h.source_id AS person, h.role AS via, {role_date} AS role_date
        FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        JOIN r h ON h.target_id = e.subject_id AND {_held("h", role_date)}
        LEFT JOIN f ON f.entry_id = e.entry_id AND f.person_id = h.source_id
        WHERE {_trigger(rule, "e", "o", params)}
          AND (list_contains(${rid}_roles, h.role)
               OR (list_contains(${rid}_roles_f, h.role) AND f.person_id IS NOT NULL))"""
    if reach.finding_alone:
        holders += f"""
        UNION ALL
        SELECT e.entry_id, f.person_id AS person, 'responsibility_finding' AS via, {role_date} AS role_date
        FROM inforce e JOIN s o ON o.subject_id = e.subject_id JOIN f ON f.entry_id = e.entry_id
        WHERE {_trigger(rule, "e", "o", params)}"""
    return f"""
    SELECT '{rid}' AS rule, x.person AS subject_id, e.entry_id AS source_entry_id, e.subject_id AS related_id,
        NULL AS related_entry_id, e.subject_id AS origin_id, $effect_{rid} AS effect,
        e.determined_on AS valid_from, e.until AS valid_until, e.severity, e.list_type, e.domain, e.department,
        e.legal_basis, string_agg(DISTINCT x.via, '+' ORDER BY x.via) AS via, any_value(x.role_date) AS role_date,
        NULL AS detail, e.flag AS flags
    FROM ({holders}) x JOIN inforce e ON e.entry_id = x.entry_id
    GROUP BY ALL"""


def _appointment_ban(rule: ResolvedRule, params: dict[str, Any]) -> str:
    """P5 (PROP-05): the listed enterprise's LR / person in charge on the determination date; violations."""
    rid = rule.id
    assert rule.reach is not None and rule.ban_years is not None
    params["P5_roles"] = list(rule.reach.roles)
    params["P5_years"] = rule.ban_years
    return f"""
    P5_ban AS (
        SELECT e.entry_id, e.subject_id AS origin_id, h.source_id AS person,
            string_agg(DISTINCT h.role, '+' ORDER BY h.role) AS via, e.determined_on AS valid_from,
            least(e.until, CAST(e.determined_on + to_years($P5_years) AS DATE)) AS valid_until,
            e.severity, e.list_type, e.domain, e.department, e.legal_basis, e.flag
        FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        JOIN r h ON h.target_id = e.subject_id AND list_contains($P5_roles, h.role) AND {_held("h", "e.determined_on")}
        WHERE {_trigger(rule, "e", "o", params)}
          AND $as_of <= CAST(e.determined_on + to_years($P5_years) AS DATE)
        GROUP BY ALL
    ),
    P5_appointments AS (
        -- appointments as legal representative / person in charge of an enterprise held on the as-of date
        SELECT a.source_id, a.target_id, min(a.valid_from) AS valid_from,
            CASE WHEN bool_or(a.valid_to IS NULL) THEN NULL ELSE max(a.valid_to) END AS valid_to,
            string_agg(DISTINCT a.role, '+' ORDER BY a.role) AS roles
        FROM r a JOIN s t ON t.subject_id = a.target_id AND t.kind = 'enterprise'
        WHERE list_contains($P5_roles, a.role) AND {_held("a", "$as_of")}
        GROUP BY a.source_id, a.target_id
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, b.person AS subject_id, b.entry_id AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, b.origin_id, 'appointment_ban' AS effect, b.valid_from, b.valid_until,
            b.severity, b.list_type, b.domain, b.department, b.legal_basis, b.via, b.valid_from AS role_date,
            NULL AS detail, b.flag AS flags
        FROM P5_ban b
        UNION ALL
        SELECT '{rid}', b.person, b.entry_id, a.target_id, NULL, b.origin_id, 'appointment_ban_violation',
            greatest(b.valid_from, a.valid_from), least(b.valid_until, a.valid_to),
            b.severity, b.list_type, b.domain, b.department, b.legal_basis, b.via, a.valid_from, a.roles, b.flag
        FROM P5_ban b
        JOIN P5_appointments a ON a.source_id = b.person AND a.target_id <> b.origin_id
    )"""


def _public_institution_ban(rule: ResolvedRule, params: dict[str, Any]) -> str:
    """P6 (PROP-06): a court defaulter may not be legal representative of a public institution."""
    rid = rule.id
    return f"""
    P6_ban AS (
        SELECT e.* FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        WHERE {_trigger(rule, "e", "o", params)}
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, e.subject_id, e.entry_id AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, NULL AS origin_id, 'public_institution_lr_ban' AS effect,
            e.determined_on AS valid_from, e.until AS valid_until, e.severity, e.list_type, e.domain,
            e.department, e.legal_basis, NULL AS via, NULL::DATE AS role_date, NULL AS detail, e.flag AS flags
        FROM P6_ban e
        UNION ALL
        SELECT '{rid}', e.subject_id, e.entry_id, a.target_id, NULL, NULL, 'public_institution_lr_violation',
            greatest(e.determined_on, a.valid_from), least(e.until, a.valid_to), e.severity, e.list_type,
            e.domain, e.department, e.legal_basis, a.role, a.valid_from, NULL, e.flag
        FROM P6_ban e
        JOIN r a ON a.source_id = e.subject_id AND a.role = '{RoleType.LEGAL_REPRESENTATIVE}'
                AND {_held("a", "$as_of")}
        JOIN s t ON t.subject_id = a.target_id AND t.kind = 'public_institution'
    )"""


def _related_controllers(rule: ResolvedRule, params: dict[str, Any]) -> str:
    """P8 (PROP-08): actual controllers of enterprises asserted as related to a serious subject."""
    rid = rule.id
    return f"""
    {rid}_rows AS (
        SELECT '{rid}' AS rule, c.source_id AS subject_id, e.entry_id AS source_entry_id, rel.other AS related_id,
            NULL AS related_entry_id, e.subject_id AS origin_id, 'key_supervision' AS effect,
            greatest(e.determined_on, rel.valid_from, c.valid_from) AS valid_from,
            least(e.until, rel.valid_to, c.valid_to) AS valid_until, e.severity, e.list_type, e.domain,
            e.department, e.legal_basis, 'related_enterprise+actual_controller' AS via, NULL::DATE AS role_date,
            NULL AS detail, e.flag AS flags
        FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        JOIN (SELECT source_id AS one, target_id AS other, valid_from, valid_to FROM r
                  WHERE role = '{RoleType.RELATED_ENTERPRISE}'
              UNION ALL
              SELECT target_id, source_id, valid_from, valid_to FROM r
                  WHERE role = '{RoleType.RELATED_ENTERPRISE}') rel
            ON rel.one = e.subject_id AND rel.other <> e.subject_id AND {_held("rel", "$as_of")}
        JOIN s y ON y.subject_id = rel.other AND y.kind = 'enterprise'
        JOIN r c ON c.target_id = rel.other AND c.role = '{RoleType.ACTUAL_CONTROLLER}' AND {_held("c", "$as_of")}
        WHERE {_trigger(rule, "e", "o", params)} AND c.source_id <> e.subject_id
    )"""


def _big_data_warning(rule: ResolvedRule, params: dict[str, Any]) -> str:
    """W1 (LST-14): in-force focus entries in at least min_domains distinct domains."""
    rid = rule.id
    params["W1_min"] = rule.min_domains
    return f"""
    W1_domains AS (
        SELECT subject_id, domain, min(determined_on) AS first_from,
            max(coalesce(until, {_OPEN_END})) AS last_until,
            arg_min(entry_id, strftime(determined_on, '%Y-%m-%d') || entry_id) AS first_entry,
            string_agg(entry_id, ',' ORDER BY entry_id) AS entry_ids, max(flag) AS flag
        FROM inforce WHERE list_type = '{ListType.FOCUS}' GROUP BY subject_id, domain
    ),
    W1_ranked AS (
        SELECT *, row_number() OVER (PARTITION BY subject_id ORDER BY first_from, domain) AS k,
            count(*) OVER (PARTITION BY subject_id) AS n
        FROM W1_domains
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, w.subject_id, w.first_entry AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, NULL AS origin_id, 'big_data_warning' AS effect,
            w.first_from AS valid_from,
            (SELECT nullif(list_sort(list(d.last_until), 'DESC')[$W1_min], {_OPEN_END})
               FROM W1_domains d WHERE d.subject_id = w.subject_id) AS valid_until,
            NULL AS severity, '{ListType.FOCUS}' AS list_type, NULL AS domain, NULL AS department,
            NULL AS legal_basis, NULL AS via, NULL::DATE AS role_date,
            (SELECT string_agg(d.domain || ':' || d.entry_ids, ';' ORDER BY d.domain)
               FROM W1_domains d WHERE d.subject_id = w.subject_id) AS detail,
            (SELECT max(d.flag) FROM W1_domains d WHERE d.subject_id = w.subject_id) AS flags
        FROM W1_ranked w WHERE w.n >= $W1_min AND w.k = $W1_min
    )"""


def _focus_to_black(rule: ResolvedRule) -> str:
    """W2 (LST-15): a serious act within an in-force focus entry's validity → black-list candidate."""
    rid = rule.id
    return f"""
    {rid}_rows AS (
        SELECT '{rid}' AS rule, fo.subject_id, se.entry_id AS source_entry_id, NULL AS related_id,
            fo.entry_id AS related_entry_id, NULL AS origin_id, 'black_list_candidate' AS effect,
            se.determined_on AS valid_from, least(fo.until, se.until) AS valid_until, se.severity,
            se.list_type, se.domain, fo.department, se.legal_basis, NULL AS via,
            coalesce(se.act_date, se.determined_on) AS role_date, NULL AS detail,
            coalesce(se.flag, fo.flag) AS flags
        FROM inforce fo JOIN inforce se ON se.subject_id = fo.subject_id AND se.entry_id <> fo.entry_id
        WHERE fo.list_type = '{ListType.FOCUS}' AND se.severity = 'serious'
          AND coalesce(se.act_date, se.determined_on) BETWEEN fo.determined_on AND coalesce(fo.until, {_OPEN_END})
          -- already transferred: the focus entry's department has put the subject on its black list
          AND NOT EXISTS (SELECT 1 FROM inforce b WHERE b.subject_id = fo.subject_id
                          AND b.list_type = '{ListType.BLACK}' AND b.department IS NOT DISTINCT FROM fo.department)
    )"""


def _red_black_conflict(rule: ResolvedRule) -> str:
    """W3 (LST-07, LST-10): black entries remove earlier red entries from force and refuse later ones."""
    rid = rule.id
    return f"""
    {rid}_rows AS (
        SELECT '{rid}' AS rule, b.subject_id, b.entry_id AS source_entry_id, NULL AS related_id,
            rd.entry_id AS related_entry_id, NULL AS origin_id,
            CASE WHEN rd.determined_on <= b.determined_on THEN 'red_removed' ELSE 'red_refused' END AS effect,
            greatest(b.determined_on, rd.determined_on) AS valid_from, b.until AS valid_until, b.severity,
            b.list_type, b.domain, b.department, b.legal_basis, NULL AS via, NULL::DATE AS role_date,
            NULL AS detail, b.flag AS flags
        FROM inforce b JOIN inforce rd ON rd.subject_id = b.subject_id AND rd.list_type = '{ListType.RED}'
        WHERE b.list_type = '{ListType.BLACK}'
    )"""


def _post_exit_monitoring(rule: ResolvedRule, params: dict[str, Any]) -> str:
    """W4 (EXIT-02): a subject that exited a black list stays under key credit monitoring."""
    rid = rule.id
    params["W4_years"] = rule.monitoring_years
    exit_date = "coalesce(e.status_since, e.determined_on)"
    until = f"CASE WHEN $W4_years IS NULL THEN NULL ELSE CAST({exit_date} + to_years($W4_years) AS DATE) END"
    return f"""
    {rid}_rows AS (
        SELECT '{rid}' AS rule, e.subject_id, e.entry_id AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, NULL AS origin_id, 'post_exit_monitoring' AS effect,
            {exit_date} AS valid_from, {until} AS valid_until, e.severity, e.list_type, e.domain, e.department,
            e.legal_basis, NULL AS via, NULL::DATE AS role_date, NULL AS detail, NULL AS flags
        FROM e0 e
        WHERE e.list_type = '{ListType.BLACK}' AND e.eff_status = 'exited' AND e.determined_on <= $as_of
          AND {exit_date} <= $as_of AND ($W4_years IS NULL OR $as_of <= {until})
    )"""


def inforce_sql(context: EvaluationContext) -> tuple[str, dict[str, Any]]:
    """The entries in force on the as-of date under the profile's V1/V2 (the rules' own in-force test)."""
    sql = f"""WITH {_common_ctes()}
    SELECT entry_id, subject_id, list_type, domain, severity, department, determined_on, until AS valid_until,
           flag AS flags, scope, legal_basis
    FROM inforce ORDER BY subject_id, entry_id"""
    return sql, context.validity_parameters()


def rules_sql(context: EvaluationContext) -> tuple[str, dict[str, Any]]:
    """One query evaluating every enabled rule; returns the SQL and its parameters."""
    params: dict[str, Any] = context.validity_parameters()
    ctes: list[str] = [_common_ctes()]
    selects: list[str] = []
    for rule in context.rules:
        if rule.id in ("P1", "P3", "P4", "P7"):
            params[f"effect_{rule.id}"] = RULES[rule.id].effects[0]
            ctes.append(f"{rule.id}_rows AS ({_propagation(rule, context, params)})")
        elif rule.id == "P5":
            ctes.append(_appointment_ban(rule, params))
        elif rule.id == "P6":
            ctes.append(_public_institution_ban(rule, params))
        elif rule.id == "P8":
            ctes.append(_related_controllers(rule, params))
        elif rule.id == "W1":
            ctes.append(_big_data_warning(rule, params))
        elif rule.id == "W2":
            ctes.append(_focus_to_black(rule))
        elif rule.id == "W3":
            ctes.append(_red_black_conflict(rule))
        elif rule.id == "W4":
            ctes.append(_post_exit_monitoring(rule, params))
        else:  # pragma: no cover - the rule table and this dispatch are kept in step by tests
            raise ValueError(f"no embedded implementation for rule {rule.id}")
        selects.append(f"SELECT {_OUT} FROM {rule.id}_rows")
    if not selects:
        columns = ", ".join(f"NULL AS {f.name}" for f in RULE_OUTPUT_SCHEMA)
        return f"SELECT {columns} WHERE FALSE", params
    union = "\nUNION ALL\n".join(selects)
    sql = f"""WITH {",".join(ctes)},
    out AS ({union})
    SELECT out.*, sn.name AS subject_name, rn.name AS related_name, orn.name AS origin_name
    FROM out
    LEFT JOIN s sn ON sn.subject_id = out.subject_id
    LEFT JOIN s rn ON rn.subject_id = out.related_id
    LEFT JOIN s orn ON orn.subject_id = out.origin_id
    ORDER BY rule, subject_id, source_entry_id, related_id NULLS FIRST, related_entry_id NULLS FIRST, effect"""
    return sql, params
