"""The rules on the Neo4j store: which Cypher file, with which parameters, and how its rows become rule rows.

The Cypher does the graph work server-side (matching, filtering, grouping per subject and entry); what comes
back is already the small set of derived facts. This module only shapes those rows into RULE_OUTPUT_SCHEMA
exactly as the embedded store's SQL does (the parity suite holds them to it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from graphsvc.context import EvaluationContext, ResolvedRule
from graphsvc.rules.shapes import Shape
from graphsvc.stores.base import RuleRow
from graphsvc.vocab import EntryStatus, RoleType, Severity

Row = dict[str, Any]  # a row as a Cypher statement returns it
_OPEN_END = dt.date(9999, 12, 31)
# cypher/entries_current.cypher binds the current entries with severity, status and validity end;
# cypher/inforce_filter.cypher keeps those in force (V1, V2, W3). Every rule but post_exit needs both.
CURRENT_PROLOGUE: tuple[str, ...] = ("entries_current",)
INFORCE_PROLOGUE: tuple[str, ...] = ("entries_current", "inforce_filter")


def _greatest(*values: dt.date | None) -> dt.date | None:
    """SQL greatest(): NULLs are ignored."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _least(*values: dt.date | None) -> dt.date | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _row(rule: str, **fields: Any) -> RuleRow:
    """A rule row (RULE_OUTPUT_SCHEMA, names filled in by the store) with the given fields, the rest empty."""
    base: Row = dict.fromkeys(RuleRow.__annotations__)
    base.update(
        dict.fromkeys(
            (
                "related_id",
                "related_entry_id",
                "origin_id",
                "severity",
                "list_type",
                "domain",
                "department",
                "legal_basis",
                "via",
                "role_date",
                "detail",
                "flags",
                "valid_until",
            )
        )
    )
    base["rule"] = rule
    base.update(fields)
    return cast(RuleRow, base)


def _entry_fields(r: Row) -> Row:
    return {k: r[k] for k in ("severity", "list_type", "domain", "department", "legal_basis")}


def shape_propagation(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    effect = rule.effect("record")
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            related_id=r["related_id"],
            origin_id=r["origin_id"],
            effect=effect,
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
            via="+".join(sorted(set(r["vias"]))),
            role_date=r["role_date"],
            flags=r["flags"],
            **_entry_fields(r),
        )
        for r in rows
    ]


def shape_appointment_ban(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    out: list[RuleRow] = []
    for r in rows:
        via = "+".join(sorted(set(r["vias"])))
        common = {"subject_id": r["subject_id"], "source_entry_id": r["source_entry_id"], "origin_id": r["origin_id"]}
        out.append(
            _row(
                rule.id,
                **common,
                effect=rule.effect("ban"),
                valid_from=r["valid_from"],
                valid_until=r["valid_until"],
                via=via,
                role_date=r["valid_from"],
                flags=r["flags"],
                **_entry_fields(r),
            )
        )
        by_target: dict[str, list[Row]] = {}
        for a in r["appointments"]:
            by_target.setdefault(a["target"], []).append(a)
        for target, appointments in by_target.items():
            starts = [a["valid_from"] for a in appointments if a["valid_from"] is not None]
            first = min(starts) if starts else None
            ends = [a["valid_to"] for a in appointments]
            last = None if any(e is None for e in ends) else max(ends)
            out.append(
                _row(
                    rule.id,
                    **common,
                    related_id=target,
                    effect=rule.effect("violation"),
                    valid_from=_greatest(r["valid_from"], first),
                    valid_until=_least(r["valid_until"], last),
                    via=via,
                    role_date=first,
                    detail="+".join(sorted({a["role"] for a in appointments})),
                    flags=r["flags"],
                    **_entry_fields(r),
                )
            )
    return out


def shape_person_ban(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    out: list[RuleRow] = []
    for r in rows:
        common = {"subject_id": r["subject_id"], "source_entry_id": r["source_entry_id"], "flags": r["flags"]}
        out.append(
            _row(
                rule.id,
                **common,
                effect=rule.effect("ban"),
                valid_from=r["valid_from"],
                valid_until=r["valid_until"],
                **_entry_fields(r),
            )
        )
        for a in r["appointments"]:
            out.append(
                _row(
                    rule.id,
                    **common,
                    related_id=a["target"],
                    effect=rule.effect("violation"),
                    valid_from=_greatest(r["valid_from"], a["valid_from"]),
                    valid_until=_least(r["valid_until"], a["valid_to"]),
                    via=a["role"],
                    role_date=a["valid_from"],
                    **_entry_fields(r),
                )
            )
    return out


def shape_controllers(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            related_id=r["related_id"],
            origin_id=r["origin_id"],
            effect=rule.effect("record"),
            valid_from=_greatest(r["entry_from"], r["rel_from"], r["control_from"]),
            valid_until=_least(r["entry_until"], r["rel_to"], r["control_to"]),
            via="+".join(r["vias"]),
            flags=r["flags"],
            **_entry_fields(r),
        )
        for r in rows
    ]


def shape_domain_count(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    """Per-key-domain aggregates → one warning per subject with at least min_domains (as the SQL does)."""
    assert rule.min_domains is not None
    minimum = rule.min_domains
    by_subject: dict[str, list[Row]] = {}
    for r in rows:
        entries = r["entries"]
        by_subject.setdefault(r["subject_id"], []).append(
            {
                "domain": r["domain"],
                "first_from": r["first_from"],
                "last_until": max(_OPEN_END if u is None else u for u in r["untils"]) if r["untils"] else _OPEN_END,
                "first_entry": min(entries, key=lambda e: e["determined_on"].isoformat() + e["entry_id"])["entry_id"],
                "entry_ids": ",".join(sorted(e["entry_id"] for e in entries)),
                "flag": max((f for f in r["flags"] if f is not None), default=None),
                "list_type": min(r["list_types"]),
            }
        )
    out: list[RuleRow] = []
    for subject, domains in by_subject.items():
        if len(domains) < minimum:
            continue
        ranked = sorted(domains, key=lambda d: (d["first_from"], d["domain"]))
        until = sorted((d["last_until"] for d in domains), reverse=True)[minimum - 1]
        out.append(
            _row(
                rule.id,
                subject_id=subject,
                source_entry_id=ranked[minimum - 1]["first_entry"],
                effect=rule.effect("warning"),
                valid_from=ranked[minimum - 1]["first_from"],
                valid_until=None if until == _OPEN_END else until,
                list_type=min(d["list_type"] for d in domains),
                detail=";".join(f"{d['domain']}:{d['entry_ids']}" for d in sorted(domains, key=lambda d: d["domain"])),
                flags=max((d["flag"] for d in domains if d["flag"] is not None), default=None),
            )
        )
    return out


def shape_focus_to_black(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            related_entry_id=r["related_entry_id"],
            effect=rule.effect("warning"),
            valid_from=r["valid_from"],
            valid_until=_least(r["focus_until"], r["serious_until"]),
            role_date=r["role_date"],
            flags=r["flags"],
            **_entry_fields(r),
        )
        for r in rows
    ]


def shape_red_black_conflict(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            related_entry_id=r["related_entry_id"],
            effect=rule.effect("removed" if r["removed"] else "refused"),
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
            flags=r["flags"],
            **_entry_fields(r),
        )
        for r in rows
    ]


