"""Filtering, sorting, paging and shaping of derived records and warnings for a caller's tier."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from api.problems import ApiProblem
from api.tiers import Caller
from api.views import Snapshot, mask_text
from graphsvc.csvcells import csv_cell

RECORD_FIELDS = (
    "record_id",
    "rule",
    "subject_id",
    "source_entry_id",
    "related_id",
    "effect",
    "valid_from",
    "valid_until",
    "related_entry_id",
    "severity",
    "flags",
    "explanation",
    "path",
    "citation",
    "legal_basis",
    "department",
    "warning_list",
)
WARNING_FIELDS = ("warning_id", *RECORD_FIELDS, "state", "reason", "decided_by", "decided_at")
SORTABLE = frozenset(
    {"rule", "subject_id", "source_entry_id", "effect", "valid_from", "valid_until", "severity", "department"}
)
SORTABLE_WARNINGS = SORTABLE | {"state", "warning_list", "decided_at"}


@dataclass(frozen=True)
class RecordFilter:
    rules: list[str] = field(default_factory=list)
    list_types: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    subject_id: str | None = None
    date_from: dt.date | None = None  # records whose validity overlaps [date_from, date_to]
    date_to: dt.date | None = None
    warning_lists: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)

    def matches(self, record: dict[str, Any], snapshot: Snapshot) -> bool:
        if self.rules and record["rule"] not in self.rules:
            return False
        if self.subject_id and record["subject_id"] != self.subject_id:
            return False
        if self.departments and record["department"] not in self.departments:
            return False
        if self.list_types or self.domains:
            source = snapshot.entries.get(record["source_entry_id"]) or {}
            if self.list_types and source.get("list_type") not in self.list_types:
                return False
            if self.domains and source.get("domain") not in self.domains:
                return False
        if self.regions:
            subject = snapshot.subject_rows.get(record["subject_id"])
            region = None if subject is None else snapshot.subjects.column("region")[subject].as_py()
            if region not in self.regions:
                return False
        if self.date_from and record["valid_until"] is not None and record["valid_until"] < self.date_from:
            return False
        if self.date_to and record["valid_from"] is not None and record["valid_from"] > self.date_to:
            return False
        return not self.warning_lists or record["warning_list"] in self.warning_lists


def parse_sort(sort: str | None, allowed: frozenset[str]) -> list[tuple[str, bool]]:
    """``"-valid_from,rule"`` -> [("valid_from", descending), ("rule", ascending)]."""
    keys: list[tuple[str, bool]] = []
    for part in (sort or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, descending = (part[1:], True) if part.startswith("-") else (part, False)
        if name not in allowed:
            raise ApiProblem(
                400, "Bad sort key", f"cannot sort by {name!r}; sort by any of {', '.join(sorted(allowed))}"
            )
        keys.append((name, descending))
    return keys


def sort_rows(rows: list[dict[str, Any]], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    # Stable sorts from the last key to the first; missing values sort first either way.
    for name, descending in reversed(keys):
        present = [r for r in rows if r.get(name) is not None]
        missing = [r for r in rows if r.get(name) is None]
        present.sort(key=lambda r: r[name], reverse=descending)
        rows = missing + present
    return rows


def shown_record(record: dict[str, Any], snapshot: Snapshot, caller: Caller) -> dict[str, Any]:
    shown = {name: record.get(name) for name in RECORD_FIELDS}
    if caller.masks_names:
        shown["explanation"] = mask_text(record["explanation"], snapshot, [record["subject_id"], record["related_id"]])
    return shown


def warning_row(record: dict[str, Any], snapshot: Snapshot, caller: Caller) -> dict[str, Any]:
    state = snapshot.warning_state(record["record_id"])
    return {
        **shown_record(record, snapshot, caller),
        "warning_id": record["record_id"],
        "state": state["state"],
        "reason": state["reason"],
        "decided_by": state["actor"],
        "decided_at": state["decided_at"],
    }


def to_csv(rows: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """The rows as CSV, each cell through graphsvc.csvcells.csv_cell (formula-like text is made text)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return buffer.getvalue()
