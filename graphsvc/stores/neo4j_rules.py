"""The rules on the Neo4j store: which Cypher file, with which parameters, and how its rows become rule rows.

The Cypher does the graph work server-side (matching, filtering, grouping per subject and entry); what comes
back is already the small set of derived facts. This module only shapes those rows into RULE_OUTPUT_SCHEMA
exactly as the embedded store's SQL does (the parity suite holds them to it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graphsvc.rules.context import EvaluationContext, ResolvedRule
from graphsvc.rules.table import RULES

Row = dict[str, Any]
_OPEN_END = dt.date(9999, 12, 31)
# cypher/inforce_entries.cypher: binds the entries in force (V1, V2) for every rule but W4 and entries_in_force.
INFORCE_PROLOGUE = "inforce_entries"


def _greatest(*values: dt.date | None) -> dt.date | None:
    """SQL greatest(): NULLs are ignored."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _least(*values: dt.date | None) -> dt.date | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _row(rule: str, **fields: Any) -> Row:
    base: Row = dict.fromkeys(
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
    base["rule"] = rule
    base.update(fields)
    return base


def _entry_fields(r: Row) -> Row:
    return {k: r[k] for k in ("severity", "list_type", "domain", "department", "legal_basis")}


def shape_propagation(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    effect = RULES[rule.id].effects[0]
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


def shape_appointment_ban(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    out: list[Row] = []
    for r in rows:
        via = "+".join(sorted(set(r["vias"])))
        common = {"subject_id": r["subject_id"], "source_entry_id": r["source_entry_id"], "origin_id": r["origin_id"]}
        out.append(
            _row(
                rule.id,
                **common,
                effect="appointment_ban",
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
                    effect="appointment_ban_violation",
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


def shape_public_institution_ban(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    out: list[Row] = []
    for r in rows:
        common = {"subject_id": r["subject_id"], "source_entry_id": r["source_entry_id"], "flags": r["flags"]}
        out.append(
            _row(
                rule.id,
                **common,
                effect="public_institution_lr_ban",
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
                    effect="public_institution_lr_violation",
                    valid_from=_greatest(r["valid_from"], a["valid_from"]),
                    valid_until=_least(r["valid_until"], a["valid_to"]),
                    via=a["role"],
                    role_date=a["valid_from"],
                    **_entry_fields(r),
                )
            )
    return out


def shape_related_controllers(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            related_id=r["related_id"],
            origin_id=r["origin_id"],
            effect="key_supervision",
            valid_from=_greatest(r["entry_from"], r["rel_from"], r["control_from"]),
            valid_until=_least(r["entry_until"], r["rel_to"], r["control_to"]),
            via="related_enterprise+actual_controller",
            flags=r["flags"],
            **_entry_fields(r),
        )
        for r in rows
    ]


def shape_big_data_warning(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    """Per-domain aggregates → one warning per subject with at least min_domains domains (as the SQL does)."""
    minimum = rule.min_domains or 3
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
            }
        )
    out: list[Row] = []
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
                effect="big_data_warning",
                valid_from=ranked[minimum - 1]["first_from"],
                valid_until=None if until == _OPEN_END else until,
                list_type="focus",
                detail=";".join(f"{d['domain']}:{d['entry_ids']}" for d in sorted(domains, key=lambda d: d["domain"])),
                flags=max((d["flag"] for d in domains if d["flag"] is not None), default=None),
            )
        )
    return out


def shape_focus_to_black(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            related_entry_id=r["related_entry_id"],
            effect="black_list_candidate",
            valid_from=r["valid_from"],
            valid_until=_least(r["focus_until"], r["serious_until"]),
            role_date=r["role_date"],
            flags=r["flags"],
            **_entry_fields(r),
        )
        for r in rows
    ]


def shape_red_black_conflict(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            related_entry_id=r["related_entry_id"],
            effect=r["effect"],
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
            flags=r["flags"],
            **_entry_fields(r),
        )
        for r in rows
    ]


def shape_post_exit_monitoring(rule: ResolvedRule, rows: Iterable[Row]) -> list[Row]:
    return [
        _row(
            rule.id,
            subject_id=r["subject_id"],
            source_entry_id=r["source_entry_id"],
            effect="post_exit_monitoring",
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
            **_entry_fields(r),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class RulePlan:
    body: str  # cypher/<body>.cypher
    prologue: str | None  # prepended statement, or None
    shape: Callable[[ResolvedRule, Iterable[Row]], list[Row]]


PLANS: dict[str, RulePlan] = {
    "P1": RulePlan("rule_propagation", INFORCE_PROLOGUE, shape_propagation),
    "P3": RulePlan("rule_propagation", INFORCE_PROLOGUE, shape_propagation),
    "P4": RulePlan("rule_propagation", INFORCE_PROLOGUE, shape_propagation),
    "P7": RulePlan("rule_propagation", INFORCE_PROLOGUE, shape_propagation),
    "P5": RulePlan("rule_appointment_ban", INFORCE_PROLOGUE, shape_appointment_ban),
    "P6": RulePlan("rule_public_institution_ban", INFORCE_PROLOGUE, shape_public_institution_ban),
    "P8": RulePlan("rule_related_controllers", INFORCE_PROLOGUE, shape_related_controllers),
    "W1": RulePlan("rule_big_data_warning", INFORCE_PROLOGUE, shape_big_data_warning),
    "W2": RulePlan("rule_focus_to_black", INFORCE_PROLOGUE, shape_focus_to_black),
    "W3": RulePlan("rule_red_black_conflict", INFORCE_PROLOGUE, shape_red_black_conflict),
    "W4": RulePlan("rule_post_exit_monitoring", None, shape_post_exit_monitoring),
}


def inforce_parameters(context: EvaluationContext, known_at: dt.datetime) -> dict[str, Any]:
    """The parameters of the in-force prologue (V1, V2): the rules and ``entries_in_force`` bind the same."""
    return {**context.validity_parameters(), "known_at": known_at}


def parameters(context: EvaluationContext, rule: ResolvedRule, known_at: dt.datetime) -> dict[str, Any]:
    """Every parameter a rule statement may use; values only, never Cypher text."""
    trigger, reach = rule.trigger, rule.reach
    return {
        **inforce_parameters(context, known_at),
        "role_timing": context.role_timing.value,
        "kinds": list(trigger.subject_kinds) if trigger else [],
        "list_types": rule.trigger_list_types(),
        "severity": trigger.severity if trigger else None,
        "roles": list(reach.roles) if reach else [],
        "roles_with_finding": list(reach.roles_with_finding) if reach else [],
        "finding_alone": bool(reach and reach.finding_alone),
        "ban_years": rule.ban_years,
        "monitoring_years": rule.monitoring_years,
    }
