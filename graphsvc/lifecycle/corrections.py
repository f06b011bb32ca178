"""An objection decision's correction (RGT-04, 004 MB 第三十二条 修正, 更正发布) is a new version of the entry, checked
exactly as intake checks an entry: the list's semantics (a black entry is serious, severity ceilings), the
vocabulary, the dates and their order. That check is the loaders' (loaders/validation.py), which graphsvc does
not import (imports flow one way): it is handed in as an :class:`EntryCheck`. The API passes the loaders' check;
the CLI finds it through the ``graphsvc.validators`` entry point ``entries`` (pyproject.toml), as it finds its
readers through ``graphsvc.readers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pyarrow as pa

from graphsvc.errors import InputError
from graphsvc.stores.base import ENTRY_SCHEMA, PRECISE_DATES, GraphStore, precision_column

VALIDATORS_GROUP = "graphsvc.validators"

# Fields a correction may change. The identity, subject and list stay (a different list is a new entry), and so
# does the department: the entry stays the designating department's (one that is not cannot take it over).
CORRECTABLE = ("domain", "severity", "act_date", "determined_on", "valid_until", "legal_basis")


class EntryCheck(Protocol):
    def __call__(self, store: GraphStore, row: Mapping[str, str | None]) -> pa.Table:
        """The entry ``row`` (the canonical entries columns as text) validated as intake validates an entries
        row: one typed row of ENTRY_SCHEMA, or ``LoadRejected`` with every problem in intake's words."""
        ...


def installed_check() -> EntryCheck:
    """The ``entries`` check of the ``graphsvc.validators`` entry points."""
    from importlib.metadata import entry_points

    found = {ep.name: ep for ep in entry_points(group=VALIDATORS_GROUP)}
    if "entries" not in found:
        raise InputError(
            f"no entry check is installed (entry point group {VALIDATORS_GROUP}, name entries), so a correction "
            "cannot be checked; install graphsvc with its loaders (`pip install -e .`)"
        )
    check: EntryCheck = found["entries"].load()
    return check


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def corrected_row(entry: Mapping[str, Any], correction: Mapping[str, Any]) -> dict[str, str | None]:
    """The entry's new version as text, with the correction's values in place (a corrected date loses the
    precision the old one had: the correction states the day)."""
    unknown = sorted(set(correction) - set(CORRECTABLE))
    if unknown:
        raise InputError(f"a correction may change {', '.join(CORRECTABLE)}; not {', '.join(unknown)}")
    row = {name: _text(entry.get(name)) for name in ENTRY_SCHEMA.names}
    for name, value in correction.items():
        row[name] = _text(value)
        if name in PRECISE_DATES["entries"]:
            row[precision_column(name)] = None
    return row


def corrected(
    store: GraphStore, entry: Mapping[str, Any], correction: Mapping[str, Any], check: EntryCheck | None
) -> pa.Table:
    """The corrected version, checked (``check`` None: the installed one)."""
    row = corrected_row(entry, correction)
    return (check or installed_check())(store, row).select(ENTRY_SCHEMA.names).cast(ENTRY_SCHEMA)
