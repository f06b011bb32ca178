"""What every reader hands to validation: the canonical raw string tables, and where each row came from.

Readers of other formats (FtM, BODS, mapped CSV) build the same ``RawFile`` tables as the canonical reader, so
one validation runs for all of them; each row keeps its origin (input file and line, or JSON pointer) so that
problems and warnings name the input as the user wrote it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from graphsvc.errors import LoadRejected, Problem
from graphsvc.loading import LoadWarning
from loaders.columns import FILES, FileSpec
from loaders.reading import ROW, RawFile, to_raw

SPECS: dict[str, FileSpec] = {spec.stem: spec for spec in FILES}


@dataclass(frozen=True)
class Location:
    file: str
    row: int | None = None
    pointer: str | None = None


@dataclass
class Source:
    """The input read into canonical raw tables (keyed by file stem: subjects, roles, entries, responsibilities)."""

    format: str
    source: str  # what the store records as the batch's source
    raws: dict[str, RawFile] = field(default_factory=dict)
    # raw file name -> raw row -> where it came from; rows not listed are the raw file's own lines (canonical).
    locations: dict[str, dict[int, Location]] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    warnings: list[LoadWarning] = field(default_factory=list)
    role_titles: dict[str, list[str]] = field(default_factory=dict)
    native_rows: bool = True  # raw rows are the input's own lines: rejected rows are written beside each file

    def locate(self, file: str, row: int | None) -> Location:
        if row is None:
            return Location(file)
        found = self.locations.get(file, {}).get(row)
        return found if found is not None else Location(file, row)

    def problem(self, p: Problem) -> Problem:
        where = self.locate(p.file, p.row)
        if where == Location(p.file, p.row):
            return p
        # Reasons that name other rows of the same raw table ("… on rows 12, 13") name their origins too.
        table = self.locations.get(p.file, {})

        def rows(m: re.Match[str]) -> str:
            named = [table.get(int(n)) for n in re.findall(r"\d+", m.group(1))]
            return "at " + ", ".join((o.pointer or f"row {o.row}") if o is not None else "?" for o in named)

        reason = re.sub(r"on rows ((?:\d+(?:, )?)+)", rows, p.reason)
        return Problem(where.file, where.row, p.column, p.value, reason, where.pointer)

    def warning(self, w: LoadWarning) -> LoadWarning:
        where = self.locate(w.file, w.row)
        return replace(w, file=where.file, row=where.row, pointer=where.pointer)


class TableBuilder:
    """Rows of one canonical table built from another format, each with its origin."""

    def __init__(self, stem: str, label: str) -> None:
        self.spec = SPECS[stem]
        self.label = label
        self.rows: list[Mapping[str, str | None]] = []
        self.origins: list[Location] = []

    def add(self, values: Mapping[str, str | None], origin: Location) -> None:
        unknown = set(values) - set(self.spec.columns)
        if unknown:
            raise ValueError(f"{self.spec.stem} has no column(s) {sorted(unknown)}")
        self.rows.append(values)
        self.origins.append(origin)

    def add_to(self, source: Source) -> None:
        """Put the table into ``source`` (rows numbered 2, 3, … like a CSV's, each mapped to its origin)."""
        if not self.rows:
            return
        name = Path(f"{self.spec.stem} (from {self.label})")
        table = pa.table({c: pa.array([_text(r.get(c)) for r in self.rows], pa.string()) for c in self.spec.columns})
        raw, problems = to_raw(name, self.spec, table, list(self.spec.columns))
        if raw is None:  # the columns are the spec's own, so only a bug gets here
            raise LoadRejected(problems, "internal: a reader built a table the canonical reader cannot take")
        source.raws[self.spec.stem] = raw
        rows = raw.table.column(ROW).to_pylist()
        source.locations[raw.path.name] = {int(r or 0): o for r, o in zip(rows, self.origins, strict=True)}


def _text(value: str | None) -> str | None:
    return None if value is None else str(value)


__all__ = ["MAX_JSON_DEPTH", "SPECS", "Location", "Source", "TableBuilder", "json_records", "too_deep"]


# Arrays and objects nested in one another, at most: FtM entities and BODS statements nest fewer than 10 deep.
# Deeper JSON is refused before it is parsed (10,000 levels once stopped a load with a RecursionError).
MAX_JSON_DEPTH = 64
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"\[\]|\{\}")


def too_deep(text: str) -> bool:
    """Whether ``text`` nests arrays and objects more than MAX_JSON_DEPTH deep, read without parsing it: its
    brackets outside strings, from which each pass removes the innermost pairs (one pass per level)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    levels = 0  # levels removed
    while levels <= MAX_JSON_DEPTH:
        shorter = _PAIR.sub("", brackets)
        if shorter == brackets:
            break
        brackets, levels = shorter, levels + 1
    else:
        return True
    # What is left does not pair up (a cut or broken text, which the parser refuses): how deep it opens.
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return levels + deepest > MAX_JSON_DEPTH


def depth_problem(file: str, row: int | None = None) -> Problem:
    return Problem(
        file,
        row,
        None,
        None,
        f"nests arrays and objects more than {MAX_JSON_DEPTH} deep; graphsvc reads JSON up to {MAX_JSON_DEPTH} "
        "levels (FtM entities and BODS statements need fewer than 10)",
    )


def too_many_records(file: str, limit: int) -> Problem:
    """A file of more records than ``LoadOptions.max_records``: refused before any record is read."""
    return Problem(
        file,
        None,
        None,
        None,
        f"holds more than {limit} records, the most one file may hold here; split it (graphsvc load takes any number)",
    )


def json_records(path: Path, max_records: int | None = None) -> Iterator[tuple[int | None, str | None, Any] | Problem]:
    """The records of a JSON array file (with their JSON pointer) or of a JSON-lines file (with their line),
    and a problem for what does not parse, nests too deep, or holds more than ``max_records`` records: FtM and
    BODS files come in both shapes."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Problem(path.name, None, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}): JSON is UTF-8")
        return
    if text.lstrip().startswith("["):
        if too_deep(text):
            yield depth_problem(path.name)
            return
        try:
            data = json.loads(text)
        except ValueError as exc:
            yield Problem(path.name, None, None, None, f"not JSON: {exc}")
            return
        items = data if isinstance(data, list) else []
        if max_records is not None and len(items) > max_records:
            yield too_many_records(path.name, max_records)
            return
        for i, item in enumerate(items):
            yield (None, f"/{i}", item)
        return
    lines = text.splitlines()
    if max_records is not None and len(lines) > max_records:
        beyond = itertools.islice((line for line in lines if line.strip()), max_records, None)
        if next(beyond, None) is not None:  # a record after the last one allowed
            yield too_many_records(path.name, max_records)
            return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if too_deep(line):
            yield depth_problem(path.name, number)
            continue
        try:
            yield (number, None, json.loads(line))
        except ValueError as exc:
            yield Problem(path.name, number, None, None, f"not a JSON object: {exc}")
