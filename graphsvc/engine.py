"""Evaluate the rules of a profile for a date on any store, and explain every derived record.

Stores return structured rows (rule, who, which entry, which edge); this module turns them into derived
records with an explanation in words, the path that carried them, and the citation. Doing it here, once,
keeps the embedded and Neo4j stores' answers identical.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from graphsvc.context import EvaluationContext, ResolvedRule, build_context
from graphsvc.profiles import Profile
from graphsvc.rules.shapes import SHAPES
from graphsvc.rules.table import RULES, RuleTable
from graphsvc.stores.base import DERIVED_FIELDS, DERIVED_SCHEMA, Evaluation, GraphStore, RuleRow
from graphsvc.vocabulary import vocabulary

RESPONSIBILITY_FINDING = "responsibility_finding"  # the ``via`` of a person reached by a finding alone


def _via_text(via: str | None, rule: ResolvedRule) -> str:
    """How the person was reached, in words: the role labels of the vocabulary."""
    if not via:
        return ""
    roles = vocabulary().roles
    finding_roles = rule.reach.roles_with_finding if rule.reach else ()
    parts = []
    for v in via.split("+"):
        if v == RESPONSIBILITY_FINDING:
            parts.append("bears direct responsibility, by a finding, for the act of")
        elif v in finding_roles:
            parts.append(f"was {roles[v].en.lower()}, with a responsibility finding, of")
        else:
            parts.append(f"was {roles[v].en.lower() if v in roles else v} of")
    return " and ".join(parts)


def _fields(row: RuleRow, rule: ResolvedRule) -> dict[str, Any]:
    """A rule row's fields plus the words its rule's templates use; missing values print as '-'."""
    fields: dict[str, Any] = dict(row)
    fields["via_text"] = _via_text(row["via"], rule)
    fields["entry"] = f"[{row['list_type']} {row['source_entry_id']}]"
    fields.update(SHAPES[rule.shape].words(row, rule.outputs))
    return {k: ("-" if v is None else v) for k, v in fields.items()}


def explain(rows: pa.Table, context: EvaluationContext) -> pa.Table:
    """Structured rule rows → derived records with explanation, path and citation, by each rule's templates."""
    rules = {rule.id: rule for rule in context.rules}
    citations = {rule.id: rule.spec.citation(context.seed_alias) for rule in context.rules}
    records: dict[str, list[Any]] = {name: [] for name in DERIVED_FIELDS}
    for row in rows.to_pylist():
        rule = rules[row["rule"]]
        fields = _fields(row, rule)  # type: ignore[arg-type]
        row["explanation"] = rule.spec.explanation.format(**fields)
        row["path"] = rule.spec.path.format(**fields)
        row["citation"] = citations[rule.id]
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
    table: RuleTable = RULES,
) -> Evaluation:
    """Evaluate ``profile``'s rules as of ``as_of`` (and as known at ``known_at``) and keep the result."""
    context = build_context(profile, as_of, known_at, table=table)
    records = explain(store.run_rules(context), context)
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
