"""Column mappings: a YAML file that says how a department's own CSV export becomes canonical rows, so it loads
without conversion (``graphsvc load DIR --mapping NAME_OR_FILE``).

A mapping lists ``files`` (CSV in any encoding, or Excel ``.xlsx``: the first sheet or ``sheet``, dates as ISO dates,
percent-formatted cells as ``60%``); each has ``match`` (file-name globs; the first entry matching a file reads it) and
``outputs``, each output making one canonical row per source row (``table``: subjects, roles, entries or
responsibilities), optionally only ``where`` conditions hold, and skipped where a ``require``d column comes out
empty. Each canonical column is one of

- ``源列名``: the source column's value;
- ``"{统一社会信用代码}/{法定代表人}"``: a template of source columns (empty when any of them is empty);
- ``{value: enterprise}``: a constant;
- a mapping with ``column``, ``template`` or ``value`` and any of: ``map`` (exact value → canonical value),
  ``contains`` (substring → canonical value, first match wins), ``default`` (when empty or nothing matched),
  ``if_empty`` / ``if_present`` (a value chosen by whether the source is empty), ``format`` (a ``strptime`` date
  format), ``scale`` (multiply a number, e.g. 100 for fractions), ``keep_if`` (``uscc`` or ``id_number``: kept only
  when it is a valid identifier), ``opaque`` (``true``: the value becomes the stable opaque id ``p-`` and 20
  letters, loaders/person_ids.py, keyed by ``GRAPHSVC_ID_KEY`` when it is set; a word of a-z letters in place of
  ``true`` is the prefix). Persons' ids are made opaque: a subject id is public as it is, and the loaders refuse a
  person id that embeds the name or an id number.

``where`` conditions: ``{column: C, present: true}``, ``{column: C, empty: true}``, ``{column: C, equals: V}``,
``{column: C, in: [..]}``, ``{column: C, not_in: [..]}``, ``{column: C, contains: V}``.

The values then go through the same fit rules (partial dates, ``60%``, role titles) and validation as the
canonical files; problems and warnings name the source file and line. Shipped mappings: ``loaders/mappings/``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fnmatch
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from graphsvc import yamlio
from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.identifiers import id_number_problem, uscc_problem
from graphsvc.loading import LoadOptions, LoadWarning, check_text_encoding
from loaders import encoding as encodings
from loaders.columns import prohibited_reason
from loaders.person_ids import id_key, opaque_id
from loaders.source import SPECS, Location, Source, TableBuilder, too_many_records

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_SPEC_KEYS = {
    "column",
    "template",
    "value",
    "map",
    "contains",
    "default",
    "if_empty",
    "if_present",
    "format",
    "scale",
    "keep_if",
    "opaque",
}
_WHERE_KEYS = {"present", "empty", "equals", "in", "not_in", "contains"}


def shipped() -> dict[str, str]:
    """Shipped mapping name -> its title."""
    out: dict[str, str] = {}
    for item in sorted(resources.files("loaders").joinpath("mappings").iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yamlio.safe_load(item.read_text(encoding="utf-8")) or {}
            out[item.name.removesuffix(".yaml")] = str(data.get("title", ""))
    return out


@dataclass(frozen=True)
class ColumnSpec:
    column: str | None = None
    template: str | None = None
    value: str | None = None
    map: Mapping[str, str] | None = None
    contains: Mapping[str, str] | None = None
    default: str | None = None
    if_empty: str | None = None
    if_present: str | None = None
    format: str | None = None
    scale: float | None = None
    keep_if: str | None = None
    opaque: str | None = None  # the prefix of an opaque id made of the value (p for persons)

    def sources(self) -> list[str]:
        found = [self.column] if self.column else []
        return found + (_TEMPLATE.findall(self.template) if self.template else [])

    def apply(self, row: Mapping[str, str], key: bytes | None = None) -> str | None:
        """The canonical value of one source row; ``key``: the deployment's key for opaque ids."""
        if self.value is not None:
            raw: str | None = self.value
        elif self.template is not None:
            parts = {name: (row.get(name) or "").strip() for name in _TEMPLATE.findall(self.template)}
            raw = (
                None
                if any(not v for v in parts.values())
                else _TEMPLATE.sub(lambda m: parts[m.group(1)], self.template)
            )
        else:
            raw = (row.get(self.column or "") or "").strip() or None
        if self.if_empty is not None or self.if_present is not None:
            return self.if_present if raw else self.if_empty
        if raw is None:
            return self.default
        if self.map is not None or self.contains is not None:
            hit = (self.map or {}).get(raw)
            if hit is None:
                hit = next((v for k, v in (self.contains or {}).items() if k in raw), None)
            raw = hit if hit is not None else (self.default if self.default is not None else raw)
        if self.format is not None and raw is not None:
            # Left as written when it does not fit: the fit rules or validation name it.
            with contextlib.suppress(ValueError):
                raw = dt.datetime.strptime(raw, self.format).date().isoformat()
        if self.scale is not None and raw is not None:
            with contextlib.suppress(ValueError):
                raw = f"{float(raw.rstrip('%')) * self.scale:.10g}"
        if self.keep_if is not None and raw is not None:
            check = uscc_problem if self.keep_if == "uscc" else id_number_problem
            raw = raw if check(raw) is None else None
        if self.opaque is not None and raw is not None:
            raw = opaque_id(raw, self.opaque, key)
        return raw


