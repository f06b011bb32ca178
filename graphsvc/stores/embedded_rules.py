"""SQL for the rules on the embedded store: one compiler per rule shape, fed by the resolved rule rows.

Only identifiers fixed in this module (and rule ids as prefixes of CTE and parameter names) are spliced into
the SQL text; every value (dates, role names, list types, effect codes, years) is a bound parameter. All rules
share the CTEs below:

- ``e0``: current entries with their effective severity (the profile's default where none is stated), their
  status on the as-of date and their validity end (V1);
- ``valid``: entries in force on the as-of date under the profile's objection policy (V1, V2);
- ``inforce``: ``valid`` without the red entries a black-class entry has removed from force (W3, LST-10);
- ``s``, ``r``, ``f``: current subjects, roles and responsibility findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphsvc.context import EvaluationContext, ResolvedRule
from graphsvc.profiles import RoleTiming
from graphsvc.rules.shapes import Shape
from graphsvc.stores.base import RULE_OUTPUT_SCHEMA
from graphsvc.vocab import EntryStatus, RoleType, Severity

_OPEN_END = "DATE '9999-12-31'"


def _held(alias: str, on: str) -> str:
    """A role edge held on a date: valid_from and valid_to are inclusive; a missing bound is open."""
    return (
        f"({alias}.valid_from IS NULL OR {alias}.valid_from <= {on}) "
        f"AND ({alias}.valid_to IS NULL OR {on} <= {alias}.valid_to)"
    )


def _shorthand(alias: str, on: str) -> tuple[str, str]:
    """The entry's own status / status_since on a date (a status takes effect on status_since; before it the
    entry was active since its determination): (status, since)."""
    taken = f"({alias}.status_since IS NULL OR {alias}.status_since <= {on})"
    return (
        f"CASE WHEN {taken} THEN {alias}.status ELSE 'active' END",
        f"CASE WHEN {taken} THEN coalesce({alias}.status_since, {alias}.determined_on) ELSE {alias}.determined_on END",
    )


def _status_on(alias: str, on: str) -> str:
    """An entry's status on a date: its latest status-history row on or before the date (statuses.csv), unless
    its own shorthand took effect later."""
    status, since = _shorthand(alias, on)
    latest = f"FROM st h WHERE h.entry_id = {alias}.entry_id AND h.since <= {on}"
    return (
        f"CASE WHEN (SELECT max(h.since) {latest}) >= {since} THEN (SELECT arg_max(h.status, h.since) {latest}) "
        f"ELSE {status} END"
    )


def _in_force_status(status: str) -> str:
    """V2: active, or objection pending where the profile lets measures continue (RGT-02..04)."""
    return f"({status} = 'active' OR ({status} = 'objection_pending' AND $objection_in_force))"


def _common_ctes() -> str:
    cur = "recorded_at <= $known_at AND (superseded_at IS NULL OR superseded_at > $known_at)"
    conflict_on = "greatest(b.determined_on, v.determined_on)"
    sh_status, sh_since = _shorthand("e", "$as_of")
    return f"""
