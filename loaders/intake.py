"""One load, any format: read → fit → the canonical validation → one store transaction → the load report.

The readers (canonical, ``ftm``, ``bods``, ``mapped``) turn their input into the canonical raw string tables;
:mod:`loaders.fit` fits real-world values (partial dates, ``60%``, combined role titles …) with warnings;
validation and the all-or-nothing commit are the canonical loader's own (loaders/commit.py), so every format
is refused, skipped and reported alike. The ``graphsvc.readers`` entry points name the functions at the end.
"""

from __future__ import annotations

import csv
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from graphsvc.csvcells import csv_row
from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.loading import FORMATS, LoadOptions, LoadRefused, LoadSummary, Progress, TableCounts
from graphsvc.stores.base import GraphStore
from graphsvc.vocabulary import resolvers
from loaders.canonical import prohibited_in_header, read_canonical
from loaders.columns import FILES
from loaders.commit import Authorise, LoadReport, validate_and_commit
from loaders.fit import fit
from loaders.sniff import sniff_json
from loaders.source import Source

Reader = Callable[[Path, LoadOptions], Source]


def _reader(fmt: str) -> Reader:
    """The reader of one format, imported only when asked for (followthemoney takes a second to import)."""
    if fmt == "canonical":
        return read_canonical
    if fmt == "ftm":
        from loaders import ftm

        return ftm.read
    if fmt == "bods":
        from loaders import bods

        return bods.read
    if fmt == "mapped":
        from loaders import mapping

        return mapping.read
    raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def detect_format(path: Path, options: LoadOptions) -> str:
    """The format of ``path`` from its content: a mapping given means mapped (FtM files: ftm with overrides);
    canonical file names mean canonical;
    JSON records with ``schema``/``properties`` are FtM, with ``statementType``/``recordType`` BODS."""
    if not path.exists():
        raise InputError(f"{path} is not a directory or a file; give the folder that holds the input")
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    if options.mapping:
        # A mapping is a column mapping, except beside FtM entities (whose tables it then overrides).
        sniffed = {sniff_json(p) for p in files if p.suffix in {".json", ".jsonl", ".ndjson"}}
        return "ftm" if sniffed == {"ftm"} else "mapped"
    if path.is_dir() and any(p.name in {f"{s.stem}{x}" for s in FILES for x in (".csv", ".parquet")} for p in files):
        return "canonical"
    found = {f for p in files if p.suffix in {".json", ".jsonl", ".ndjson"} and (f := sniff_json(p))}
    if len(found) == 1:
        return found.pop()
    if len(found) > 1:
        raise InputError(f"{path} holds both FtM and BODS files; load them one format at a time (--format)")
    if any(p.suffix in {".csv", ".xlsx", ".tsv"} for p in files):
        raise InputError(
            f"{path}: CSV files that are not the canonical subjects/roles/entries/responsibilities need a column "
            "mapping: --mapping NAME_OR_FILE (shipped: loaders/mappings/*.yaml)"
        )
    raise InputError(f"cannot tell the format of {path}; give --format {'|'.join(FORMATS)}")


def _counts(source: Source, report: LoadReport | None, problems: list[Problem]) -> dict[str, TableCounts]:
    rejected: dict[str, set[int]] = {}
    for p in problems:
        if p.row is not None:
            rejected.setdefault(p.file, set()).add(p.row)
    counts: dict[str, TableCounts] = {}
    for raw in source.raws.values():
        c = counts.setdefault(raw.spec.table, TableCounts())
        c.read += raw.table.num_rows
        c.rejected += len(rejected.get(raw.path.name, set()))
    result = report.result if report is not None else None
    if result is not None:
        for table in result.inserted:
            c = counts.setdefault(table, TableCounts())
            c.inserted, c.superseded, c.unchanged = (
                result.inserted[table],
                result.superseded[table],
                result.unchanged[table],
            )
    return counts