@dataclass(frozen=True)
class Condition:
    column: str
    test: str
    operand: Any

    def holds(self, row: Mapping[str, str]) -> bool:
        value = (row.get(self.column) or "").strip()
        if self.test == "present":
            return bool(value) == bool(self.operand)
        if self.test == "empty":
            return (not value) == bool(self.operand)
        if self.test == "equals":
            return value == str(self.operand)
        if self.test == "in":
            return value in {str(v) for v in self.operand}
        if self.test == "not_in":
            return value not in {str(v) for v in self.operand}
        return str(self.operand) in value  # contains


@dataclass(frozen=True)
class Output:
    table: str  # canonical file stem
    columns: Mapping[str, ColumnSpec]
    where: tuple[Condition, ...]
    require: tuple[str, ...]


@dataclass(frozen=True)
class FileMapping:
    match: tuple[str, ...]
    outputs: tuple[Output, ...]
    encoding: str | None
    sheet: str | None = None  # Excel workbooks: the sheet to read (default: the first)


@dataclass(frozen=True)
class ColumnMapping:
    name: str
    title: str
    files: tuple[FileMapping, ...]

    def for_file(self, name: str) -> FileMapping | None:
        return next((f for f in self.files if any(fnmatch.fnmatch(name, g) for g in f.match)), None)


