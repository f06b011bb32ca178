"""SQL for the rules on the embedded store: one compiler per rule shape, fed by the resolved rule rows.

Only identifiers fixed in this module (and rule ids as prefixes of CTE and parameter names) are spliced into
the SQL text; every value (dates, role names, list types, effect codes, years) is a bound parameter.

An evaluation (:func:`run_rules`) is one statement (:func:`evaluation_sql`) for all the enabled rules: DuckDB
plans it once, reads each large table at most once for every rule, and hands nothing back to Python between
steps. Its steps, each a CTE:

1. **the entries on the as-of date** (:func:`entries_sql`, ``ev``): every current entry determined by the as-of
   date with its effective severity (the profile's default where none is stated), its status on the as-of date
   and its validity end (V1), whether it is valid (V1, V2) and in force (valid, and not a red entry a
   black-class entry has removed from force: W3, LST-10, compiled only when a red/black-conflict rule is on);
2. **the listed subjects** (``listed``): the subjects of in-force entries that some enabled one-hop rule's trigger
   can pick by list type and severity (their kinds are not read yet);
3. **the roles at the listed subjects** (``rl``): the current roles of the kinds the enabled shapes read
   (``_LISTED_ROLES``) whose target (or, for some shapes, source) is a listed subject: one scan of the roles;
4. **the kinds the triggers test** (``near``): of the listed subjects, of the kinds some one-hop trigger can
   pick, and, for the shapes that test their roles' other ends (``_KINDS_AT_ENDS``), of both ends of those roles:
   one scan of the subjects;
5. **each rule's rows**, compiled by its shape over ``inforce``, ``valid``, ``e0`` (the entries with their
   subject's kind), ``rl``, ``ks`` (the kinds of ``near``) and, for what lies beyond one hop (a banned person's
   other appointments, a related enterprise's controllers), the current subjects, roles and findings themselves
   (``s``, ``r``, ``f``: filters inlined into each scan); all rules' rows in one union, by rule, subject, entry,
   with the keys of the ids they name;
6. **the names**, after the statement: by those keys from the current subjects' names kept per batch
   (:mod:`graphsvc.stores.subject_names`, made when a batch is evaluated a second time), so a repeated
   evaluation reads no subject id for them; the first evaluation of a batch, an evaluation as known at an
   earlier time, and any id the keys do not find look them up in the subjects, in one statement
   (:func:`_with_names`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.context import EvaluationContext, ResolvedRule
from graphsvc.profiles import RoleTiming
from graphsvc.rules.shapes import Shape
from graphsvc.stores.base import RULE_OUTPUT_SCHEMA
from graphsvc.stores.duck import fetch_arrow, fetch_arrow_planned_once
from graphsvc.stores.subject_names import SubjectNames, id_key
from graphsvc.vocab import EntryStatus, RoleType, Severity

_OPEN_END = "DATE '9999-12-31'"
_WANTED = "rule_names_wanted"  # the ids whose names the rule rows still need
# The ids a rule row names: column, its key (subject_names.id_key), its name.
_NAMED = (
    ("subject_id", "subject_key", "subject_name"),
    ("related_id", "related_key", "related_name"),
    ("origin_id", "origin_key", "origin_name"),
)
_ORDER = "subject_id, source_entry_id, related_id NULLS FIRST, related_entry_id NULLS FIRST, effect"
# The columns of ``rule_entries`` the rule queries read (and ``inforce_sql`` returns), besides in_force and kind.
_ENTRY_COLUMNS = (
    "entry_id",
    "subject_id",
    "list_type",
    "domain",
    "severity",
    "department",
    "act_date",
    "determined_on",
    "scope",
    "legal_basis",
    "eff_status",
    "eff_since",
    "until",
    "flag",
    "is_valid",
)
_CURRENT = "recorded_at <= $known_at AND (superseded_at IS NULL OR superseded_at > $known_at)"


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


def _facts() -> str:
    """The current subjects, roles and findings: inlined into every scan, so each filter reaches the table."""
    return f"""
