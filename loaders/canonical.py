"""The canonical format (subjects, roles, entries, responsibilities, statuses as CSV or Parquet), and the library
calls that load it: ``load_directory`` for a folder, ``load_tables`` for Arrow tables or pandas frames.

Both run what ``graphsvc load`` runs: the file's encoding detected, the fit rules of real files
(loaders/fit.py: partial dates, ``60%``, combined role titles … each with a warning in ``LoadReport.warnings``),
the canonical validation and one all-or-nothing store transaction (loaders/commit.py). Prohibited personal data
(PRV-01) is refused in every file of the folder, even with ``skip_invalid``; re-loading the same files changes
nothing (the store recognises identical facts).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.loading import LoadOptions
from graphsvc.stores.base import GraphStore
from loaders import encoding as encodings
from loaders.columns import FILES, prohibited_reason
from loaders.commit import Authorise, LoadReport, validate_and_commit
from loaders.fit import fit
from loaders.reading import find_file, read_file, to_raw
from loaders.source import Source

Progress = Callable[[str, int, int], None]  # (step description, steps done, steps in all)


def encoding_of(path: Path, options: LoadOptions) -> str:
    return encodings.normalise(options.encoding) if options.encoding else encodings.detect(path)


def prohibited_in_header(path: Path, encoding: str) -> list[Problem]:
    """PRV-01 on a CSV or Parquet header, read in the file's own encoding."""
    try:
        if path.suffix == ".parquet":
            header = pq.read_schema(path).names
        else:
            codec = "utf-8-sig" if encoding == "utf-8" else encoding
            with path.open(encoding=codec, newline="") as fh:
                header = next(csv.reader(fh), [])
    except (OSError, UnicodeError, pa.ArrowInvalid):  # UnicodeError: a UTF-16 file without its BOM, too
        return []
    return [
        Problem(path.name, 1, name, None, reason) for name in header if (reason := prohibited_reason(name)) is not None
    ]


def read_canonical(directory: Path, options: LoadOptions) -> Source:
    """The canonical folder (subjects, roles, entries, responsibilities as CSV or Parquet), in any encoding."""
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory; give the folder that holds subjects.csv etc.")
    # Rejected rows of an earlier run would mislead: this run writes its own.
    for stale in directory.glob("*.rejected.csv"):
        stale.unlink()
    source = Source("canonical", str(directory.resolve()))
    fatal: list[Problem] = []
    # PRV-01 applies to every file in the folder, not only to the canonical ones.
    for candidate in sorted(directory.iterdir()):
        if candidate.suffix in {".csv", ".parquet"} and not candidate.name.endswith(".rejected.csv"):
            enc = "parquet" if candidate.suffix == ".parquet" else encoding_of(candidate, options)
            fatal += prohibited_in_header(candidate, enc)
    for spec in FILES:
        path, problems = find_file(directory, spec)
        fatal += problems
        if path is None:
            continue
        enc = "parquet" if path.suffix == ".parquet" else encoding_of(path, options)
        raw, problems = read_file(path, spec, "utf-8" if enc == "parquet" else enc)
        fatal += [p for p in problems if p not in fatal]
        if raw is not None:
            source.raws[spec.stem] = raw
            source.encodings[path.name] = enc
            source.files[path.name] = raw.table.num_rows
    if fatal:
        raise LoadRejected(list(dict.fromkeys(fatal)), "these stop the files from being read; fix them first")
    if not source.raws:
        stems = ", ".join(spec.stem for spec in FILES)
        raise InputError(f"{directory} holds none of {stems} (.csv or .parquet)")
    return source


def load_directory(
    directory: Path,
    store: GraphStore,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    options: LoadOptions | None = None,
) -> LoadReport:
    """Load a canonical folder; ``options`` as ``graphsvc load`` takes them (encoding, ratio scale, default
    scope), ``skip_invalid`` or ``options.skip_invalid`` to load the valid rows."""
    options = _with_skip(options, skip_invalid)
    total = 9  # read, fit, five validations, rejected rows, commit
    step = 0

    def tick(text: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(text, step, total)

    source = read_canonical(Path(directory), options)
    tick("read files")
    source = fit(source, options, store)
    tick("fitted dates, ratios and titles")
    return validate_and_commit(
        source.raws,
        store,
        source=source.source,
        skip_invalid=options.skip_invalid,
        tick=tick,
        write_rejected=True,
        warnings=source.warnings,
        options=options,
    )


def load_tables(
    tables: Mapping[str, pa.Table | pd.DataFrame],
    store: GraphStore,
    *,
    source: str = "frames",
    skip_invalid: bool = False,
    options: LoadOptions | None = None,
    authorise: Authorise | None = None,
    protected: frozenset[str] = frozenset(),
) -> LoadReport:
    """Bulk load from Arrow tables or pandas frames keyed by file stem (subjects, roles, entries,
    responsibilities, statuses), with exactly the fit and validation of files. Row numbers count like a CSV's
    (first row = 2); with ``skip_invalid`` the rejected rows are only reported (LoadReport.problems), not written
    anywhere. ``authorise`` and ``protected``: see loaders/commit.py."""
    options = _with_skip(options, skip_invalid)
    unknown = sorted(set(tables) - {spec.stem for spec in FILES})
    if unknown:
        raise InputError(f"unknown table(s) {unknown}; expected some of {[spec.stem for spec in FILES]}")
    read = Source("tables", source)
    fatal: list[Problem] = []
    for spec in FILES:
        data = tables.get(spec.stem)
        if data is None:
            continue
        table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        raw, problems = to_raw(Path(f"{spec.stem} (table)"), spec, table, table.column_names)
        fatal += problems
        if raw is not None:
            read.raws[spec.stem] = raw
    if fatal:
        raise LoadRejected(fatal, "these stop the tables from being read; fix them first")
    if not read.raws:
        raise InputError("no tables given")
    read = fit(read, options, store)
    return validate_and_commit(
        read.raws,
        store,
        source=source,
        skip_invalid=options.skip_invalid,
        tick=None,
        write_rejected=False,
        warnings=read.warnings,
        authorise=authorise,
        protected=protected,
        options=options,
    )


def _with_skip(options: LoadOptions | None, skip_invalid: bool) -> LoadOptions:
    chosen = options or LoadOptions()
    return replace(chosen, skip_invalid=True) if skip_invalid else chosen


__all__ = [
    "LoadReport",
    "encoding_of",
    "load_directory",
    "load_tables",
    "prohibited_in_header",
    "read_canonical",
]