def _spec(where: str, value: Any) -> ColumnSpec:
    if isinstance(value, str):
        return ColumnSpec(template=value) if _TEMPLATE.search(value) else ColumnSpec(column=value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ColumnSpec(value=str(value))
    if not isinstance(value, dict):
        raise InputError(f"{where}: a column is a source column name, a template, or a mapping")
    unknown = sorted(set(value) - _SPEC_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(_SPEC_KEYS)}")
    if sum(k in value for k in ("column", "template", "value")) != 1:
        raise InputError(f"{where}: give exactly one of column, template, value")
    if value.get("keep_if") not in {None, "uscc", "id_number"}:
        raise InputError(f"{where}: keep_if is uscc or id_number")
    opaque = value.get("opaque")
    if opaque is True:
        opaque = "p"
    elif opaque is False:
        opaque = None
    elif opaque is not None and not (isinstance(opaque, str) and re.fullmatch(r"[a-z]{1,8}", opaque)):
        raise InputError(f"{where}: opaque is true (ids p-…) or a prefix of 1 to 8 letters a-z, not {opaque!r}")

    def text(key: str) -> str | None:
        v = value.get(key)
        return None if v is None else str(v)

    def table(key: str) -> dict[str, str] | None:
        v = value.get(key)
        if v is None:
            return None
        if not isinstance(v, dict):
            raise InputError(f"{where}: {key} is a mapping of values")
        return {str(a): str(b) for a, b in v.items()}

    return ColumnSpec(
        column=text("column"),
        template=text("template"),
        value=text("value"),
        map=table("map"),
        contains=table("contains"),
        default=text("default"),
        if_empty=text("if_empty"),
        if_present=text("if_present"),
        format=text("format"),
        scale=float(value["scale"]) if value.get("scale") is not None else None,
        keep_if=text("keep_if"),
        opaque=opaque,
    )


def parse(data: Any, name: str) -> ColumnMapping:
    """A mapping from its YAML data; every mistake is refused with where it is and what is expected."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise InputError(f"mapping {name}: expected a YAML mapping with a `files` list")
    files: list[FileMapping] = []
    for i, entry in enumerate(data["files"]):
        where = f"mapping {name}, files[{i}]"
        if not isinstance(entry, dict) or "match" not in entry or not isinstance(entry.get("outputs"), list):
            raise InputError(f"{where}: needs `match` (globs) and `outputs` (a list)")
        match = (entry["match"],) if isinstance(entry["match"], str) else tuple(str(g) for g in entry["match"])
        outputs: list[Output] = []
        for j, out in enumerate(entry["outputs"]):
            at = f"{where}.outputs[{j}]"
            if not isinstance(out, dict) or out.get("table") not in SPECS:
                raise InputError(f"{at}: `table` must be one of {', '.join(SPECS)}")
            spec = SPECS[str(out["table"])]
            columns = out.get("columns") or {}
            if not isinstance(columns, dict):
                raise InputError(f"{at}: `columns` maps canonical columns to source columns")
            unknown = sorted(set(columns) - set(spec.columns))
            if unknown:
                raise InputError(f"{at}: {spec.stem} has no column(s) {unknown}; expected some of {spec.columns}")
            # scope may be left to the deployment's --default-scope.
            missing = sorted(set(spec.required) - set(columns) - {"scope"})
            if missing:
                raise InputError(f"{at}: required {spec.stem} column(s) {missing} are not mapped")
            conditions: list[Condition] = []
            for k, cond in enumerate(out.get("where") or []):
                tests = sorted(set(cond) - {"column"}) if isinstance(cond, dict) else []
                if not isinstance(cond, dict) or "column" not in cond or len(tests) != 1 or tests[0] not in _WHERE_KEYS:
                    raise InputError(f"{at}.where[{k}]: {{column: C, one of {sorted(_WHERE_KEYS)}: …}}")
                conditions.append(Condition(str(cond["column"]), tests[0], cond[tests[0]]))
            require = tuple(str(c) for c in out.get("require") or ())
            outputs.append(
                Output(
                    spec.stem,
                    {str(c): _spec(f"{at}.columns.{c}", v) for c, v in columns.items()},
                    tuple(conditions),
                    require,
                )
            )
        if entry.get("encoding"):
            check_text_encoding(str(entry["encoding"]), f"{where}: encoding")
        files.append(
            FileMapping(
                match,
                tuple(outputs),
                str(entry["encoding"]) if entry.get("encoding") else None,
                str(entry["sheet"]) if entry.get("sheet") else None,
            )
        )
    return ColumnMapping(name, str(data.get("title", name)), tuple(files))


def load_mapping(name_or_path: str) -> ColumnMapping:
    """A shipped mapping by name (``loaders/mappings/NAME.yaml``) or a YAML file."""
    path = Path(name_or_path)
    if path.is_file():
        return parse(yamlio.safe_load(path.read_text(encoding="utf-8")), path.name)
    item = resources.files("loaders").joinpath("mappings", f"{name_or_path}.yaml")
    if not item.is_file():
        raise InputError(f"no mapping {name_or_path!r}: neither a file nor a shipped mapping ({', '.join(shipped())})")
    return parse(yamlio.safe_load(item.read_text(encoding="utf-8")), name_or_path)


def _read_csv(path: Path, encoding: str, most: int | None) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the non-empty rows; ``most``: stop after one row more than that (the caller refuses)."""
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    rows: list[tuple[int, dict[str, str]]] = []
    with path.open(encoding=codec, newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        start = reader.line_num + 1
        for record in reader:
            if record and any(cell.strip() for cell in record):
                rows.append((start, dict(zip(header, record, strict=False))))
                if most is not None and len(rows) > most:
                    break
            start = reader.line_num + 1
    return header, rows


def _cell(value: object, number_format: str) -> str:
    """An Excel cell as the text a CSV export would hold: dates as ISO dates, percent cells as ``60%``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "%" in number_format:
            return f"{value * 100:.10g}%"
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return str(value)


def _read_xlsx(path: Path, sheet: str | None, most: int | None) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The first sheet (or ``sheet``): the first non-empty row is the header; rows keep Excel's numbers.
    ``most``: stop after one row more than that (the caller refuses)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ValueError(f"no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, dict[str, str]]] = []
        for number, cells in enumerate(ws.iter_rows(), start=1):
            texts = [_cell(c.value, str(getattr(c, "number_format", "") or "")).strip() for c in cells]
            if not any(texts):
                continue
            if header is None:
                header = texts
            else:
                rows.append((number, dict(zip(header, texts, strict=False))))
                if most is not None and len(rows) > most:
                    break
        return header or [], rows
    finally:
        book.close()


def read(path: Path, options: LoadOptions) -> Source:
    """The CSV and Excel (.xlsx) files of a folder (or one file) through ``options.mapping``."""
    if not options.mapping:
        raise InputError("the mapped format needs --mapping NAME_OR_FILE (shipped: " + ", ".join(shipped()) + ")")
    mapping = load_mapping(options.mapping)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.endswith(".rejected.csv"))
    elif path.is_file():
        files = [path]
    else:
        raise InputError(f"{path} does not exist")
    source = Source("mapped", str(path.resolve()), native_rows=False)
    key = id_key()
    builders = {stem: TableBuilder(stem, path.name) for stem in SPECS}
    fatal: list[Problem] = []
    skipped: Counter[tuple[str, int]] = Counter()
    first_skipped: dict[tuple[str, int], int] = {}
    for f in files:
        if f.suffix.lower() not in {".csv", ".xlsx"}:
            continue
        entry = mapping.for_file(f.name)
        if entry is None:
            source.warnings.append(
                LoadWarning(
                    "ignored_file",
                    f.name,
                    None,
                    None,
                    None,
                    None,
                    f"mapping {mapping.name} has no entry matching this file; not read",
                )
            )
            continue
        if f.suffix.lower() == ".xlsx":
            enc = "xlsx"
            try:
                header, rows = _read_xlsx(f, entry.sheet, options.max_records)
            except (OSError, ValueError, KeyError) as exc:
                fatal.append(Problem(f.name, None, None, None, f"cannot read the workbook: {exc}"))
                continue
        else:
            enc = (
                encodings.normalise(options.encoding or entry.encoding or "")
                if (options.encoding or entry.encoding)
                else encodings.detect(f)
            )
            try:
                header, rows = _read_csv(f, enc, options.max_records)
            except (UnicodeError, OSError, csv.Error) as exc:
                fatal.append(Problem(f.name, None, None, None, f"cannot read the file as {enc}: {exc}; try --encoding"))
                continue
        if options.max_records is not None and len(rows) > options.max_records:
            fatal.append(too_many_records(f.name, options.max_records))
            continue
        fatal += [Problem(f.name, 1, h, None, r) for h in header if (r := prohibited_reason(h)) is not None]
        for out in entry.outputs:
            needed = {c.column for c in out.where} | {s for spec in out.columns.values() for s in spec.sources()}
            for name in sorted(needed - set(header)):
                fatal.append(
                    Problem(
                        f.name,
                        1,
                        name,
                        None,
                        f"mapping {mapping.name} reads column {name!r}, which this file lacks; its header has "
                        + ", ".join(header),
                    )
                )
        source.encodings[f.name] = enc
        source.files[f.name] = len(rows)
        if fatal:
            continue
        for line, row in rows:
            for index, out in enumerate(entry.outputs):
                if not all(c.holds(row) for c in out.where):
                    continue
                values = {c: spec.apply(row, key) for c, spec in out.columns.items()}
                if any(not values.get(c) for c in out.require):
                    skipped[(f.name, index)] += 1
                    first_skipped.setdefault((f.name, index), line)
                    continue
                builders[out.table].add(values, Location(f.name, line))
    if fatal:
        raise LoadRejected(fatal, "these stop the files from being read through the mapping; fix them first")
    for (name, index), count in sorted(skipped.items()):
        entry = mapping.for_file(name)
        assert entry is not None
        out = entry.outputs[index]
        source.warnings.append(
            LoadWarning(
                "mapping_skipped",
                name,
                first_skipped[(name, index)],
                None,
                ",".join(out.require),
                None,
                f"{count} row(s) make no {out.table} row: {', '.join(out.require)} came out empty",
                count,
            )
        )
    if not any(b.rows for b in builders.values()):
        raise InputError(f"{path}: mapping {mapping.name} made no rows from {', '.join(f.name for f in files)}")
    for builder in builders.values():
        builder.add_to(source)
    return source


__all__ = ["ColumnMapping", "load_mapping", "parse", "read", "shipped"]
