"""Fit real files to the canonical format before validation, saying what was done (warnings, never silence).

- Dates: ``2019``, ``2019-06``, ``2019/6/1``, ``2019年6月1日``, ``20190601`` and ISO date-times are read as dates. A
  year or month alone starts on its first day in a start column (valid_from, act_date, determined_on,
  status_since) and ends on its last day in an end column (valid_to, valid_until); each such column gets a
  ``partial_date`` warning naming the precision, and the precision is stored beside the date
  (``valid_from_precision`` …) for answers to show. Anything else is left for validation to refuse.
- Ratios: ``60%`` is 60 percent; with ``--ratio-scale fraction`` plain numbers are fractions (0.6 → 60). A file
  whose ratios all lie in 0..1 read as percent gets a ``ratio_scale`` warning. Shares of one company that add up to
  more than 100 % on a date, counting the holdings already stored in the same companies, get a
  ``shares_over_100`` warning.
- Role titles: aliases resolve as in validation; a title naming several roles (执行董事兼总经理, 董事、总经理)
  becomes one role per part. The title as written is kept on the stored role (``title``) and in the load report
  (``role_titles``).
- Fields that carry no meaning for their row are ignored with an ``ignored_field`` warning: a severity on a red
  (incentive) entry, a ratio on a role that is not a shareholding.
- An empty scope takes ``--default-scope`` when given (``default_scope`` warning).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.loading import LoadOptions, LoadWarning, RatioScale, Unmarked
from graphsvc.stores.base import PRECISE_DATES, GraphStore, precision_column
from graphsvc.stores.duck import fetch_all
from graphsvc.vocab import PRE_LISTING_STATUSES
from graphsvc.vocabulary import resolvers, vocabulary
from loaders.reading import ROW, RawFile
from loaders.source import Location, Source
from loaders.validation import canonical

START_COLUMNS = {"roles": ("valid_from",), "entries": ("act_date", "determined_on", "status_since", "published_on")}
END_COLUMNS = {"roles": ("valid_to",), "entries": ("valid_until",)}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?"), "day"),
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), "day"),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), "day"),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), "day"),
    (re.compile(r"(\d{4})[-/.](\d{1,2})"), "month"),
    (re.compile(r"(\d{4})年(\d{1,2})月?"), "month"),
    (re.compile(r"(\d{4})年?"), "year"),
)
_HOLDING_COLUMNS = ("source_id", "role", "target_id", "ratio", "valid_from", "valid_to")
TITLE_SEPARATORS = re.compile(r"\s*(?:兼任|兼|、|，|,|/|／|;|；|\s+and\s+|&)\s*")


def parse_date(text: str, *, end: bool) -> tuple[str, str] | None:
    """(ISO date, precision day|month|year), or None when the text is no date this reader knows."""
    value = text.strip()
    for pattern, precision in _PATTERNS:
        m = pattern.fullmatch(value)
        if m is None:
            continue
        year = int(m.group(1))
        month = int(m.group(2)) if precision in {"day", "month"} else (12 if end else 1)
        try:
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            day = int(m.group(3)) if precision == "day" else (last if end else 1)
            return dt.date(year, month, day).isoformat(), precision
        except ValueError:
            return None
    return None


@dataclass
class Fitted:
    raws: dict[str, RawFile]
    warnings: list[LoadWarning] = field(default_factory=list)
    role_titles: dict[str, list[str]] = field(default_factory=dict)


def _replace_values(table: pa.Table, column: str, mapping: dict[str, str | None]) -> pa.Table:
    if not mapping:
        return table
    values = table.column(column).combine_chunks()
    source = pa.array(list(mapping), pa.string())
    index = pc.index_in(values, value_set=source)
    replaced = pc.take(pa.array(list(mapping.values()), pa.string()), index)
    fixed = pc.if_else(pc.is_null(index), values, replaced)
    return table.set_column(table.column_names.index(column), column, fixed)


def _rows_with(table: pa.Table, column: str, values: list[str]) -> list[int]:
    mask = pc.is_in(table.column(column), value_set=pa.array(values, pa.string()))
    return _row_numbers(table.filter(mask))


def _where(table: pa.Table, column: str, mask: Any, value: str | None) -> pa.Table:
    """``column`` set to ``value`` on the rows of ``mask``, as it was elsewhere."""
    changed = pc.if_else(mask, pa.scalar(value, pa.string()), table.column(column))
    return table.set_column(table.column_names.index(column), column, changed)


def _row_numbers(table: pa.Table) -> list[int]:
    return [int(r) for r in table.column(ROW).to_pylist() if r is not None]


def _distinct(table: pa.Table, column: str) -> list[str]:
    return [str(v) for v in pc.unique(pc.drop_null(table.column(column).combine_chunks())).to_pylist()]


class _Fitter:
    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self.warnings: list[LoadWarning] = []
        self.role_titles: dict[str, list[str]] = {}
        self.extra_rows: dict[int, int] = {}  # role row added for a combined title -> its original row

    def warn(
        self, kind: str, raw: RawFile, rows: list[int], column: str | None, value: str | None, message: str
    ) -> None:
        if not rows:
            return
        more = f" ({len(rows)} rows; the first is named)" if len(rows) > 1 else ""
        self.warnings.append(
            LoadWarning(kind, raw.path.name, min(rows), None, column, value, message + more, len(rows))
        )

    # -- dates ---------------------------------------------------------------------------------------------
    def dates(self, raw: RawFile, stem: str) -> RawFile:
        table = raw.table
        columns = [(c, False) for c in START_COLUMNS.get(stem, ())] + [(c, True) for c in END_COLUMNS.get(stem, ())]
        for column, end in columns:
            mapping: dict[str, str | None] = {}
            partial: dict[str, list[str]] = {}
            for value in _distinct(table, column):
                if _ISO.fullmatch(value):
                    continue
                parsed = parse_date(value, end=end)
                if parsed is None:
                    continue
                mapping[value] = parsed[0]
                if parsed[1] != "day":
                    partial.setdefault(parsed[1], []).append(value)
            kept = column in PRECISE_DATES.get(stem, ())
            for precision, values in partial.items():
                first = values[0]
                assert mapping[first] is not None
                self.warn(
                    "partial_date",
                    raw,
                    _rows_with(table, column, values),
                    column,
                    first,
                    f"a date of {precision} precision is read as {mapping[first]} "
                    f"({'the last' if end else 'the first'} day of its {precision})"
                    + (f"; {precision_column(column)} keeps the precision" if kept else ""),
                )
            table = self._keep_precision(table, column, partial)
            table = _replace_values(table, column, mapping)
        return replace(raw, table=table)

    @staticmethod
    def _keep_precision(table: pa.Table, column: str, partial: dict[str, list[str]]) -> pa.Table:
        """``<column>_precision`` of each row written as a partial date; a precision the file gives stays."""
        target = precision_column(column)
        if not partial or target not in table.column_names:
            return table
        by_value = {value: precision for precision, values in partial.items() for value in values}
        index = pc.index_in(table.column(column), value_set=pa.array(list(by_value), pa.string()))
        found = pc.take(pa.array(list(by_value.values()), pa.string()), index)
        kept: pa.ChunkedArray[Any] = pc.coalesce(table.column(target), pa.chunked_array([found]))
        return table.set_column(table.column_names.index(target), target, kept)

    # -- ratios ---------------------------------------------------------------------------------------------
    def ratios(self, raw: RawFile) -> RawFile:
        table = raw.table
        mapping: dict[str, str | None] = {}
        numbers: list[float] = []
        fraction = self.options.ratio_scale is RatioScale.FRACTION
        for value in _distinct(table, "ratio"):
            text = value.replace("％", "%").replace(" ", "")
            percent_sign = text.endswith("%")
            try:
                number = float(text.rstrip("%"))
            except ValueError:
                continue
            if percent_sign:
                mapping[value] = _number(number)
            elif fraction:
                mapping[value] = _number(number * 100.0)
            else:
                numbers.append(number)
        table = _replace_values(table, "ratio", mapping)
        if not fraction and numbers and all(0.0 <= n <= 1.0 for n in numbers) and any(0.0 < n < 1.0 for n in numbers):
            rows = _row_numbers(table.filter(pc.is_valid(table.column("ratio"))))
            self.warn(
                "ratio_scale",
                raw,
                rows,
                "ratio",
                _distinct(table, "ratio")[0],
                "every ratio of this file lies between 0 and 1, read as percent (0.6 = 0.6 %); "
                "if they are fractions, load with --ratio-scale fraction",
            )
        return replace(raw, table=table)

    def shares_over_100(self, raw: RawFile, store: GraphStore | None) -> None:
        """Holdings of one company adding up to over 100 % on some day: the load's own rows, and the holdings the
        store already has in the same companies (a stored holding the load restates counts once, as loaded)."""
        ratio_roles = sorted(vocabulary().ratio_roles())
        loaded = raw.table.filter(pc.is_in(raw.table.column("role"), value_set=pa.array(ratio_roles, pa.string())))
        if not loaded.num_rows:
            return
        if store is not None:
            targets = pc.unique(pc.drop_null(loaded.column("target_id")).combine_chunks())
            stored = store.holdings_at(targets).cast(pa.schema([(n, pa.string()) for n in _HOLDING_COLUMNS]))
        else:
            stored = pa.table({n: pa.array([], pa.string()) for n in _HOLDING_COLUMNS})
        con = duckdb.connect()
        try:
            con.register("roles", loaded)
            con.register("stored", stored)
            rows = fetch_all(
                con,
                # A sweep over the days holdings start and end (one pass per company, so a company with
                # 100,000 shareholders costs 200,000 events, not their product).
                f"""WITH loaded AS (
                        SELECT {ROW} AS row, source_id, role, target_id, ratio, valid_from, valid_to FROM roles),
                    kept AS (
                        SELECT NULL::BIGINT AS row, s.* FROM stored s
                        WHERE NOT EXISTS (SELECT 1 FROM loaded l
                                          WHERE l.source_id = s.source_id AND l.role = s.role
                                            AND l.target_id = s.target_id
                                            AND l.valid_from IS NOT DISTINCT FROM s.valid_from)),
                    h_all AS MATERIALIZED (
                        SELECT row, target_id, TRY_CAST(ratio AS DOUBLE) AS r,
                               coalesce(TRY_CAST(valid_from AS DATE), DATE '0001-01-01') AS f,
                               TRY_CAST(valid_to AS DATE) AS t
                        FROM (SELECT * FROM loaded UNION ALL BY NAME SELECT * FROM kept)
                        WHERE TRY_CAST(ratio AS DOUBLE) IS NOT NULL
                          AND coalesce(TRY_CAST(valid_to AS DATE), DATE '9999-12-31')
                              >= coalesce(TRY_CAST(valid_from AS DATE), DATE '0001-01-01')),
                    -- only a company whose holdings add up to over 100 % regardless of dates can pass it on a day
                    suspects AS (SELECT target_id FROM h_all GROUP BY target_id HAVING sum(r) > 100.0 + 1e-6),
                    h AS (SELECT * FROM h_all SEMI JOIN suspects USING (target_id)),
                    ev AS (SELECT target_id, f AS day, r AS delta, 1 AS n FROM h
                           UNION ALL
                           SELECT target_id, CAST(t + INTERVAL 1 DAY AS DATE), -r, -1 FROM h
                           WHERE t IS NOT NULL AND t < DATE '9999-12-31'),
                    agg AS (SELECT target_id, day, sum(delta) AS delta, sum(n) AS n FROM ev GROUP BY target_id, day),
                    run AS (SELECT target_id, day,
                                   sum(delta) OVER (PARTITION BY target_id ORDER BY day) AS total,
                                   sum(n) OVER (PARTITION BY target_id ORDER BY day) AS n
                            FROM agg),
                    top AS (SELECT *, row_number() OVER (PARTITION BY target_id ORDER BY total DESC, day) AS k
                            FROM run WHERE total > 100.0 + 1e-6),
                    first_row AS (SELECT target_id, min(row) AS row FROM h WHERE row IS NOT NULL GROUP BY target_id),
                    held AS (SELECT target_id, count(*) AS stored FROM kept GROUP BY target_id)
                    SELECT top.target_id, top.day, top.total, top.n, first_row.row, coalesce(held.stored, 0)
                    FROM top JOIN first_row USING (target_id) LEFT JOIN held USING (target_id)
                    WHERE k = 1 ORDER BY first_row.row""",
            )
        finally:
            con.close()
        for target, day, total, n, row, held in rows:
            since = "" if day == dt.date(1, 1, 1) else f" on {day.isoformat()}"
            held_text = f", {held} of them already in the store" if held else ""
            self.warnings.append(
                LoadWarning(
                    "shares_over_100",
                    raw.path.name,
                    int(row),
                    None,
                    "ratio",
                    str(target),
                    f"the {n} holdings in {target}{held_text} add up to {total:.6g} %{since}; loaded as given",
                )
            )

    # -- role titles and fields without meaning ------------------------------------------------------------
    def roles(self, raw: RawFile) -> RawFile:
        resolver = resolvers()["role"]
        table = raw.table
        splits: dict[str, list[str]] = {}
        for value in _distinct(table, "role"):
            slug = resolver.resolve(value)
            if slug is not None:
                if slug != value:
                    self.role_titles[value] = [slug]
                continue
            parts = [p for p in TITLE_SEPARATORS.split(value) if p]
            slugs = [resolver.resolve(p) for p in parts]
            if len(parts) > 1 and all(s is not None for s in slugs):
                unique = list(dict.fromkeys(s for s in slugs if s is not None))
                splits[value] = unique
                self.role_titles[value] = unique
        table = self._keep_titles(table, set(self.role_titles))
        if splits:
            table = self._split_titles(table, splits)
        table = canonical(table, "roles")
        ratio_roles = set(vocabulary().ratio_roles())
        others = [r for r in _distinct(table, "role") if r in resolver.slugs and r not in ratio_roles]
        if others:
            mask = pc.and_(
                pc.is_valid(table.column("ratio")),
                pc.is_in(table.column("role"), value_set=pa.array(others, pa.string())),
            )
            rows = _row_numbers(table.filter(mask))
            if rows:
                self.warn(
                    "ignored_field",
                    raw,
                    rows,
                    "ratio",
                    None,
                    "a ratio on a role that is not a shareholding carries no meaning; ignored",
                )
                table = _where(table, "ratio", mask, None)
        return replace(raw, table=table)

    @staticmethod
    def _keep_titles(table: pa.Table, titles: set[str]) -> pa.Table:
        """The title as written goes to ``title`` on every row whose role was an alias or a combined title (a
        title column the file gives stays)."""
        if not titles or "title" not in table.column_names:
            return table
        role = table.column("role")
        written = pc.if_else(
            pc.is_in(role, value_set=pa.array(sorted(titles), pa.string())), role, pa.scalar(None, pa.string())
        )
        given = table.column("title")
        return table.set_column(table.column_names.index("title"), "title", pc.coalesce(given, written))

    def _split_titles(self, table: pa.Table, splits: dict[str, list[str]]) -> pa.Table:
        """One row per role named by a combined title; the added rows get new numbers that point at the original."""
        next_row = int(pc.max(table.column(ROW)).as_py() or 1) + 1
        parts: list[pa.Table] = []
        first = {title: roles[0] for title, roles in splits.items()}
        for title, roles in splits.items():
            picked = table.filter(pc.equal(table.column("role"), pa.scalar(title, pa.string())))
            for role in roles[1:]:
                rows = _row_numbers(picked)
                numbers = list(range(next_row, next_row + len(rows)))
                next_row += len(rows)
                self.extra_rows.update({n: int(r) for n, r in zip(numbers, rows, strict=True)})
                extra = picked.set_column(picked.column_names.index("role"), "role", pa.array([role] * len(rows)))
                extra = extra.set_column(extra.column_names.index(ROW), ROW, pa.array(numbers, pa.int64()))
                parts.append(extra)
        table = _replace_values(table, "role", dict(first.items()))
        return pa.concat_tables([table, *parts])

    def entries(self, raw: RawFile) -> RawFile:
        table = canonical(raw.table, "entries")
        incentive = vocabulary().incentive()
        mask = pc.and_(
            pc.is_valid(table.column("severity")),
            pc.is_in(table.column("list_type"), value_set=pa.array(list(incentive), pa.string())),
        )
        rows = _row_numbers(table.filter(mask))
        if rows:
            self.warn(
                "ignored_field",
                raw,
                rows,
                "severity",
                None,
                f"{', '.join(incentive)} entries carry no severity; the severity is ignored",
            )
            table = _where(table, "severity", mask, None)
        scope = self.options.default_scope
        if scope is not None:
            empty = pc.is_null(table.column("scope"))
            rows = _row_numbers(table.filter(empty))
            if rows:
                self.warn(
                    "default_scope",
                    raw,
                    rows,
                    "scope",
                    scope,
                    f"no scope given: the deployment default {scope!r} (--default-scope) is used",
                )
                table = _where(table, "scope", empty, scope)
        if self.options.unmarked is Unmarked.ASSUME_PUBLISHED:
            table = self._assume_published(raw, table)
        return replace(raw, table=table)

    def _assume_published(self, raw: RawFile, table: pa.Table) -> pa.Table:
        """The operator's import (Unmarked.ASSUME_PUBLISHED): an entry past its listing without publication marks
        is kept as its source has it, published by its department on its determination date; one without a
        department, or determined after the load's date, stays unmarked. Each with a warning."""
        unmarked = pc.and_(
            pc.and_(pc.is_null(table.column("published_by")), pc.is_null(table.column("published_on"))),
            pc.and_(
                pc.is_valid(table.column("status")),
                pc.invert(pc.is_in(table.column("status"), value_set=pa.array(sorted(PRE_LISTING_STATUSES)))),
            ),
        )
        # Only a determination that is a date is considered (validation names any other); one by the load's date
        # is taken as the publication date. Every part is a null test or a membership of a present value: the
        # masks hold no nulls.
        today = self.options.load_date.isoformat()
        dates = [v for v in _distinct(table, "determined_on") if _ISO.fullmatch(v) and _is_date(v)]
        determined = pc.is_in(table.column("determined_on"), value_set=pa.array(dates, pa.string()))
        past = pa.array([d for d in dates if d <= today], pa.string())
        published = pc.is_in(table.column("determined_on"), value_set=past)
        unmarked = pc.and_(unmarked, determined)
        known = pc.and_(pc.and_(unmarked, published), pc.is_valid(table.column("department")))
        unknown = pc.and_(unmarked, pc.invert(known))
        self.warn(
            "publication_assumed",
            raw,
            _row_numbers(table.filter(known)),
            "published_by",
            None,
            "an entry past its listing without published_by / published_on is loaded as published by its "
            "department on its determined_on (the operator's import of published lists)",
        )
        self.warn(
            "publication_unmarked",
            raw,
            _row_numbers(table.filter(unknown)),
            "published_by",
            None,
            "an entry past its listing names neither its publisher nor its department, or is determined after the "
            "load's date: loaded without publication marks",
        )
        for column, source in (("published_by", "department"), ("published_on", "determined_on")):
            filled = pc.if_else(known, table.column(source), table.column(column))
            table = table.set_column(table.column_names.index(column), column, filled)
        return table


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _number(value: float) -> str:
    return f"{value:.10g}"