s AS (SELECT subject_id, kind, name FROM subjects WHERE {cur}),
r AS (SELECT source_id, role, target_id, ratio, valid_from, valid_to FROM roles WHERE {cur}),
f AS (SELECT person_id, entry_id FROM findings WHERE {cur}),
st AS (SELECT entry_id, status, since FROM statuses WHERE {cur}),
st_on AS (
    SELECT entry_id, arg_max(status, since) AS status, max(since) AS since FROM st WHERE since <= $as_of
    GROUP BY entry_id
),
e00 AS (
    -- an entry that states no severity takes its list type's default under the profile (list_types.yaml)
    SELECT * REPLACE (coalesce(severity, $default_severities[list_position($default_types, list_type)])
                      AS severity)
    FROM entries WHERE {cur}
),
e0 AS (
    SELECT e.*,
        CASE WHEN h.since >= {sh_since} THEN h.status ELSE {sh_status} END AS eff_status,
        CASE WHEN h.since >= {sh_since} THEN h.since ELSE {sh_since} END AS eff_since,
        -- V1 (VAL-01): explicit valid_until, else the profile's default by severity from determined_on
        coalesce(e.valid_until, CASE WHEN $by_severity AND NOT list_contains($incentive_types, e.list_type)
            THEN CAST(e.determined_on + to_years(CASE e.severity WHEN 'serious' THEN $serious_years
                                        WHEN 'fairly_serious' THEN $fairly_serious_years
                                        ELSE $general_years END) AS DATE) END) AS until
    FROM e00 e LEFT JOIN st_on h ON h.entry_id = e.entry_id
),
valid AS (
    SELECT e0.*, CASE WHEN eff_status = 'objection_pending' AND $objection_flagged
                      THEN 'objection_pending' END AS flag
    FROM e0
    WHERE determined_on <= $as_of AND (until IS NULL OR $as_of <= until) AND {_in_force_status("eff_status")}
),
inforce AS (
    -- W3 (LST-10, 004 JI(六) 应将其从相关红名单中删除): a red entry leaves force from the later determination
    -- date of itself and a black-class entry in force on that date (a revoked black-class entry never counted)
    SELECT v.* FROM valid v
    WHERE NOT ($remove_conflicting_red AND list_contains($incentive_types, v.list_type) AND EXISTS (
        SELECT 1 FROM e0 b
        WHERE b.subject_id = v.subject_id AND list_contains($black_types, b.list_type) AND b.status <> 'revoked'
          AND NOT EXISTS (SELECT 1 FROM st r WHERE r.entry_id = b.entry_id AND r.status = 'revoked')
          AND {conflict_on} <= $as_of AND (b.until IS NULL OR {conflict_on} <= b.until)
          AND {_in_force_status(_status_on("b", conflict_on))}))
)"""


def _trigger(rule: ResolvedRule, entry: str, subject: str, params: dict[str, Any]) -> str:
    assert rule.trigger is not None
    rid = rule.id
    params[f"{rid}_kinds"] = list(rule.trigger.subject_kinds)
    params[f"{rid}_list_types"] = list(rule.trigger.list_types)
    parts = [f"list_contains(${rid}_kinds, {subject}.kind)", f"list_contains(${rid}_list_types, {entry}.list_type)"]
    if rule.trigger.severity is not None:
        params[f"{rid}_severity"] = rule.trigger.severity
        parts.append(f"{entry}.severity = ${rid}_severity")
    return " AND ".join(parts)


def _effects(rule: ResolvedRule, params: dict[str, Any]) -> None:
    for output, code in rule.effects.items():
        params[f"{rule.id}_effect_{output}"] = code


def _role_date(context: EvaluationContext, entry: str) -> str:
    if context.role_timing is RoleTiming.DETERMINED_ON:
        return f"{entry}.determined_on"
    return f"coalesce({entry}.act_date, {entry}.determined_on)"


_OUT = (
    "rule, subject_id, source_entry_id, related_id, related_entry_id, origin_id, effect, valid_from, valid_until, "
    "severity, list_type, domain, department, legal_basis, via, role_date, detail, flags"
)
_ENTRY = "e.severity, e.list_type, e.domain, e.department, e.legal_basis"


def _propagation(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """Organisation → person, one hop: role holders on the role date, holders with a finding, or a finding."""
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
    {rid}_rows AS (
    SELECT '{rid}' AS rule, x.person AS subject_id, e.entry_id AS source_entry_id, e.subject_id AS related_id,
        NULL AS related_entry_id, e.subject_id AS origin_id, ${rid}_effect_record AS effect,
        e.determined_on AS valid_from, e.until AS valid_until, {_ENTRY},
        string_agg(DISTINCT x.via, '+' ORDER BY x.via) AS via, any_value(x.role_date) AS role_date,
        NULL AS detail, e.flag AS flags
    FROM ({holders}) x JOIN inforce e ON e.entry_id = x.entry_id
    GROUP BY ALL)"""


def _appointments(rule: ResolvedRule, params: dict[str, Any]) -> str:
    """The banned appointments held on the as-of date (the shape's appointment roles and kinds)."""
    rid = rule.id
    params[f"{rid}_appt_roles"] = list(rule.appointment_roles)
    params[f"{rid}_appt_kinds"] = list(rule.appointment_kinds)
    return f"""
    {rid}_appointments AS (
        SELECT a.source_id, a.target_id, min(a.valid_from) AS valid_from,
            CASE WHEN bool_or(a.valid_to IS NULL) THEN NULL ELSE max(a.valid_to) END AS valid_to,
            string_agg(DISTINCT a.role, '+' ORDER BY a.role) AS roles
        FROM r a JOIN s t ON t.subject_id = a.target_id AND list_contains(${rid}_appt_kinds, t.kind)
        WHERE list_contains(${rid}_appt_roles, a.role) AND {_held("a", "$as_of")}
        GROUP BY a.source_id, a.target_id
    )"""


