"""Evaluate the rules of a profile for a date on any store, and explain every derived record.

Stores return structured rows (rule, who, which entry, which edge); this module turns them into derived
records with an explanation in words, the path that carried them, and the citation. Doing it here, once,
keeps the embedded and Neo4j stores' answers identical.
"""

from __future__ import annotations

import datetime as dt
import string

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc import arrowtext as text
from graphsvc.arrowtext import Text
from graphsvc.context import EvaluationContext, ResolvedRule, build_context
from graphsvc.errors import ProfileError
from graphsvc.profiles import Profile
from graphsvc.rules.shapes import SHAPES
from graphsvc.rules.table import RULES, RuleTable
from graphsvc.stores.base import DERIVED_FIELDS, DERIVED_SCHEMA, Evaluation, GraphStore
from graphsvc.vocabulary import vocabulary

RESPONSIBILITY_FINDING = "responsibility_finding"  # the ``via`` of a person reached by a finding alone
OBJECTION_PENDING = "objection_pending"  # the ``flags`` of a record whose entry's objection is pending
_OBJECTION_NOTE = " [objection pending: flagged, measures continue (RGT-04)]"


def via_text(via: str | None, rule: ResolvedRule) -> str:
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


def _template(text: str) -> list[tuple[str, str | None]]:
    """A ``str.format`` template as (literal text, field name or None) pieces; plain fields only."""
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        if spec or conversion or (name is not None and not name.isidentifier()):
            raise ProfileError(f"template {text!r}: write plain {{field}} names (no format, conversion or index)")
        pieces.append((literal, name))
    return pieces


class _Fields:
    """The words a rule's templates use, for a table of its rows, each a string column made once on demand:
    the row's own fields (a missing value prints as '-'), ``via_text``, ``entry`` ("[list entry]") and the
    shape's words."""

    def __init__(self, rows: pa.Table, rule: ResolvedRule) -> None:
        self.rows, self.rule = rows, rule
        self.made: dict[str, Text] = {}

    def _words(self) -> dict[str, Text]:
        rows = self.rows
        via = rows.column("via").combine_chunks()
        distinct = pc.unique(via)
        texts = pa.array([via_text(v, self.rule) for v in distinct.to_pylist()], pa.string())
        words: dict[str, Text] = {
            "via_text": pc.take(texts, pc.index_in(via, value_set=distinct)),
            "entry": text.concat(
                "[",
                text.shown(rows.column("list_type"), "None"),
                " ",
                text.shown(rows.column("source_entry_id"), "None"),
                "]",
            ),
        }
        words.update(SHAPES[self.rule.shape].words(rows, self.rule.outputs))
        return words

    def __getitem__(self, name: str) -> Text:
        if not self.made:
            self.made.update(self._words())
        if name not in self.made:
            if name not in self.rows.column_names:
                raise KeyError(name)
            self.made[name] = text.shown(self.rows.column(name), "-")
        return self.made[name]

    def render(self, template: str) -> Text:
        parts: list[Text | str] = []
        for literal, name in _template(template):
            if literal:
                parts.append(literal)
            if name is not None:
                parts.append(self[name])
        if all(isinstance(p, str) for p in parts):
            return text.repeated("".join(str(p) for p in parts), self.rows.num_rows)
        return text.concat(*parts)


def _explained(rows: pa.Table, rule: ResolvedRule, citation: str) -> pa.Table:
    """One rule's rows as derived records: explanation, path and citation set-wise, by the rule's templates."""
    fields = _Fields(rows, rule)
    explanation = fields.render(rule.spec.explanation)
    flagged = text.equals(rows.column("flags"), OBJECTION_PENDING)
    if pc.any(flagged).as_py():
        explanation = text.choose(flagged, text.concat(explanation, _OBJECTION_NOTE), explanation)
    added = {
        "explanation": explanation,
        "path": fields.render(rule.spec.path),
        "citation": text.repeated(citation, rows.num_rows),
    }
    columns = [added[name] if name in added else rows.column(name) for name in DERIVED_FIELDS]
    return pa.Table.from_arrays(columns, schema=DERIVED_SCHEMA)


def explain(rows: pa.Table, context: EvaluationContext) -> pa.Table:
    """Structured rule rows → derived records with explanation, path and citation, by each rule's templates,
    set-wise: one pass of Arrow compute per rule, the records in the rows' order."""
    rules = {rule.id: rule for rule in context.rules}
    if rows.num_rows == 0:
        return DERIVED_SCHEMA.empty_table()
    rule_ids = rows.column("rule").combine_chunks()
    unknown = sorted(str(r) for r in pc.unique(rule_ids).to_pylist() if r not in rules)
    if unknown:
        raise KeyError(unknown[0])
    parts: list[pa.Table] = []
    positions: list[npt.NDArray[np.int64]] = []
    for rule_id, rule in rules.items():
        where = np.flatnonzero(text.equals(rule_ids, rule_id).to_numpy(zero_copy_only=False))
        if not len(where):
            continue
        # The stores sort by rule: a rule's rows are then one run, read as a slice (no copy).
        contiguous = int(where[-1]) - int(where[0]) + 1 == len(where)
        chosen = rows.slice(int(where[0]), len(where)) if contiguous else rows.take(where)
        parts.append(_explained(chosen.combine_chunks(), rule, rule.spec.citation(context.seed_alias)))
        positions.append(where)
    records = pa.concat_tables(parts)
    order = np.concatenate(positions)
    if bool(np.all(order[1:] > order[:-1])):
        return records
    return records.take(np.argsort(order, kind="stable"))


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
