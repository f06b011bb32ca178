"""Derived records are explained set-wise (Arrow compute over each rule's rows, graphsvc/engine.py): they must
read exactly as each rule's ``str.format`` templates filled in row by row, for every shape.

The oracle below is the row-by-row reading of the templates: the row's fields (a missing one as '-'), the
``via`` in the vocabulary's words (the engine's ``via_text``, which it too applies value by value), ``entry`` as
"[list entry]" and the shape's words as plain Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from bench.generate import generate
from graphsvc.context import EvaluationContext, ResolvedRule, build_context
from graphsvc.engine import explain, via_text
from graphsvc.profiles import load_profile
from graphsvc.rules.shapes import Shape
from graphsvc.stores.base import DERIVED_FIELDS
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory


def _shape_words(row: dict[str, Any], rule: ResolvedRule) -> dict[str, str]:
    if rule.shape in (Shape.APPOINTMENT_BAN, Shape.PERSON_BAN):
        if not row.get("related_id"):
            return {"violation_text": "", "violation_path": ""}
        held = row.get("detail") or row.get("via") or ""
        return {
            "violation_text": f"; violation: holds {held.replace('+', ' and ')} of {row.get('related_name')} "
            f"({row['related_id']}) on the as-of date",
            "violation_path": f"; {row['subject_id']} -{held}-> {row['related_id']}",
        }
    if rule.shape is Shape.DOMAIN_COUNT:
        keys = [part.split(":", 1)[0] for part in (row.get("detail") or "").split(";") if part]
        return {"domain_count": str(len(keys)), "domains": ", ".join(keys)}
    if rule.shape is Shape.RED_BLACK_CONFLICT:
        removed = rule.outputs.get(row["effect"]) == "removed"
        return {"conflict_text": "is removed from force (LST-10)" if removed else "is refused (LST-07)"}
    if rule.shape is Shape.CONTROLLERS:
        if row.get("related_id") == row.get("origin_id"):
            return {"own_text": ", the listed organisation,", "relation_path": ""}
        return {
            "own_text": f", a related enterprise of {row.get('origin_name')} ({row.get('origin_id')}),",
            "relation_path": f" -related_enterprise- {row.get('related_id')}",
        }
    return {}


def _row_by_row(rows: pa.Table, context: EvaluationContext) -> list[dict[str, Any]]:
    rules = {rule.id: rule for rule in context.rules}
    out = []
    for row in rows.to_pylist():
        rule = rules[row["rule"]]
        fields: dict[str, Any] = dict(row)
        fields["via_text"] = via_text(row["via"], rule)
        fields["entry"] = f"[{row['list_type']} {row['source_entry_id']}]"
        fields.update(_shape_words(row, rule))
        fields = {k: ("-" if v is None else v) for k, v in fields.items()}
        row["explanation"] = rule.spec.explanation.format(**fields)
        row["path"] = rule.spec.path.format(**fields)
        row["citation"] = rule.spec.citation(context.seed_alias)
        if row["flags"] == "objection_pending":
            row["explanation"] += " [objection pending: flagged, measures continue (RGT-04)]"
        out.append({name: row[name] for name in DERIVED_FIELDS})
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The benchmark generator's data at 3,000 subjects: planted cases for every rule."""
    root: Path = tmp_path_factory.mktemp("explain")
    generate(root / "data", 3000)
    with EmbeddedStore(root / "store.duckdb") as store:
        load_directory(root / "data", store)
        yield store


@pytest.mark.parametrize("profile", ["default", "jiangsu", "zhoucun"])
@pytest.mark.parametrize("as_of", ["2026-06-30", "2024-03-15"])
def test_setwise_explanations_read_as_the_templates_filled_row_by_row(
    generated: EmbeddedStore, profile: str, as_of: str
) -> None:
    context = build_context(load_profile(profile), dt.date.fromisoformat(as_of))
    rows = generated.run_rules(context)
    assert rows.num_rows
    assert explain(rows, context).to_pylist() == _row_by_row(rows, context)


def test_the_generated_data_exercises_every_shape_and_the_objection_flag(generated: EmbeddedStore) -> None:
    """The comparison above covers every shape's words, violations and own/related controllers, both W3
    effects, and flagged records (jiangsu flags pending objections and continues)."""
    default = build_context(load_profile("default"), dt.date(2026, 6, 30))
    rows = generated.run_rules(default).to_pylist()
    shapes = {rule.id: rule.shape for rule in default.rules}
    assert {shapes[r["rule"]] for r in rows} == set(Shape)
    assert any(r["related_id"] for r in rows if shapes[r["rule"]] is Shape.APPOINTMENT_BAN)
    controllers = [r for r in rows if shapes[r["rule"]] is Shape.CONTROLLERS]
    assert {r["related_id"] == r["origin_id"] for r in controllers} == {True, False}
    conflicts = {r["effect"] for r in rows if shapes[r["rule"]] is Shape.RED_BLACK_CONFLICT}
    assert len(conflicts) == 2
    jiangsu = build_context(load_profile("jiangsu"), dt.date(2026, 6, 30))
    assert any(r["flags"] == "objection_pending" for r in generated.run_rules(jiangsu).to_pylist())


def test_no_rows_explain_to_no_records(generated: EmbeddedStore) -> None:
    context = build_context(load_profile("default"), dt.date(2026, 6, 30))
    empty = generated.run_rules(context).slice(0, 0)
    assert explain(empty, context).num_rows == 0
