"""Evaluate the rules of a profile for a date on any store, and explain every derived record.

Stores return structured rows (rule, who, which entry, which edge); this module turns them into derived
records with an explanation in words, the path that carried them, and the citation. Doing it here, once,
keeps the embedded and Neo4j stores' answers identical.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from graphsvc.profiles import Profile
from graphsvc.rules.context import build_context
from graphsvc.rules.table import RULES
from graphsvc.stores.base import DERIVED_FIELDS, DERIVED_SCHEMA, Evaluation, GraphStore

_VIA_TEXT = {
    "legal_representative": "was legal representative of",
    "main_person_in_charge": "was main person in charge of",
    "person_in_charge": "was person in charge of",
    "senior_manager": "was senior manager of",
    "director": "was director, with a responsibility finding, of",
    "shareholder": "was shareholder, with a responsibility finding, of",
    "registered_practitioner": "was registered practitioner, with a responsibility finding, of",
    "responsibility_finding": "bears direct responsibility, by a finding, for the act of",
}


def _via_text(via: str | None) -> str:
    if not via:
        return ""
    return " and ".join(_VIA_TEXT.get(v, v + " of") for v in via.split("+"))


def _path(row: dict[str, Any]) -> str:
    """The edge or path that carried the record, subject first."""
    rule, subject, via = row["rule"], row["subject_id"], row["via"]
    entry = f"[{row['list_type']} {row['source_entry_id']}]"
    if rule in ("P1", "P3", "P4", "P7"):
        return f"{subject} -{via}-> {row['related_id']} {entry}"
    if rule == "P5":
        base = f"{subject} -{via}-> {row['origin_id']} {entry}"
        if row["related_id"]:
            return base + f"; {subject} -{row['detail']}-> {row['related_id']}"
        return base
    if rule == "P6":
        return f"{subject} {entry}" + (
            f"; {subject} -legal_representative-> {row['related_id']}" if row["related_id"] else ""
        )
    if rule == "P8":
        return f"{row['origin_id']} {entry} -related_enterprise- {row['related_id']} <-actual_controller- {subject}"
    if rule == "W1":
        return f"{subject} [focus {row['detail']}]"
    if rule in ("W2", "W3"):
        return f"{subject} [{row['list_type']} {row['source_entry_id']}] [{row['related_entry_id']}]"
    return f"{subject} {entry}"


def _explain(row: dict[str, Any]) -> str:
    rule = row["rule"]
    fields = dict(row)
    fields["via_text"] = _via_text(row["via"])
    fields["violation_text"] = ""
    if rule == "P5" and row["related_id"]:
        fields["violation_text"] = (
            f"; violation: holds {row['detail']} of {row['related_name']} ({row['related_id']}) on the as-of date"
        )
    if rule == "P6" and row["related_id"]:
        fields["violation_text"] = (
            f"; violation: is legal representative of {row['related_name']} ({row['related_id']}) on the as-of date"
        )
    if rule == "W1":
        domains = [part.split(":", 1)[0] for part in (row["detail"] or "").split(";") if part]
        fields["domain_count"] = len(domains)
        fields["domains"] = ", ".join(domains)
    if rule == "W3":
        fields["conflict_text"] = (
            "is removed from force (LST-10)" if row["effect"] == "red_removed" else "is refused (LST-07)"
        )
    for key, value in fields.items():
        if value is None:
            fields[key] = "-"
    return RULES[rule].explanation.format(**fields)


def explain(rows: pa.Table, seed_alias: str | None) -> pa.Table:
    """Structured rule rows → derived records with explanation, path and citation."""
    citations = {rule_id: spec.citation(seed_alias) for rule_id, spec in RULES.items()}
    records: dict[str, list[Any]] = {name: [] for name in DERIVED_FIELDS}
    for row in rows.to_pylist():
        row["explanation"] = _explain(row)
        row["path"] = _path(row)
        row["citation"] = citations[row["rule"]]
        if row["flags"] == "objection_pending":
            row["explanation"] += " [objection pending: flagged, measures continue (RGT-04)]"
        for name in DERIVED_FIELDS:
            records[name].append(row[name])
    return pa.table(records, schema=DERIVED_SCHEMA)


def evaluate(
    store: GraphStore,
    profile: Profile,
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
    persist: bool = True,
) -> Evaluation:
    """Evaluate ``profile``'s rules as of ``as_of`` (and as known at ``known_at``) and keep the result."""
    context = build_context(profile, as_of, known_at)
    records = explain(store.run_rules(context), context.seed_alias)
    evaluation = Evaluation(
        profile=profile.name,
        as_of=as_of,
        known_at=known_at,
        evaluated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        records=records,
    )
    if persist:
        store.replace_evaluation(evaluation)
    return evaluation
