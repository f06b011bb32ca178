"""Read canonical CSV or Parquet files into string tables with their row numbers."""

from __future__ import annotations

import csv
import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from graphsvc.errors import Problem
from loaders.columns import FileSpec, prohibited_reason

ROW = "_row"  # 1-based line number, header = 1 (for CSV files without embedded newlines)


@dataclass(frozen=True)
class RawFile:
    spec: FileSpec
    path: Path
    table: pa.Table  # every canonical column as string (empty cells -> null), plus ROW


def find_file(directory: Path, spec: FileSpec) -> tuple[Path | None, list[Problem]]:
    candidates = [p for p in (directory / f"{spec.stem}.csv", directory / f"{spec.stem}.parquet") if p.is_file()]
    if len(candidates) > 1:
        return None, [
            Problem(
                candidates[0].name,
                None,
                None,
                None,
                f"both {spec.stem}.csv and {spec.stem}.parquet are present; keep one of them",
            )
        ]
    return (candidates[0] if candidates else None), []


def _header_problems(path: Path, spec: FileSpec, header: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        reason = prohibited_reason(name)
        if reason is not None:
            problems.append(Problem(path.name, 1, name, None, reason))
        elif name not in spec.columns:
            problems.append(
                Problem(path.name, 1, name, None, f"unknown column; expected some of {', '.join(spec.columns)}")
            )
        if name in seen:
            problems.append(Problem(path.name, 1, name, None, "column appears twice in the header"))
        seen.add(name)
    for name in spec.required:
        if name not in header:
            problems.append(Problem(path.name, 1, name, None, "required column is missing from the header"))
    return problems


def _line_numbers_follow_rows(path: Path) -> bool:
    """True when data row i is on line i + 2: no blank lines and no quoting (which may hide newlines)."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        # mmap.find scans natively; ``b'"' in data`` on an mmap compares byte by byte (a third of a 1M load)
        end = len(data) - (2 if data[-2:] == b"\r\n" else 1 if data[-1:] == b"\n" else 0)
        return data.find(b'"') < 0 and data.find(b"\n\n", 0, end) < 0 and data.find(b"\n\r\n", 0, end) < 0


def _read_csv_exact(
    path: Path, header: list[str], encoding: str = "utf-8"
) -> tuple[pa.Table, list[int], list[Problem]]:
    """Slow path: the csv module, with each record's first line number; malformed rows become problems."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    with path.open(encoding=_python_codec(encoding), newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if record and any(cell.strip() for cell in record):
                if len(record) != len(header):
                    problems.append(
                        Problem(
                            path.name,
                            start,
                            None,
                            None,
                            f"row has {len(record)} cells, the header has {len(header)}; fix the quoting or "
                            "the separators",
                        )
                    )
                else:
                    rows.append(record)
                    numbers.append(start)
            start = reader.line_num + 1
    table = pa.table({name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(header)})
    return table, numbers, problems


def _python_codec(encoding: str) -> str:
    """UTF-8 is read with or without a BOM."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8", "utf-8-sig"} else encoding


def read_file(path: Path, spec: FileSpec, encoding: str = "utf-8") -> tuple[RawFile | None, list[Problem]]:
    """The file's canonical columns as strings, or the problems that stop it from being read at all.
    ``encoding``: a Python codec name (loaders/encoding.py detects it); UTF-8 may carry a BOM."""
    numbers: list[int] | None = None
    try:
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            header = table.column_names
        else:
            if path.stat().st_size == 0:
                return None, [
                    Problem(path.name, None, None, None, "the file is empty; it needs at least the header row")
                ]
            with path.open("rb") as fh:
                first = fh.readline().decode(_python_codec(encoding)).rstrip("\r\n")
            header = next(csv.reader([first]), [])
            problems = _header_problems(path, spec, header)
            if problems:
                return None, problems
            table = None
            if path.stat().st_size and _line_numbers_follow_rows(path):
                try:
                    table = pacsv.read_csv(
                        path,
                        read_options=pacsv.ReadOptions(encoding=_python_codec(encoding).replace("utf-8-sig", "utf8")),
                        convert_options=pacsv.ConvertOptions(
                            column_types=dict.fromkeys(header, pa.string()),
                            # Empty cells are missing already while parsing (this path has no quoting).
                            null_values=[""],
                            strings_can_be_null=True,
                            quoted_strings_can_be_null=False,
                        ),
                    )
                except pa.ArrowInvalid:
                    table = None  # e.g. a row with the wrong number of cells: the exact reader names it
            if table is None:
                exact, numbers, problems = _read_csv_exact(path, header, encoding)
                if problems:
                    return None, problems
                table = exact
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, ValueError) as exc:
        return None, [Problem(path.name, None, None, None, f"cannot read the file: {exc}")]
    assert table is not None  # every branch above reads the table or returns
    return to_raw(path, spec, table, header, numbers)


def to_raw(
    path: Path, spec: FileSpec, table: pa.Table, header: list[str], numbers: list[int] | None = None
) -> tuple[RawFile | None, list[Problem]]:
    """Check the header, then normalise every canonical column to trimmed strings (empty -> null)."""
    problems = _header_problems(path, spec, header)
    if problems:
        return None, problems
    columns: dict[str, Any] = {}
    empty = pa.scalar("", pa.string())
    for name in spec.columns:
        if name in table.column_names:
            trimmed = pc.utf8_trim_whitespace(table.column(name).cast(pa.string()))
            blank = pc.equal(trimmed, empty)
            has_blank = pc.any(blank).as_py()
            columns[name] = pc.if_else(blank, pa.scalar(None, pa.string()), trimmed) if has_blank else trimmed
        else:
            columns[name] = pa.nulls(table.num_rows, pa.string())
    rows = numbers if numbers is not None else range(2, table.num_rows + 2)
    columns[ROW] = pa.array(rows, pa.int64())
    return RawFile(spec, path, pa.table(columns)), []