def fit(source: Source, options: LoadOptions, store: GraphStore | None = None) -> Source:
    """The source with every fit rule applied; warnings and role titles added to it. With ``store``, shares are
    summed with the holdings it already has in the same companies."""
    fitter = _Fitter(options)
    raws = dict(source.raws)
    steps: dict[str, list[Callable[[RawFile], RawFile]]] = {
        "roles": [lambda r: fitter.dates(r, "roles"), fitter.roles, fitter.ratios],
        "entries": [lambda r: fitter.dates(r, "entries"), fitter.entries],
    }
    for stem, functions in steps.items():
        raw = raws.get(stem)
        if raw is None:
            continue
        for function in functions:
            raw = function(raw)
        raws[stem] = raw
    if "roles" in raws:
        fitter.shares_over_100(raws["roles"], store)
    source.raws = raws
    # Rows added for combined titles point where their original row points.
    extra = fitter.extra_rows
    if extra and "roles" in raws:
        name = raws["roles"].path.name
        table = source.locations.setdefault(name, {})
        for new, old in extra.items():
            table[new] = table.get(old, Location(name, old))
    source.warnings += [source.warning(w) for w in fitter.warnings]
    for title, roles in fitter.role_titles.items():
        source.role_titles[title] = roles
    return source


__all__ = ["END_COLUMNS", "START_COLUMNS", "TITLE_SEPARATORS", "fit", "parse_date"]
