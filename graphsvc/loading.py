"""What a load is asked to do and what it reports: shared by the CLI and the readers in ``loaders/``.

The CLI finds readers through the ``graphsvc.readers`` entry points (graphsvc never imports loaders/); each
reader is called as ``reader(path, store, options, progress)`` and returns a :class:`LoadSummary`, or raises
:class:`LoadRefused` (a :class:`LoadRejected` that carries the summary of what was found).
"""

from __future__ import annotations

import codecs
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict

from graphsvc.errors import InputError, LoadRejected, Problem, located

Progress = Callable[[str, int, int], None]  # (step description, steps done, steps in all)

FORMATS = ("canonical", "ftm", "bods", "mapped")


class RatioScale(StrEnum):
    PERCENT = "percent"  # 60 means 60 % (the canonical format)
    FRACTION = "fraction"  # 0.6 means 60 %


TEXT_ENCODINGS = "a text encoding such as utf-8, gb18030 or big5"


def check_text_encoding(name: str, where: str = "encoding") -> None:
    """``name`` must be a codec Python knows that reads bytes as text: rot13, base64, zlib and the like are codecs
    too, but transform text into text or bytes into bytes, and reading a file with them fails."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise InputError(f"{where} {name!r} is not an encoding Python knows; name {TEXT_ENCODINGS}") from None
    if not getattr(codec, "_is_text_encoding", True):
        raise InputError(
            f"{where} {name!r} is not a text encoding ({codec.name} is a transform); name {TEXT_ENCODINGS}"
        )


class Unmarked(StrEnum):
    """What a load does with an entry past its listing (any status but candidate, notified, public_notice) that
    carries no publication marks (published_by, published_on): LST-10, 004 JI(六)."""

    # The platform operator's import of lists designated and published elsewhere (``graphsvc load``, the library
    # calls): the entry is kept as its source has it, published by its department on its determination date,
    # and the load report says so (a ``publication_assumed`` warning; ``publication_unmarked`` for one without a
    # department or determined after the load's date, kept without marks).
    ASSUME_PUBLISHED = "assume_published"
    # A department's intake over the API: its own designations start as candidates and reach force only through
    # notice and activation; an entry past its listing must carry both marks, else it is refused.
    CANDIDATE_ONLY = "candidate_only"


@dataclass(frozen=True)
class LoadOptions:
    format: str | None = None  # None: detected from the content
    mapping: str | None = None  # a shipped mapping's name or a YAML file (format mapped)
    encoding: str | None = None  # None: detected per file (UTF-8 with or without BOM, else GB18030 …)
    ratio_scale: RatioScale = RatioScale.PERCENT
    default_scope: str | None = None  # the deployment's scope for entries that state none; none unless set
    skip_invalid: bool = False
    max_records: int | None = None  # records (rows) one input file may hold, as the API limits uploads; None: any
    today: dt.date | None = None  # the load's date (published_on may not be later); None: the real date
    unmarked: Unmarked = Unmarked.ASSUME_PUBLISHED

    def __post_init__(self) -> None:
        if self.encoding is not None:
            check_text_encoding(self.encoding)

    @property
    def load_date(self) -> dt.date:
        return self.today or dt.date.today()


@dataclass(frozen=True)
class LoadWarning:
    """Something the load accepted but a person should know: the value as read and what was done with it."""

    kind: str  # e.g. partial_date, ratio_scale, shares_over_100, ignored_field, default_scope, role_title
    file: str
    row: int | None
    pointer: str | None  # JSON pointer for JSON inputs
    column: str | None
    value: str | None
    message: str
    count: int = 1  # rows this warning stands for (one warning per column and kind where rows repeat it)

    def __str__(self) -> str:
        return located(self.file, self.row, self.pointer, self.column, self.value, self.message)


@dataclass
class TableCounts:
    read: int = 0  # rows handed to validation
    inserted: int = 0
    superseded: int = 0
    unchanged: int = 0
    rejected: int = 0


class WarningJson(TypedDict):
    kind: str
    file: str
    row: int | None
    pointer: str | None
    column: str | None
    value: str | None
    message: str
    count: int


class ProblemJson(TypedDict):
    file: str
    row: int | None
    pointer: str | None
    column: str | None
    value: str | None
    reason: str


class SummaryJson(TypedDict):
    format: str
    source: str
    loaded: bool
    batch_id: int | None
    recorded_at: str | None
    store: str | None
    encodings: dict[str, str]
    files: dict[str, int]
    tables: dict[str, dict[str, int]]
    warnings_by_kind: dict[str, int]
    warnings: list[WarningJson]
    problems: list[ProblemJson]
    rejected_files: list[str]
    role_titles: dict[str, list[str]]
    seconds: float


@dataclass
class LoadSummary:
    format: str
    source: str
    encodings: dict[str, str] = field(default_factory=dict)  # input file -> encoding used
    files: dict[str, int] = field(default_factory=dict)  # input file -> records read
    tables: dict[str, TableCounts] = field(default_factory=dict)  # store table -> counts
    warnings: list[LoadWarning] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejected_files: list[str] = field(default_factory=list)
    role_titles: dict[str, list[str]] = field(default_factory=dict)  # title as written -> roles stored
    loaded: bool = False
    batch_id: int | None = None
    recorded_at: dt.datetime | None = None
    store: str | None = None
    seconds: float = 0.0

    def warnings_by_kind(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for w in self.warnings:
            counts[w.kind] += w.count
        return dict(sorted(counts.items()))

    def as_json(self) -> SummaryJson:
        return {
            "format": self.format,
            "source": self.source,
            "loaded": self.loaded,
            "batch_id": self.batch_id,
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "store": self.store,
            "encodings": self.encodings,
            "files": self.files,
            "tables": {t: vars(c).copy() for t, c in self.tables.items()},
            "warnings_by_kind": self.warnings_by_kind(),
            "warnings": [
                {
                    "kind": w.kind,
                    "file": w.file,
                    "row": w.row,
                    "pointer": w.pointer,
                    "column": w.column,
                    "value": w.value,
                    "message": w.message,
                    "count": w.count,
                }
                for w in self.warnings
            ],
            "problems": [
                {
                    "file": p.file,
                    "row": p.row,
                    "pointer": p.pointer,
                    "column": p.column,
                    "value": p.value,
                    "reason": p.reason,
                }
                for p in self.problems
            ],
            "rejected_files": self.rejected_files,
            "role_titles": self.role_titles,
            "seconds": round(self.seconds, 3),
        }

    def lines(self, *, warnings_shown: int = 20) -> list[str]:
        """The report as printed by ``graphsvc load``."""
        out = [
            f"format {self.format}; "
            + ", ".join(f"{f}: {n} records, {self.encodings.get(f, '-')}" for f, n in self.files.items())
        ]
        if self.loaded:
            out.append(
                f"batch {self.batch_id} recorded at {self.recorded_at.isoformat() if self.recorded_at else '-'}"
                f" into {self.store}"
            )
        for table, c in self.tables.items():
            out.append(
                f"  {table}: {c.read} read, +{c.inserted} new, {c.superseded} superseded, {c.unchanged} unchanged, "
                f"{c.rejected} rejected"
            )
        # Kept for scripts written against the earlier output.
        if self.loaded:
            out.append(
                ", ".join(
                    f"{t} +{c.inserted} new, {c.superseded} superseded, {c.unchanged} unchanged"
                    for t, c in self.tables.items()
                )
            )
        if self.warnings:
            out.append("warnings: " + ", ".join(f"{k} {n}" for k, n in self.warnings_by_kind().items()))
            out += [f"  {w}" for w in self.warnings[:warnings_shown]]
            if len(self.warnings) > warnings_shown:
                out.append(f"  … and {len(self.warnings) - warnings_shown} more (--report FILE lists all)")
        if self.role_titles:
            out.append(
                "role titles: "
                + "; ".join(f"{t} → {'+'.join(r)}" for t, r in list(self.role_titles.items())[:warnings_shown])
            )
        if self.problems and self.loaded:
            out.append(f"skipped {len(self.problems)} problem(s); rejected rows written to:")
            out += [f"  {p}" for p in self.rejected_files]
        out.append(f"took {self.seconds:.2f} s")
        return out


class LoadRefused(LoadRejected):
    """Nothing was loaded; the summary says what was read and found."""

    def __init__(self, problems: list[Problem], summary: LoadSummary, note: str = "") -> None:
        super().__init__(problems, note)
        self.summary = summary


__all__ = [
    "FORMATS",
    "LoadOptions",
    "LoadRefused",
    "LoadSummary",
    "LoadWarning",
    "Progress",
    "RatioScale",
    "TableCounts",
    "Unmarked",
]