s AS NOT MATERIALIZED (SELECT subject_id, kind, name FROM subjects WHERE {_CURRENT}),
r AS NOT MATERIALIZED (SELECT source_id, role, target_id, ratio, valid_from, valid_to FROM roles WHERE {_CURRENT}),
f AS NOT MATERIALIZED (SELECT person_id, entry_id FROM findings WHERE {_CURRENT}),
st AS NOT MATERIALIZED (SELECT entry_id, status, since FROM statuses WHERE {_CURRENT})"""


def entries_sql(context: EvaluationContext, *, facts: bool = True) -> str:
    """Every current entry determined by the as-of date: effective severity, ``eff_status``/``eff_since``,
    ``until`` (V1), ``flag``, ``is_valid`` (V1, V2) and ``in_force`` (also W3's removal of red entries). Without
    ``facts``, for a statement that declares the current facts (:func:`_facts`) itself."""
    sh_status, sh_since = _shorthand("e", "$as_of")
    conflict_on = "greatest(b.determined_on, v.determined_on)"
    removed = "FALSE"
    if context.remove_conflicting_red:
        # W3 (LST-10, 004 JI(六) 应将其从相关红名单中删除): a red entry leaves force from the later determination
        # date of itself and a black-class entry in force on that date (a revoked black-class entry never counted)
        removed = f"""(list_contains($incentive_types, v.list_type) AND EXISTS (
        SELECT 1 FROM e0 b
        WHERE b.subject_id = v.subject_id AND list_contains($black_types, b.list_type) AND b.status <> 'revoked'
          AND NOT EXISTS (SELECT 1 FROM st r WHERE r.entry_id = b.entry_id AND r.status = 'revoked')
          AND {conflict_on} <= $as_of AND (b.until IS NULL OR {conflict_on} <= b.until)
          AND {_in_force_status(_status_on("b", conflict_on))}))"""
    return f"""WITH {_facts() + "," if facts else ""}
st_on AS (
    SELECT entry_id, arg_max(status, since) AS status, max(since) AS since FROM st WHERE since <= $as_of
    GROUP BY entry_id
),
e00 AS (
    -- an entry that states no severity takes its list type's default under the profile (list_types.yaml)
    SELECT * EXCLUDE (batch_id, recorded_at, superseded_at)
        REPLACE (coalesce(severity, $default_severities[list_position($default_types, list_type)]) AS severity)
    FROM entries WHERE {_CURRENT} AND determined_on <= $as_of
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
checked AS (
    SELECT e0.*,
        CASE WHEN eff_status = 'objection_pending' AND $objection_flagged THEN 'objection_pending' END AS flag,
        coalesce(determined_on <= $as_of AND (until IS NULL OR $as_of <= until)
                 AND {_in_force_status("eff_status")}, FALSE) AS is_valid
    FROM e0
)
SELECT {", ".join("v." + c for c in _ENTRY_COLUMNS)}, v.is_valid AND NOT coalesce({removed}, FALSE) AS in_force
FROM checked v"""


def _listed(rule: ResolvedRule, entry: str, params: dict[str, Any]) -> str:
    """The rule's trigger on an entry without its subject's kind: list types and severity (what the entries
    alone tell, before any subject is read)."""
    assert rule.trigger is not None
    rid = rule.id
    params[f"{rid}_list_types"] = list(rule.trigger.list_types)
    parts = [f"list_contains(${rid}_list_types, {entry}.list_type)"]
    if rule.trigger.severity is not None:
        params[f"{rid}_severity"] = rule.trigger.severity
        parts.append(f"{entry}.severity = ${rid}_severity")
    return " AND ".join(parts)


def _trigger(rule: ResolvedRule, entry: str, params: dict[str, Any]) -> str:
    """The rule's trigger on an entry of ``inforce`` (which carries its subject's kind)."""
    assert rule.trigger is not None
    params[f"{rule.id}_kinds"] = list(rule.trigger.subject_kinds)
    return f"list_contains(${rule.id}_kinds, {entry}.kind) AND {_listed(rule, entry, params)}"


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
    params[f"{rid}_any_roles"] = [*reach.roles, *reach.roles_with_finding]
    holders = f"""
        SELECT t.entry_id, h.source_id AS person, h.role AS via
        FROM {rid}_listed t
        JOIN rl h ON h.target_id = t.subject_id AND list_contains(${rid}_any_roles, h.role)
            AND {_held("h", "t.role_date")}"""
    if reach.roles_with_finding:
        holders += f"""
        LEFT JOIN f ON f.entry_id = t.entry_id AND f.person_id = h.source_id
        WHERE list_contains(${rid}_roles, h.role) OR f.person_id IS NOT NULL"""
    if reach.finding_alone:
        holders += f"""
        UNION ALL
        SELECT t.entry_id, f.person_id AS person, 'responsibility_finding' AS via
        FROM {rid}_listed t JOIN f ON f.entry_id = t.entry_id"""
    return f"""
    {rid}_listed AS (
        SELECT e.*, {_role_date(context, "e")} AS role_date FROM inforce e WHERE {_trigger(rule, "e", params)}
    ),
    {rid}_reached AS (
        SELECT entry_id, person, string_agg(DISTINCT via, '+' ORDER BY via) AS via
        FROM ({holders}) GROUP BY entry_id, person
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, x.person AS subject_id, e.entry_id AS source_entry_id, e.subject_id AS related_id,
            NULL AS related_entry_id, e.subject_id AS origin_id, ${rid}_effect_record AS effect,
            e.determined_on AS valid_from, e.until AS valid_until, {_ENTRY}, x.via, e.role_date,
            NULL AS detail, e.flag AS flags
        FROM {rid}_reached x JOIN {rid}_listed e ON e.entry_id = x.entry_id
    )"""


def _appointments(rule: ResolvedRule, banned: str, params: dict[str, Any]) -> str:
    """The banned persons' appointments held on the as-of date (the shape's appointment roles and kinds): their
    roles first, then the kinds of the few organisations they point at (``{rid}_targets``)."""
    rid = rule.id
    params[f"{rid}_appt_roles"] = list(rule.appointment_roles)
    params[f"{rid}_appt_kinds"] = list(rule.appointment_kinds)
    return f"""
    {rid}_held AS MATERIALIZED (
        SELECT a.source_id, a.target_id, a.role, a.valid_from, a.valid_to FROM r a
        WHERE list_contains(${rid}_appt_roles, a.role) AND {_held("a", "$as_of")}
          AND a.source_id IN (SELECT person FROM {banned})
    ),
    {rid}_targets AS MATERIALIZED (
        SELECT subject_id FROM s
        WHERE list_contains(${rid}_appt_kinds, kind) AND subject_id IN (SELECT target_id FROM {rid}_held)
    ),
    {rid}_appointments AS (
        SELECT a.source_id, a.target_id, min(a.valid_from) AS valid_from,
            CASE WHEN bool_or(a.valid_to IS NULL) THEN NULL ELSE max(a.valid_to) END AS valid_to,
            string_agg(DISTINCT a.role, '+' ORDER BY a.role) AS roles
        FROM {rid}_held a
        WHERE a.target_id IN (SELECT subject_id FROM {rid}_targets)
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
    {rid}_listed AS (
        SELECT e.*, least(e.until, {ban_end}) AS ban_until FROM inforce e
        WHERE {_trigger(rule, "e", params)} AND $as_of <= {ban_end}
    ),
    {rid}_ban AS (
        SELECT e.entry_id, e.subject_id AS origin_id, h.person, h.via, e.determined_on AS valid_from,
            e.ban_until AS valid_until, {_ENTRY}, e.flag
        FROM (SELECT t.entry_id, h.source_id AS person, string_agg(DISTINCT h.role, '+' ORDER BY h.role) AS via
              FROM {rid}_listed t
              JOIN rl h ON h.target_id = t.subject_id AND list_contains(${rid}_roles, h.role)
                  AND {_held("h", "t.determined_on")}
              GROUP BY t.entry_id, h.source_id) h
        JOIN {rid}_listed e ON e.entry_id = h.entry_id
    ),
    {_appointments(rule, f"{rid}_ban", params)},
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
        SELECT e.* FROM inforce e WHERE {_trigger(rule, "e", params)}
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
        JOIN rl a ON a.source_id = e.subject_id AND list_contains(${rid}_appt_roles, a.role) AND {_held("a", "$as_of")}
        JOIN ks t ON t.subject_id = a.target_id AND list_contains(${rid}_appt_kinds, t.kind)
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
    return f"""
    {rid}_listed AS (SELECT e.* FROM inforce e WHERE {_trigger(rule, "e", params)}),
    {rid}_held AS (
        SELECT source_id, role, target_id, valid_from, valid_to FROM rl
        WHERE (role = ${rid}_controller OR role = ${rid}_relation) AND {_held("rl", "$as_of")}
    ),
    {rid}_related AS (
        SELECT rel.* FROM (SELECT source_id AS one, target_id AS other, role, valid_from, valid_to
                               FROM {rid}_held WHERE role = ${rid}_relation
                           UNION ALL
                           SELECT target_id, source_id, role, valid_from, valid_to FROM {rid}_held
                           WHERE role = ${rid}_relation) rel
        JOIN ks y ON y.subject_id = rel.other AND list_contains(${rid}_related_kinds, y.kind)
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, c.source_id AS subject_id, e.entry_id AS source_entry_id, e.subject_id AS related_id,
            NULL AS related_entry_id, e.subject_id AS origin_id, ${rid}_effect_record AS effect,
            greatest(e.determined_on, c.valid_from) AS valid_from, least(e.until, c.valid_to) AS valid_until,
            {_ENTRY}, c.role AS via, NULL::DATE AS role_date, NULL AS detail, e.flag AS flags
        FROM {rid}_listed e
        JOIN {rid}_held c ON c.target_id = e.subject_id AND c.role = ${rid}_controller
        WHERE ${rid}_own
        UNION ALL
        SELECT '{rid}', c.source_id, e.entry_id, rel.other, NULL, e.subject_id, ${rid}_effect_record,
            greatest(e.determined_on, rel.valid_from, c.valid_from), least(e.until, rel.valid_to, c.valid_to),
            {_ENTRY}, rel.role || '+' || c.role, NULL::DATE, NULL, e.flag
        FROM {rid}_listed e
        JOIN {rid}_related rel ON rel.one = e.subject_id AND rel.other <> e.subject_id
        JOIN r c ON c.target_id = rel.other AND c.role = ${rid}_controller AND {_held("c", "$as_of")}
        WHERE ${rid}_related AND c.source_id <> e.subject_id
    )"""


def _domain_count(rule: ResolvedRule, context: EvaluationContext, params: dict[str, Any]) -> str:
    """LST-14: in-force entries of the counted lists in at least min_domains distinct key domains. valid_from is
    the day the min_domains-th domain appeared (its first entry is the source), valid_until the day fewer would
    remain (the min_domains-th latest end)."""
    rid = rule.id
    params[f"{rid}_min"] = rule.min_domains
    params[f"{rid}_types"] = list(rule.counted_list_types)
    params[f"{rid}_domains"] = [d for d, _ in context.key_domains]
    params[f"{rid}_keys"] = [k for _, k in context.key_domains]
    return f"""
    {rid}_domains AS (
        SELECT subject_id, key, min(determined_on) AS first_from, max(coalesce(until, {_OPEN_END})) AS last_until,
            arg_min(entry_id, (determined_on, entry_id)) AS first_entry,
            string_agg(entry_id, ',' ORDER BY entry_id) AS entry_ids, max(flag) AS flag, min(list_type) AS list_type
        FROM (SELECT *, ${rid}_keys[list_position(${rid}_domains, domain)] AS key FROM inforce
              WHERE list_contains(${rid}_types, list_type))
        WHERE key IS NOT NULL GROUP BY subject_id, key
    ),
    {rid}_subjects AS (
        SELECT subject_id,
            list(struct_pack(first_from, first_entry, list_type) ORDER BY first_from, key)[${rid}_min] AS kth,
            nullif(list(last_until ORDER BY last_until DESC)[${rid}_min], {_OPEN_END}) AS valid_until,
            string_agg(key || ':' || entry_ids, ';' ORDER BY key) AS detail, max(flag) AS flags
        FROM {rid}_domains GROUP BY subject_id HAVING count(*) >= ${rid}_min
    ),
    {rid}_rows AS (
        SELECT '{rid}' AS rule, w.subject_id, w.kth.first_entry AS source_entry_id, NULL AS related_id,
            NULL AS related_entry_id, NULL AS origin_id, ${rid}_effect_warning AS effect,
            w.kth.first_from AS valid_from, w.valid_until, NULL AS severity, w.kth.list_type AS list_type,
            NULL AS domain, NULL AS department, NULL AS legal_basis, NULL AS via, NULL::DATE AS role_date,
            w.detail, w.flags
        FROM {rid}_subjects w
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


def _bound(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters the statement names (DuckDB refuses any others)."""
    named = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    return {k: v for k, v in params.items() if k in named}


def inforce_sql(context: EvaluationContext) -> tuple[str, dict[str, Any]]:
    """The entries in force on the as-of date under the profile's V1/V2 (the rules' own in-force test)."""
    sql = f"""WITH ev AS ({entries_sql(context)})
    SELECT entry_id, subject_id, list_type, domain, severity, department, determined_on, until AS valid_until,
           flag AS flags, scope, legal_basis, eff_status AS status
    FROM ev WHERE in_force ORDER BY subject_id, entry_id"""
    return sql, _bound(sql, {"known_at": None, **context.validity_parameters()})


# The roles each shape reads at the listed subjects (the subjects of in-force entries): which roles, and whether
# at the source end too (the target end always). ``rl`` holds them, read once for all rules.
_LISTED_ROLES: Mapping[Shape, Callable[[ResolvedRule], tuple[tuple[str, ...], bool]]] = {
    Shape.PROPAGATION: lambda rule: ((*rule.reach.roles, *rule.reach.roles_with_finding) if rule.reach else (), False),
    Shape.APPOINTMENT_BAN: lambda rule: (rule.reach.roles if rule.reach else (), False),
    Shape.PERSON_BAN: lambda rule: (rule.appointment_roles, True),
    Shape.CONTROLLERS: lambda rule: ((RoleType.ACTUAL_CONTROLLER.value, RoleType.RELATED_ENTERPRISE.value), True),
}


# The shapes that read the kinds of their roles' other ends (``ks``), not only of the listed subjects.
_KINDS_AT_ENDS = frozenset({Shape.PERSON_BAN, Shape.CONTROLLERS})
_SQL_TYPE = {pa.string(): "VARCHAR", pa.date32(): "DATE"}
_STEP = ",\n    "


def evaluation_sql(context: EvaluationContext) -> tuple[str, dict[str, Any]]:
    """One statement for all the context's rules: the entries on the as-of date, the roles at the subjects the
    triggers can reach, the kinds of the subjects within one hop, each rule's rows with the keys of the ids they
    name (``subject_key``, ``related_key``, ``origin_key``: :mod:`graphsvc.stores.subject_names`), by rule,
    subject, entry. Returns the SQL and its parameters (``known_at`` still to set)."""
    params: dict[str, Any] = {"known_at": None, **context.validity_parameters()}
    rules = sorted(context.rules, key=lambda r: r.id)
    bodies = []
    for rule in rules:
        _effects(rule, params)
        bodies.append(COMPILERS[rule.shape](rule, context, params))
    # The roles the rules read at their listed subjects (the subjects of in-force entries their triggers can
    # pick by list type and severity, the kind being unknown until the subjects are read), and whether at the
    # source end too.
    one_hop = [rule for rule in rules if rule.shape in _LISTED_ROLES]
    roles: dict[str, None] = {}
    source_end = False
    for rule in one_hop:
        wanted, at_source = _LISTED_ROLES[rule.shape](rule)
        roles.update(dict.fromkeys(wanted))
        source_end = source_end or at_source
    params["listed_roles"] = list(roles)
    steps = [f"ev AS MATERIALIZED ({entries_sql(context, facts=False)})"]
    out = ",\n        ".join(
        f"CAST({f.name} AS {_SQL_TYPE[f.type]}) AS {f.name}" for f in RULE_OUTPUT_SCHEMA if not f.name.endswith("_name")
    )
    union = "\n    UNION ALL\n    ".join(f"SELECT {out}\n    FROM {rule.id}_rows" for rule in rules)
    if one_hop:
        listed = " OR ".join(f"({_listed(rule, 'e', params)})" for rule in one_hop)
        listed_step = f"listed AS MATERIALIZED (SELECT DISTINCT e.subject_id FROM ev e WHERE e.in_force AND ({listed}))"
        if any(rule.shape in _KINDS_AT_ENDS for rule in one_hop):
            # the kinds of the listed subjects and of both ends of the roles at them: one scan of the subjects
            near = """SELECT subject_id, kind FROM s
        WHERE subject_id IN (SELECT subject_id FROM listed UNION ALL SELECT source_id FROM rl
                             UNION ALL SELECT target_id FROM rl)"""
            starts = "listed"
            sequence = [listed_step, "rl", "near"]
        else:
            # the kinds of the listed subjects of a kind some trigger picks; the roles only at those
            params["listed_kinds"] = sorted({k for rule in one_hop if rule.trigger for k in rule.trigger.subject_kinds})
            near = """SELECT subject_id, kind FROM s
        WHERE list_contains($listed_kinds, kind) AND subject_id IN (SELECT subject_id FROM listed)"""
            starts = "near"
            sequence = [listed_step, "near", "rl"]
        ends = f"target_id IN (SELECT subject_id FROM {starts})"
        if source_end:
            ends += f" OR source_id IN (SELECT subject_id FROM {starts})"
        named_steps = {
            "rl": f"""rl AS MATERIALIZED (
        SELECT source_id, role, target_id, valid_from, valid_to FROM r
        WHERE list_contains($listed_roles, role) AND ({ends}))""",
            "near": f"near AS MATERIALIZED ({near})",
        }
        steps += [named_steps.get(step, step) for step in sequence]
        steps += [
            "e0 AS (SELECT ev.*, k.kind FROM ev LEFT JOIN near k ON k.subject_id = ev.subject_id)",
            "ks AS (SELECT subject_id, kind FROM near)",
        ]
    else:
        steps.append("e0 AS (SELECT *, NULL::VARCHAR AS kind FROM ev)")
    steps += [
        "valid AS (SELECT * FROM e0 WHERE is_valid)",
        "inforce AS (SELECT * FROM e0 WHERE in_force)",
        *(body.strip() for body in bodies),
        f"rule_rows AS (\n    {union}\n    )",
    ]
    keys = ", ".join(f"{id_key('o.' + column)} AS {key}" for column, key, _ in _NAMED)
    order = ", ".join("o." + c.strip() for c in _ORDER.split(","))
    sql = f"""WITH {_facts()},
    {_STEP.join(steps)}
    SELECT o.*, {keys}
    FROM rule_rows o
    ORDER BY o.rule, {order}"""
    return sql, _bound(sql, params)


def run_rules(
    con: duckdb.DuckDBPyConnection, context: EvaluationContext, known_at: dt.datetime, names: SubjectNames | None
) -> pa.Table:
    """Evaluate the context's rules on the connection, in one statement: rows of RULE_OUTPUT_SCHEMA, by rule,
    subject, entry. The names come from ``names`` (the current subjects'), or from the subjects known at
    ``known_at`` when it is None."""
    if not context.rules:
        return RULE_OUTPUT_SCHEMA.empty_table()
    sql, params = evaluation_sql(context)
    params["known_at"] = known_at
    rows = fetch_arrow_planned_once(con, sql, params)
    columns: dict[str, Any] = {f.name: rows.column(f.name) for f in RULE_OUTPUT_SCHEMA if not f.name.endswith("_name")}
    found = names.names_of(*((rows.column(c), rows.column(k)) for c, k, _ in _NAMED)) if names is not None else None
    for i, (_, _, name) in enumerate(_NAMED):
        columns[name] = found[i] if found is not None else pa.nulls(rows.num_rows, pa.string())
    named = pa.table({f.name: columns[f.name] for f in RULE_OUTPUT_SCHEMA}).cast(RULE_OUTPUT_SCHEMA)
    return _with_names(con, named, known_at)


def _with_names(con: duckdb.DuckDBPyConnection, rows: pa.Table, known_at: dt.datetime) -> pa.Table:
    """The rows with every name filled in: the ones ``names`` did not give (every one when it is None, an id
    whose key collides) looked up in the subjects together."""
    unnamed = [
        pc.filter(rows.column(column), pc.and_(pc.is_valid(rows.column(column)), pc.is_null(rows.column(name))))
        for column, _, name in _NAMED
    ]
    missing = pc.unique(pa.concat_arrays([c.combine_chunks() for c in unnamed]))
    if not len(missing):
        return rows
    con.register(_WANTED, pa.table({"id": missing}))
    try:
        found = fetch_arrow(
            con,
            f"SELECT s.subject_id, s.name FROM subjects s SEMI JOIN {_WANTED} w ON w.id = s.subject_id "
            f"WHERE {_CURRENT}",
            {"known_at": known_at},
        )
    finally:
        con.unregister(_WANTED)
    ids, names = found.column("subject_id").combine_chunks(), found.column("name").combine_chunks()
    for column, _, name in _NAMED:
        looked_up = pc.take(names, pc.index_in(rows.column(column), value_set=ids))
        named: Any = pc.coalesce(rows.column(name), looked_up)
        rows = rows.set_column(rows.schema.get_field_index(name), name, named)
    return rows
