"""One entry row checked exactly as intake checks an entries.csv row (loaders/validation.py): what an objection
decision's correction goes through (graphsvc/lifecycle/corrections.py). Named by the ``graphsvc.validators``
entry point ``entries`` (pyproject.toml), through which the CLI finds it; the API passes it in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from graphsvc.errors import LoadRejected
from graphsvc.stores.base import ENTRY_SCHEMA, GraphStore
from loaders.columns import FILES
from loaders.reading import to_raw
from loaders.validation import Validator, canonical

_ENTRIES = next(spec for spec in FILES if spec.stem == "entries")


def check_entry(store: GraphStore, row: Mapping[str, str | None]) -> pa.Table:
    """The typed row (ENTRY_SCHEMA), or LoadRejected with every problem, in the loaders' words."""
    table = pa.table({name: pa.array([row.get(name)], pa.string()) for name in _ENTRIES.columns})
    raw, problems = to_raw(Path("correction"), _ENTRIES, table, table.column_names)
    if raw is None:
        raise LoadRejected(problems, "the correction is checked as intake checks an entry")
    raw = replace(raw, table=canonical(raw.table, "entries"))
    validator = Validator(store)
    try:
        validator.entries(raw, None)
    finally:
        validator.close()
    if validator.result.problems:
        raise LoadRejected(validator.result.problems, "the correction is checked as intake checks an entry")
    return validator.result.tables["entries"].select(ENTRY_SCHEMA.names).cast(ENTRY_SCHEMA)


__all__ = ["check_entry"]
