"""Validate raw canonical tables and write them in one store transaction: the last step of every load.

- Every problem in every table is reported at once (file, row, column, value, reason).
- Default: any problem means nothing is loaded (LoadRejected).
- ``skip_invalid``: the valid rows are loaded; with ``write_rejected`` each input file's rejected rows are written,
  with their reasons, to ``<file>.rejected.csv`` beside it.
- ``authorise`` sees the validated tables before anything is written and may refuse them (raise); ``protected``
  names the tables whose stored facts this load may add to but not change (the store refuses a supersede).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.csvcells import csv_row
from graphsvc.errors import LoadRejected, Problem
from graphsvc.loading import LoadOptions, LoadWarning
from graphsvc.stores.base import Batch, GraphStore, LoadResult
from loaders.reading import ROW, RawFile
from loaders.validation import Validator, canonical

Authorise = Callable[[dict[str, pa.Table]], None]


@dataclass(frozen=True)
class LoadReport:
    files: dict[str, int]  # file name -> data rows read
    result: LoadResult | None  # None when nothing was written
    problems: list[Problem] = field(default_factory=list)
    rejected_files: list[Path] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)  # what the fit rules did (loaders/fit.py)


def _write_rejected(raw: RawFile, rows: set[int], problems: list[Problem]) -> Path:
    """The rejected rows with their reasons, as <file>.rejected.csv beside the input."""
    target = raw.path.with_name(raw.path.name + ".rejected.csv")
    reasons: dict[int, list[str]] = {}
    for p in problems:
        if p.file == raw.path.name and p.row is not None:
            reasons.setdefault(p.row, []).append(f"{p.column}: {p.reason}")
    table = raw.table
    columns = [c for c in table.column_names if c != ROW]
    wanted = pa.array(sorted(rows), pa.int64())
    picked = table.filter(pc.is_in(table.column(ROW), value_set=wanted)).to_pylist()
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", *columns, "reasons"])
        for rec in picked:
            writer.writerow(csv_row([rec[ROW], *[rec[c] for c in columns], "; ".join(reasons.get(rec[ROW], []))]))
    return target


def validate_and_commit(
    raws: dict[str, RawFile],
    store: GraphStore,
    *,
    source: str,
    skip_invalid: bool,
    tick: Callable[[str], None] | None,
    write_rejected: bool,
    warnings: list[LoadWarning] | None = None,
    authorise: Authorise | None = None,
    protected: frozenset[str] = frozenset(),
    options: LoadOptions | None = None,
) -> LoadReport:
    """Validate in dependency order, then write every valid row in one store transaction. ``options``: the
    load's date and what it does with unmarked entries in force (LoadOptions.today, .unmarked)."""

    def step(text: str) -> None:
        if tick is not None:
            tick(text)

    # Aliases (董事长, 黑名单, 食品安全 …) become the vocabulary's slugs before anything is checked or compared.
    raws = {stem: replace(raw, table=canonical(raw.table, stem)) for stem, raw in raws.items()}
    validator = Validator(store, options)
    try:
        subjects, roles = raws.get("subjects"), raws.get("roles")
        entries, findings = raws.get("entries"), raws.get("responsibilities")
        if subjects is not None:
            validator.subjects(subjects)
        step("validated subjects")
        if roles is not None:
            validator.roles(roles, subjects)
        step("validated roles")
        if entries is not None:
            validator.entries(entries, subjects)
        step("validated entries")
        if findings is not None:
            validator.findings(findings, subjects, entries)
        step("validated responsibility findings")
        statuses = raws.get("statuses")
        if statuses is not None:
            validator.statuses(statuses, entries)
        step("validated statuses")
        validated = validator.result
    finally:
        validator.close()

    counts = {raw.path.name: raw.table.num_rows for raw in raws.values()}
    rejected_files: list[Path] = []
    if validated.problems:
        if not skip_invalid:
            raise LoadRejected(validated.problems, "use --skip-invalid to load the valid rows")
        if write_rejected:
            for raw in raws.values():
                rows = validated.rejected_rows.get(raw.path.name)
                if rows:
                    rejected_files.append(_write_rejected(raw, rows, validated.problems))
    step("wrote rejected rows" if rejected_files else "no rejected rows")
    if authorise is not None:
        authorise(validated.tables)
    result = store.apply_batch(Batch(source=source, tables=validated.tables, protected=protected))
    step("committed")
    return LoadReport(counts, result, validated.problems, rejected_files, list(warnings or []))


__all__ = ["Authorise", "LoadReport", "validate_and_commit"]