def shape_post_exit(rule: ResolvedRule, rows: Iterable[Row]) -> list[RuleRow]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            effect=rule.effect("warning"),
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
            **_entry_fields(r),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class RulePlan:
    bodies: tuple[str, ...]  # cypher/<body>.cypher, each after the prologue; their rows are shaped together
    prologue: tuple[str, ...]  # prepended statements
    shape: Callable[[ResolvedRule, Iterable[Row]], list[RuleRow]]


PLANS: dict[Shape, RulePlan] = {
    Shape.PROPAGATION: RulePlan(("rule_propagation",), INFORCE_PROLOGUE, shape_propagation),
    Shape.APPOINTMENT_BAN: RulePlan(("rule_appointment_ban",), INFORCE_PROLOGUE, shape_appointment_ban),
    Shape.PERSON_BAN: RulePlan(("rule_person_ban",), INFORCE_PROLOGUE, shape_person_ban),
    Shape.CONTROLLERS: RulePlan(
        ("rule_own_controllers", "rule_related_controllers"), INFORCE_PROLOGUE, shape_controllers
    ),
    Shape.DOMAIN_COUNT: RulePlan(("rule_big_data_warning",), INFORCE_PROLOGUE, shape_domain_count),
    Shape.FOCUS_TO_BLACK: RulePlan(("rule_focus_to_black",), INFORCE_PROLOGUE, shape_focus_to_black),
    Shape.RED_BLACK_CONFLICT: RulePlan(("rule_red_black_conflict",), INFORCE_PROLOGUE, shape_red_black_conflict),
    Shape.POST_EXIT: RulePlan(("rule_post_exit_monitoring",), CURRENT_PROLOGUE, shape_post_exit),
}


def inforce_parameters(context: EvaluationContext, known_at: dt.datetime) -> dict[str, Any]:
    """The parameters of the prologue (V1, V2, severities, W3): the rules and ``entries_in_force`` bind the same."""
    return {**context.validity_parameters(), "known_at": known_at}


def parameters(context: EvaluationContext, rule: ResolvedRule, known_at: dt.datetime) -> dict[str, Any]:
    """Every parameter a rule statement may use; values only, never Cypher text."""
    trigger, reach = rule.trigger, rule.reach
    base = inforce_parameters(context, known_at)
    if rule.shape is Shape.RED_BLACK_CONFLICT:
        base["remove_conflicting_red"] = False  # the rule reports the red entries the prologue would drop
    return {
        **base,
        "role_timing": context.role_timing.value,
        "kinds": list(trigger.subject_kinds) if trigger else [],
        "list_types": list(trigger.list_types) if trigger else [],
        "severity": trigger.severity if trigger else None,
        "roles": list(reach.roles) if reach else [],
        "roles_with_finding": list(reach.roles_with_finding) if reach else [],
        "finding_alone": bool(reach and reach.finding_alone),
        "ban_years": rule.ban_years,
        "appointment_roles": list(rule.appointment_roles),
        "appointment_kinds": list(rule.appointment_kinds),
        "own_controllers": rule.own_controllers,
        "related_controllers": rule.related_controllers,
        "related_kinds": list(rule.related_kinds),
        "controller_role": RoleType.ACTUAL_CONTROLLER.value,
        "relation_role": RoleType.RELATED_ENTERPRISE.value,
        "counted_list_types": list(rule.counted_list_types),
        "key_domains_from": [d for d, _ in context.key_domains],
        "key_domains_to": [k for _, k in context.key_domains],
        "serious": Severity.SERIOUS.value,
        "leaving": [EntryStatus.EXITED.value, EntryStatus.REPAIRED.value, EntryStatus.EXPIRED.value],
        "monitoring_years": rule.monitoring_years,
    }
