"""Load a directory of canonical CSV or Parquet files into a store, all-or-nothing by default.

- Every problem in every file is reported at once (file, row, column, value, reason).
- Default: any problem means nothing is loaded (LoadRejected, non-zero exit).
- ``skip_invalid``: the valid rows are loaded and each file's rejected rows are written, with their reasons,
  to ``<file>.rejected.csv`` beside it. Prohibited personal data (PRV-01) is refused either way.
- The valid rows of all four files are written in one store transaction; re-loading the same files
  changes nothing (the store recognises identical facts).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.stores.base import Batch, GraphStore, LoadResult
from loaders.columns import FILES, prohibited_reason
from loaders.reading import ROW, RawFile, find_file, read_file, to_raw
from loaders.validation import Validator, canonical

Progress = Callable[[str, int, int], None]  # (step description, steps done, steps in all)


@dataclass(frozen=True)
class LoadReport:
    files: dict[str, int]  # file name -> data rows read
    result: LoadResult | None  # None when nothing was written
    problems: list[Problem] = field(default_factory=list)
    rejected_files: list[Path] = field(default_factory=list)


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
            writer.writerow([rec[ROW], *[rec[c] or "" for c in columns], "; ".join(reasons.get(rec[ROW], []))])
    return target


def load_directory(
    directory: Path,
    store: GraphStore,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory; give the folder that holds subjects.csv etc.")
    total = 8  # read, five validations, rejected rows, commit
    step = 0

    def tick(text: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(text, step, total)

    # Rejected rows of an earlier run would mislead: this run writes its own.
    for stale in directory.glob("*.rejected.csv"):
        stale.unlink()
    raws: dict[str, RawFile] = {}
    fatal: list[Problem] = []
    # PRV-01 applies to every file in the folder, not only to the canonical ones.
    for candidate in sorted(directory.iterdir()):
        if candidate.suffix in {".csv", ".parquet"} and not candidate.name.endswith(".rejected.csv"):
            fatal += _prohibited_in_header(candidate)
    for spec in FILES:
        path, problems = find_file(directory, spec)
        fatal += problems
        if path is None:
            continue
        raw, problems = read_file(path, spec)
        fatal += [p for p in problems if p not in fatal]
        if raw is not None:
            raws[spec.stem] = raw
    tick("read files")
    if fatal:
        raise LoadRejected(_dedupe(fatal), "these stop the files from being read; fix them first")
    if not raws:
        stems = ", ".join(spec.stem for spec in FILES)
        raise InputError(f"{directory} holds none of {stems} (.csv or .parquet)")

    return _validate_and_commit(
        raws, store, source=str(directory.resolve()), skip_invalid=skip_invalid, tick=tick, write_rejected=True
    )


def load_tables(
    tables: Mapping[str, pa.Table | pd.DataFrame],
    store: GraphStore,
    *,
    source: str = "frames",
    skip_invalid: bool = False,
) -> LoadReport:
    """Bulk load from Arrow tables or pandas frames keyed by file stem (subjects, roles, entries,
    responsibilities), with exactly the validation of files. Row numbers count like a CSV's (first row = 2);
    with ``skip_invalid`` the rejected rows are only reported (LoadReport.problems), not written anywhere."""
    unknown = sorted(set(tables) - {spec.stem for spec in FILES})
    if unknown:
        raise InputError(f"unknown table(s) {unknown}; expected some of {[spec.stem for spec in FILES]}")
    raws: dict[str, RawFile] = {}
    fatal: list[Problem] = []
    for spec in FILES:
        data = tables.get(spec.stem)
        if data is None:
            continue
        table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        raw, problems = to_raw(Path(f"{spec.stem} (table)"), spec, table, table.column_names)
        fatal += problems
        if raw is not None:
            raws[spec.stem] = raw
    if fatal:
        raise LoadRejected(fatal, "these stop the tables from being read; fix them first")
    if not raws:
        raise InputError("no tables given")
    return _validate_and_commit(raws, store, source=source, skip_invalid=skip_invalid, tick=None, write_rejected=False)


def _validate_and_commit(
    raws: dict[str, RawFile],
    store: GraphStore,
    *,
    source: str,
    skip_invalid: bool,
    tick: Callable[[str], None] | None,
    write_rejected: bool,
) -> LoadReport:
    """Validate in dependency order, then write every valid row in one store transaction."""

    def step(text: str) -> None:
        if tick is not None:
            tick(text)

    # Aliases (董事长, 黑名单, 食品安全 …) become the vocabulary's slugs before anything is checked or compared.
    raws = {stem: replace(raw, table=canonical(raw.table, stem)) for stem, raw in raws.items()}
    validator = Validator(store)
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
    result = store.apply_batch(Batch(source=source, tables=validated.tables))
    step("committed")
    return LoadReport(counts, result, validated.problems, rejected_files)


def _prohibited_in_header(path: Path) -> list[Problem]:
    try:
        if path.suffix == ".parquet":
            header = pq.read_schema(path).names
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, pa.ArrowInvalid):
        return []
    return [
        Problem(path.name, 1, name, None, reason) for name in header if (reason := prohibited_reason(name)) is not None
    ]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


__all__ = ["LoadReport", "load_directory", "load_tables"]