def _write_rejected(source: Source, problems: list[Problem], base: Path) -> list[str]:
    """For inputs that are not the canonical files: ``<input>.rejected.csv`` with each problem's place and reason."""
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    written: list[str] = []
    for name, items in by_file.items():
        target = base / f"{name}.rejected.csv"
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["row", "pointer", "column", "value", "reason"])
            for p in items:
                writer.writerow(csv_row([p.row, p.pointer, p.column, p.value, p.reason]))
        written.append(str(target))
    return written


def load(
    path: Path,
    store: GraphStore,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
    *,
    authorise: Authorise | None = None,
    protected: frozenset[str] = frozenset(),
    label: str | None = None,
) -> LoadSummary:
    """Read ``path`` in ``options.format`` (detected when None), fit, validate and load it; the load report.
    ``authorise`` and ``protected``: see loaders/commit.py; ``label``: the batch's source in the store instead of
    the input's path (the API's uploads use all three)."""
    options = options or LoadOptions()
    started = time.perf_counter()
    path = Path(path)
    if options.default_scope is not None and options.default_scope not in resolvers()["scope"].slugs:
        raise InputError(f"--default-scope: {resolvers()['scope'].refusal(options.default_scope)}")
    fmt = options.format or detect_format(path, options)
    reader = _reader(fmt)
    total, step = 9, 0

    def tick(text: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(text, min(step, total), total)

    try:
        source = reader(path, options)
    except LoadRejected as exc:
        if isinstance(exc, LoadRefused):
            raise
        refused = LoadSummary(format=fmt, source=str(path.resolve()), problems=exc.problems, store=store.location)
        refused.seconds = time.perf_counter() - started
        raise LoadRefused(exc.problems, refused, "these stop the input from being read; fix them first") from None
    base = path if path.is_dir() else path.parent
    if not source.native_rows:
        for name in source.files:
            (base / f"{name}.rejected.csv").unlink(missing_ok=True)
    tick(f"read {fmt}")
    if label is not None:
        source.source = label
    source = fit(source, options, store)
    tick("fitted dates, ratios and titles")
    summary = LoadSummary(
        format=fmt,
        source=source.source,
        encodings=source.encodings,
        files=source.files,
        warnings=source.warnings,
        role_titles=source.role_titles,
        store=store.location,
    )
    try:
        report = validate_and_commit(
            source.raws,
            store,
            source=source.source,
            skip_invalid=options.skip_invalid,
            tick=tick,
            write_rejected=source.native_rows,
            authorise=authorise,
            protected=protected,
            options=options,
        )
    except LoadRejected as exc:
        summary.tables = _counts(source, None, exc.problems)
        summary.problems = [source.problem(p) for p in exc.problems]
        summary.seconds = time.perf_counter() - started
        raise LoadRefused(summary.problems, summary, "use --skip-invalid to load the valid rows") from None
    summary.tables = _counts(source, report, report.problems)
    summary.problems = [source.problem(p) for p in report.problems]
    if source.native_rows:
        summary.rejected_files = [str(p) for p in report.rejected_files]
    elif summary.problems:
        summary.rejected_files = _write_rejected(source, summary.problems, base)
    if report.result is not None:
        summary.loaded = True
        summary.batch_id = report.result.batch_id
        summary.recorded_at = report.result.recorded_at
    summary.seconds = time.perf_counter() - started
    return summary


def _fixed(fmt: str | None) -> Callable[[Path, GraphStore, LoadOptions | None, Progress | None], LoadSummary]:
    def reader(
        path: Path, store: GraphStore, options: LoadOptions | None = None, progress: Progress | None = None
    ) -> LoadSummary:
        chosen = options or LoadOptions()
        if fmt is not None and chosen.format is None:
            chosen = dataclasses.replace(chosen, format=fmt)
        return load(path, store, chosen, progress)

    return reader


# The graphsvc.readers entry points (pyproject.toml): ``auto`` detects the format.
load_auto = _fixed(None)
load_canonical = _fixed("canonical")
load_ftm = _fixed("ftm")
load_bods = _fixed("bods")
load_mapped = _fixed("mapped")

__all__ = [
    "detect_format",
    "load",
    "load_auto",
    "load_bods",
    "load_canonical",
    "load_ftm",
    "load_mapped",
    "prohibited_in_header",
    "read_canonical",
]
