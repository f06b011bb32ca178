"""CSV cells a spreadsheet shows as text: every CSV graphsvc writes for people to open (the API's exports, the audit
export, ``graphsvc derived --format csv``, the rejected rows of a load) passes its cells through ``csv_cell``.

The files written for ``neo4j-admin database import`` do not: they are a database's input, not a person's, and must
hold the values exactly.
"""

from __future__ import annotations

from typing import Any

# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): it starts with one of these, or with their
# full-width forms, which some spreadsheets read as the ASCII ones.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: Any) -> Any:
    """A text cell that starts like a formula is prefixed with an apostrophe, so that a spreadsheet shows it as
    text (``@SUM(…)`` in a legal basis stays text); numbers and dates are left as they are, and a missing value
    is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(values: Any) -> list[Any]:
    return [csv_cell(v) for v in values]


__all__ = ["FORMULA_START", "csv_cell", "csv_row"]