def _appointment_ban(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """PROP-05: the listed enterprise's leaders on the determination date may not lead other organisations."""
    rid = rule.id
    assert rule.reach is not None and rule.ban_years is not None
    params[f"{rid}_roles"] = list(rule.reach.roles)
    params[f"{rid}_years"] = rule.ban_years
    ban_end = f"CAST(e.determined_on + to_years(${rid}_years) AS DATE)"
    return f"""
    {rid}_ban AS (
        SELECT e.entry_id, e.subject_id AS origin_id, h.source_id AS person,
            string_agg(DISTINCT h.role, '+' ORDER BY h.role) AS via, e.determined_on AS valid_from,
            least(e.until, {ban_end}) AS valid_until, {_ENTRY}, e.flag
        FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        JOIN r h ON h.target_id = e.subject_id AND list_contains(${rid}_roles, h.role)
            AND {_held("h", "e.determined_on")}
        WHERE {_trigger(rule, "e", "o", params)} AND $as_of <= {ban_end}
        GROUP BY ALL
    ),
    {_appointments(rule, params)},
    {rid}_rows AS (
        SELECT '{rid}' AS rule, b.person AS subject_id, b.entry_id AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, b.origin_id, ${rid}_effect_ban AS effect, b.valid_from, b.valid_until,
            b.severity, b.list_type, b.domain, b.department, b.legal_basis, b.via, b.valid_from AS role_date,
            NULL AS detail, b.flag AS flags
        FROM {rid}_ban b
        UNION ALL
        SELECT '{rid}', b.person, b.entry_id, a.target_id, NULL, b.origin_id, ${rid}_effect_violation,
            greatest(b.valid_from, a.valid_from), least(b.valid_until, a.valid_to),
            b.severity, b.list_type, b.domain, b.department, b.legal_basis, b.via, a.valid_from, a.roles, b.flag
        FROM {rid}_ban b
        JOIN {rid}_appointments a ON a.source_id = b.person AND a.target_id <> b.origin_id
    )"""


def _person_ban(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """PROP-06: the listed person may not hold some appointments; those held on the as-of date are violations."""
    rid = rule.id
    params[f"{rid}_appt_roles"] = list(rule.appointment_roles)
    params[f"{rid}_appt_kinds"] = list(rule.appointment_kinds)
    return f"""
    {rid}_ban AS (
        SELECT e.* FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        WHERE {_trigger(rule, "e", "o", params)}
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, e.subject_id, e.entry_id AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, NULL AS origin_id, ${rid}_effect_ban AS effect,
            e.determined_on AS valid_from, e.until AS valid_until, {_ENTRY}, NULL AS via, NULL::DATE AS role_date,
            NULL AS detail, e.flag AS flags
        FROM {rid}_ban e
        UNION ALL
        SELECT '{rid}', e.subject_id, e.entry_id, a.target_id, NULL, NULL, ${rid}_effect_violation,
            greatest(e.determined_on, a.valid_from), least(e.until, a.valid_to), {_ENTRY}, a.role, a.valid_from,
            NULL, e.flag
        FROM {rid}_ban e
        JOIN r a ON a.source_id = e.subject_id AND list_contains(${rid}_appt_roles, a.role) AND {_held("a", "$as_of")}
        JOIN s t ON t.subject_id = a.target_id AND list_contains(${rid}_appt_kinds, t.kind)
    )"""


def _controllers(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """PROP-08 (003 三(二) 对严重失信主体（包括关联企业实际控制人）): actual controllers of the listed organisation
    itself (related_id = the organisation) and of the enterprises asserted as related to it."""
    rid = rule.id
    params[f"{rid}_controller"] = RoleType.ACTUAL_CONTROLLER.value
    params[f"{rid}_relation"] = RoleType.RELATED_ENTERPRISE.value
    params[f"{rid}_own"] = rule.own_controllers
    params[f"{rid}_related"] = rule.related_controllers
    params[f"{rid}_related_kinds"] = list(rule.related_kinds)
    trigger = _trigger(rule, "e", "o", params)
    return f"""
    {rid}_rows AS (
        SELECT '{rid}' AS rule, c.source_id AS subject_id, e.entry_id AS source_entry_id, e.subject_id AS related_id,
            NULL AS related_entry_id, e.subject_id AS origin_id, ${rid}_effect_record AS effect,
            greatest(e.determined_on, c.valid_from) AS valid_from, least(e.until, c.valid_to) AS valid_until,
            {_ENTRY}, c.role AS via, NULL::DATE AS role_date, NULL AS detail, e.flag AS flags
        FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        JOIN r c ON c.target_id = e.subject_id AND c.role = ${rid}_controller AND {_held("c", "$as_of")}
        WHERE ${rid}_own AND {trigger}
        UNION ALL
        SELECT '{rid}', c.source_id, e.entry_id, rel.other, NULL, e.subject_id, ${rid}_effect_record,
            greatest(e.determined_on, rel.valid_from, c.valid_from), least(e.until, rel.valid_to, c.valid_to),
            {_ENTRY}, rel.role || '+' || c.role, NULL::DATE, NULL, e.flag
        FROM inforce e JOIN s o ON o.subject_id = e.subject_id
        JOIN (SELECT source_id AS one, target_id AS other, role, valid_from, valid_to
                  FROM r WHERE role = ${rid}_relation
              UNION ALL
              SELECT target_id, source_id, role, valid_from, valid_to FROM r WHERE role = ${rid}_relation) rel
            ON rel.one = e.subject_id AND rel.other <> e.subject_id AND {_held("rel", "$as_of")}
        JOIN s y ON y.subject_id = rel.other AND list_contains(${rid}_related_kinds, y.kind)
        JOIN r c ON c.target_id = rel.other AND c.role = ${rid}_controller AND {_held("c", "$as_of")}
        WHERE ${rid}_related AND {trigger} AND c.source_id <> e.subject_id
    )"""


def _domain_count(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """LST-14: in-force entries of the counted lists in at least min_domains distinct key domains."""
    rid = rule.id
    params[f"{rid}_min"] = rule.min_domains
    params[f"{rid}_types"] = list(rule.counted_list_types)
    params[f"{rid}_domains"] = [d for d, _ in context.key_domains]
    params[f"{rid}_keys"] = [k for _, k in context.key_domains]
    return f"""
    {rid}_domains AS (
        SELECT subject_id, key, min(determined_on) AS first_from, max(coalesce(until, {_OPEN_END})) AS last_until,
            arg_min(entry_id, strftime(determined_on, '%Y-%m-%d') || entry_id) AS first_entry,
            string_agg(entry_id, ',' ORDER BY entry_id) AS entry_ids, max(flag) AS flag, min(list_type) AS list_type
        FROM (SELECT *, ${rid}_keys[list_position(${rid}_domains, domain)] AS key FROM inforce
              WHERE list_contains(${rid}_types, list_type))
        WHERE key IS NOT NULL GROUP BY subject_id, key
    ),
    {rid}_ranked AS (
        SELECT *, row_number() OVER (PARTITION BY subject_id ORDER BY first_from, key) AS k,
            count(*) OVER (PARTITION BY subject_id) AS n
        FROM {rid}_domains
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, w.subject_id, w.first_entry AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, NULL AS origin_id, ${rid}_effect_warning AS effect,
            w.first_from AS valid_from,
            (SELECT nullif(list_sort(list(d.last_until), 'DESC')[${rid}_min], {_OPEN_END})
               FROM {rid}_domains d WHERE d.subject_id = w.subject_id) AS valid_until,
            NULL AS severity, w.list_type, NULL AS domain, NULL AS department,
            NULL AS legal_basis, NULL AS via, NULL::DATE AS role_date,
            (SELECT string_agg(d.key || ':' || d.entry_ids, ';' ORDER BY d.key)
               FROM {rid}_domains d WHERE d.subject_id = w.subject_id) AS detail,
            (SELECT max(d.flag) FROM {rid}_domains d WHERE d.subject_id = w.subject_id) AS flags
        FROM {rid}_ranked w WHERE w.n >= ${rid}_min AND w.k = ${rid}_min
    )"""


def _focus_to_black(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """LST-15: a serious act within an in-force focus entry's validity → black-list candidate."""
    rid = rule.id
    params[f"{rid}_types"] = list(rule.counted_list_types)
    params[f"{rid}_serious"] = Severity.SERIOUS.value
    return f"""
    {rid}_rows AS (
        SELECT '{rid}' AS rule, fo.subject_id, se.entry_id AS source_entry_id, NULL AS related_id,
            fo.entry_id AS related_entry_id, NULL AS origin_id, ${rid}_effect_warning AS effect,
            se.determined_on AS valid_from, least(fo.until, se.until) AS valid_until, se.severity,
            se.list_type, se.domain, fo.department, se.legal_basis, NULL AS via,
            coalesce(se.act_date, se.determined_on) AS role_date, NULL AS detail,
            coalesce(se.flag, fo.flag) AS flags
        FROM inforce fo JOIN inforce se ON se.subject_id = fo.subject_id AND se.entry_id <> fo.entry_id
        WHERE list_contains(${rid}_types, fo.list_type) AND se.severity = ${rid}_serious
          AND coalesce(se.act_date, se.determined_on) BETWEEN fo.determined_on AND coalesce(fo.until, {_OPEN_END})
          -- already transferred: the focus entry's department has put the subject on a black-class list
          AND NOT EXISTS (SELECT 1 FROM inforce b WHERE b.subject_id = fo.subject_id
                          AND list_contains($black_types, b.list_type)
                          AND b.department IS NOT DISTINCT FROM fo.department)
    )"""


def _red_black_conflict(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """LST-07, LST-10: black-class entries remove earlier red entries from force and refuse later ones."""
    rid = rule.id
    return f"""
    {rid}_rows AS (
        SELECT '{rid}' AS rule, b.subject_id, b.entry_id AS source_entry_id, NULL AS related_id,
            rd.entry_id AS related_entry_id, NULL AS origin_id,
            CASE WHEN rd.determined_on <= b.determined_on THEN ${rid}_effect_removed ELSE ${rid}_effect_refused END
                AS effect,
            greatest(b.determined_on, rd.determined_on) AS valid_from, b.until AS valid_until, b.severity,
            b.list_type, b.domain, b.department, b.legal_basis, NULL AS via, NULL::DATE AS role_date,
            NULL AS detail, b.flag AS flags
        FROM inforce b JOIN valid rd ON rd.subject_id = b.subject_id AND list_contains($incentive_types, rd.list_type)
        WHERE list_contains($black_types, b.list_type)
    )"""


def _post_exit(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """EXIT-02 (004 JI(十七)): a subject whose black-class entry left force by exit, repair or expiry stays under
    key credit monitoring from the day after the entry was last in force."""
    rid = rule.id
    params[f"{rid}_years"] = rule.monitoring_years
    params[f"{rid}_leaving"] = [EntryStatus.EXITED.value, EntryStatus.REPAIRED.value, EntryStatus.EXPIRED.value]
    by_status = f"CASE WHEN list_contains(${rid}_leaving, e.eff_status) THEN e.eff_since END"
    by_expiry = "CAST(e.until + INTERVAL 1 DAY AS DATE)"
    return f"""
    {rid}_left AS (
        SELECT e.*, least({by_status}, {by_expiry}) AS left_on FROM e0 e
        WHERE list_contains($black_types, e.list_type) AND e.eff_status <> 'revoked' AND e.determined_on <= $as_of
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, e.subject_id, e.entry_id AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, NULL AS origin_id, ${rid}_effect_warning AS effect,
            e.left_on AS valid_from,
            CASE WHEN ${rid}_years IS NULL THEN NULL ELSE CAST(e.left_on + to_years(${rid}_years) AS DATE) END
                AS valid_until,
            {_ENTRY}, NULL AS via, NULL::DATE AS role_date, NULL AS detail, NULL AS flags
        FROM {rid}_left e
        WHERE e.left_on <= $as_of
          AND (${rid}_years IS NULL OR $as_of <= CAST(e.left_on + to_years(${rid}_years) AS DATE))
    )"""


Compiler = Callable[[ResolvedRule, EvaluationContext, dict[str, Any]], str]
COMPILERS: Mapping[Shape, Compiler] = {
    Shape.PROPAGATION: _propagation,
    Shape.APPOINTMENT_BAN: _appointment_ban,
    Shape.PERSON_BAN: _person_ban,
    Shape.CONTROLLERS: _controllers,
    Shape.DOMAIN_COUNT: _domain_count,
    Shape.FOCUS_TO_BLACK: _focus_to_black,
    Shape.RED_BLACK_CONFLICT: _red_black_conflict,
    Shape.POST_EXIT: _post_exit,
}


def inforce_sql(context: EvaluationContext) -> tuple[str, dict[str, Any]]:
    """The entries in force on the as-of date under the profile's V1/V2 (the rules' own in-force test)."""
    sql = f"""WITH {_common_ctes()}
    SELECT entry_id, subject_id, list_type, domain, severity, department, determined_on, until AS valid_until,
           flag AS flags, scope, legal_basis, eff_status AS status
    FROM inforce ORDER BY subject_id, entry_id"""
    return sql, context.validity_parameters()


def rules_sql(context: EvaluationContext) -> tuple[str, dict[str, Any]]:
    """One query evaluating every enabled rule; returns the SQL and its parameters."""
    params: dict[str, Any] = context.validity_parameters()
    ctes: list[str] = [_common_ctes()]
    selects: list[str] = []
    for rule in context.rules:
        _effects(rule, params)
        ctes.append(COMPILERS[rule.shape](rule, context, params))
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
