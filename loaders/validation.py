"""Validate raw canonical tables: every problem is reported at once, with file, row, column and value.

Checks run as SQL over the raw string tables in an in-memory DuckDB (fast enough for millions of rows);
identifier check characters run vectorised in graphsvc.identifiers. References are resolved against the
rows of this load and, for ids not in it, against the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.errors import Problem
from graphsvc.identifiers import id_number_problems, uscc_problems
from graphsvc.loading import LoadOptions, Unmarked
from graphsvc.stores.base import (
    DATE_PRECISIONS,
    ENTRY_DATES_SCHEMA,
    PRECISE_DATES,
    SCHEMAS,
    GraphStore,
    precision_column,
)
from graphsvc.stores.duck import fetch_all, fetch_arrow
from graphsvc.vocab import CLOSED_STATUSES, ORGANISATION_KINDS, PRE_LISTING_STATUSES, EntryStatus, Severity
from graphsvc.vocabulary import resolvers, vocabulary
from loaders import person_ids
from loaders.reading import ROW, RawFile

# The enumerated columns of each input table, checked against the vocabulary (graphsvc/vocabulary.py).
_ENUM_COLUMNS: dict[str, tuple[str, ...]] = {
    "subjects": ("kind",),
    "roles": ("role",),
    "entries": ("list_type", "domain", "severity", "status", "scope"),
    "statuses": ("status",),
}
_SEVERITY_RANK: dict[str, int] = {Severity.GENERAL: 0, Severity.FAIRLY_SERIOUS: 1, Severity.SERIOUS: 2}

_DATE_RE = r"\d{4}-\d{2}-\d{2}"


# The turned rows of a roles file (for its duplicates and for storing) are made this many at a time, so that the
# validation's working memory is bounded by it, not by the file; the checks themselves stream over the file.
ROLE_CHUNK_ROWS = 4_000_000


def _chunks(table: pa.Table, rows: int) -> list[pa.Table]:
    """Zero-copy slices of ``rows`` rows (one empty slice for an empty table)."""
    return [table.slice(start, rows) for start in range(0, max(table.num_rows, 1), rows)]


def _wrong_kind(person_only: str, org_pair: str, has_role: str) -> str:
    """A role's ends of kinds it does not allow, over ``source_kind`` and ``target_kind`` (both known): a
    person-only role held by an organisation, any role pointing at a person, an organisations' role held by a
    person. The arguments say, as SQL, whether the role is person-only, between organisations, present."""
    orgs = _list(ORGANISATION_KINDS)
    return (
        f"(({person_only}) AND source_kind <> 'person') OR (({has_role}) AND NOT list_contains({orgs}, target_kind)) "
        f"OR (({org_pair}) AND source_kind = 'person')"
    )


def _content(attrs: tuple[str, ...]) -> str:
    """A row's content, beside its key, as one string: rows with equal keys and equal content are repeats."""
    return " || '|' || ".join(f"coalesce(CAST({a} AS VARCHAR), '\x00')" for a in attrs) or "''"


def _role_ends_sql(roles: str, known: tuple[str, ...]) -> str:
    """The rows of ``roles`` with an end that is no known subject, or of a kind the role does not allow, with both
    ends' kinds (row, source_id, role, target_id, source_kind, target_kind). ``known``: tables of (subject_id,
    kind), the first that knows an id decides. The join carries only the row number, the role's class and the
    kinds; the few rows found are joined back for their ids."""
    vocab = vocabulary()
    person_only, org_pair = _list(vocab.person_only_roles()), _list(vocab.organisation_pair_roles())
    joins = " ".join(
        f"LEFT JOIN {table} {end}{i} ON {end}{i}.subject_id = t.{end}_id"
        for i, table in enumerate(known)
        for end in ("source", "target")
    )

    def kind(end: str) -> str:
        found = ", ".join(f"{end}{i}.kind" for i in range(len(known)))
        return f"coalesce({found})" if len(known) > 1 else found

    return f"""WITH k AS (
            SELECT t.{ROW}, t.source_id IS NULL AS no_source, t.target_id IS NULL AS no_target,
                   t.role IS NULL AS no_role, list_contains({person_only}, t.role) AS person_only,
                   list_contains({org_pair}, t.role) AS org_pair,
                   {kind("source")} AS source_kind, {kind("target")} AS target_kind
            FROM {roles} t {joins}),
        wrong AS (
            SELECT * FROM k
            WHERE (NOT no_source AND source_kind IS NULL) OR (NOT no_target AND target_kind IS NULL)
               OR {_wrong_kind("person_only", "org_pair", "NOT no_role")})
        SELECT t.{ROW}, t.source_id, t.role, t.target_id, w.source_kind, w.target_kind
        FROM {roles} t JOIN wrong w USING ({ROW}) ORDER BY t.{ROW}"""


def _unresolved(ends: pa.Table) -> pa.Array[Any]:
    """The ids at ends of unknown kind: neither this load's subjects nor, yet, looked up in the store."""
    parts = [
        _flat(ends.column(f"{end}_id").filter(pc.is_null(ends.column(f"{end}_kind")))) for end in ("source", "target")
    ]
    return pc.unique(pc.drop_null(pa.concat_arrays(parts)))


def _flat(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(items: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(_lit(i) for i in sorted(items)) + "]"


def canonical(table: pa.Table, stem: str) -> pa.Table:
    """The table with every alias in its enumerated columns replaced by the vocabulary's slug (董事长 →
    director, 黑名单 → black); values no table knows stay as they are, for the checks to report."""
    for column in _ENUM_COLUMNS.get(stem, ()):
        if column not in table.column_names:
            continue
        resolver = resolvers()[column]
        values_ = table.column(column).combine_chunks()
        distinct: list[str] = [v for v in pc.unique(pc.drop_null(values_)).to_pylist() if v is not None]
        mapping = {v: resolver.resolve(v) for v in distinct}
        changed = {v: s for v, s in mapping.items() if s is not None and s != v}
        if not changed:
            continue
        source = pa.array(list(changed), pa.string())
        index = pc.index_in(values_, value_set=source)
        replaced = pc.take(pa.array(list(changed.values()), pa.string()), index)
        fixed = pc.if_else(pc.is_null(index), values_, replaced)
        table = table.set_column(table.column_names.index(column), column, fixed)
    return table


def _required(*columns: str) -> list[tuple[str, str, str]]:
    return [(c, f"{c} IS NULL", _lit("required value is empty")) for c in columns]


def _date_checks(*columns: str) -> list[tuple[str, str, str]]:
    return [
        (
            c,
            f"{c} IS NOT NULL AND (NOT regexp_full_match({c}, '{_DATE_RE}') OR TRY_CAST({c} AS DATE) IS NULL)",
            _lit("not a date; write YYYY-MM-DD"),
        )
        for c in columns
    ]


def _precision_checks(stem: str) -> list[tuple[str, str, str]]:
    """``<date>_precision``: year, month or day (or empty), and only beside a date."""
    allowed = _list((*DATE_PRECISIONS, "day"))
    checks: list[tuple[str, str, str]] = []
    for date in PRECISE_DATES[stem]:
        column = precision_column(date)
        checks += [
            (
                column,
                f"{column} IS NOT NULL AND NOT list_contains({allowed}, lower({column}))",
                _lit(f"the precision of {date} is year, month or day (or empty for a whole date)"),
            ),
            (column, f"{column} IS NOT NULL AND {date} IS NULL", _lit(f"a precision without a {date}")),
        ]
    return checks


def _precision_select(stem: str) -> str:
    """The precision columns as stored: year or month, empty for a whole date (day)."""
    return ", ".join(
        f"CASE WHEN lower({c}) = 'day' THEN NULL ELSE lower({c}) END AS {c}"
        for c in (precision_column(d) for d in PRECISE_DATES[stem])
    )


def _name(raw: RawFile | None, default: str) -> str:
    """The input file's name (subjects.csv or subjects.parquet), for messages that point at its rows."""
    return raw.path.name if raw is not None else default


def _date(column: str) -> str:
    return f"TRY_CAST({column} AS DATE)"


@dataclass
class Validated:
    """Clean typed tables per store table, and the rows rejected per file."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rejected_rows: dict[str, set[int]] = field(default_factory=dict)


class Validator:
    def __init__(self, store: GraphStore, options: LoadOptions | None = None) -> None:
        self._store = store
        self._options = options or LoadOptions()
        self._con = duckdb.connect()
        self.result = Validated()
        self._repeats: dict[str, set[int]] = {}  # identical repeated rows per file, dropped silently
        # Person ids that give the person away -> as messages print them (loaders/person_ids.py).
        self._shown_ids: dict[str, str] = {}

    def close(self) -> None:
        self._con.close()

    # -- plumbing ----------------------------------------------------------------------------------------
    def _register(self, name: str, table: pa.Table) -> None:
        self._con.register(name, table)

    def _run_checks(self, raw: RawFile, table: str, checks: list[tuple[str, str, str]]) -> None:
        """Each check's rows: one scan of the table picks the rows that fail any check (few, as a rule), and the
        checks' messages are made from those rows only."""
        if not checks:
            return
        failing = " OR ".join(f"({cond})" for _, cond, _ in checks)
        fetch_all(self._con, f"CREATE OR REPLACE TEMP TABLE failing_rows AS SELECT * FROM {table} WHERE {failing}")
        parts = [
            f"SELECT {ROW} AS row, {_lit(col)} AS col, CAST({col} AS VARCHAR) AS value, {reason} AS reason "
            f"FROM failing_rows WHERE {cond}"
            for col, cond, reason in checks
        ]
        rows = fetch_all(self._con, " UNION ALL ".join(parts) + " ORDER BY row, col")
        fetch_all(self._con, "DROP TABLE failing_rows")
        self._add(raw, rows)

    def _add(self, raw: RawFile, rows: Sequence[tuple[Any, Any, Any, Any]]) -> None:
        bad = self.result.rejected_rows.setdefault(raw.path.name, set())
        for row, col, value, reason in rows:
            masked = self._shown_ids.get(value) if self._shown_ids and isinstance(value, str) else None
            if masked is not None:  # a reference to a refused person id: never printed in full
                value, reason = masked, str(reason).replace(value, masked)
            self.result.problems.append(Problem(raw.path.name, int(row), col, value, reason))
            bad.add(int(row))

    def _identifier_checks(self, raw: RawFile, column: str, check: str) -> None:
        values_ = raw.table.column(column).combine_chunks()
        reasons = uscc_problems(values_) if check == "uscc" else id_number_problems(values_)
        rows = raw.table.column(ROW).to_pylist()
        found = [(rows[i], column, values_[i].as_py(), r) for i, r in enumerate(reasons) if r is not None]
        self._add(raw, found)

    def _duplicates(self, raw: RawFile, table: str, key: tuple[str, ...], attrs: tuple[str, ...], what: str) -> None:
        """Same key, different content: every such row is a problem. Identical repeats are dropped, keeping the first.

        Keys are grouped by hash first, so only the few candidate rows are compared column by column.
        """
        k = ", ".join(key)
        content = _content(attrs)
        fetch_all(
            self._con,
            f"""CREATE OR REPLACE TEMP TABLE dup_candidates AS
                WITH keyed AS (SELECT {ROW}, hash({k}) AS kh FROM {table}),
                     repeated AS (SELECT kh FROM keyed GROUP BY kh HAVING count(*) > 1)
                SELECT t.*, {content} AS content FROM {table} t
                JOIN keyed USING ({ROW}) WHERE keyed.kh IN (SELECT kh FROM repeated)""",
        )
        self._report_duplicates(raw, key, what)

    def _report_duplicates(self, raw: RawFile, key: tuple[str, ...], what: str) -> None:
        """The problems and the identical repeats among dup_candidates (rows whose key's hash repeats)."""
        k = ", ".join(key)
        rows = fetch_all(
            self._con,
            f"""WITH d AS (SELECT {k}, list_sort(list({ROW})) AS rows FROM dup_candidates GROUP BY {k}
                           HAVING count(DISTINCT content) > 1)
                SELECT t.{ROW}, {_lit(key[0])}, CAST(t.{key[0]} AS VARCHAR),
                       'duplicate {what} with conflicting content on rows ' || array_to_string(d.rows, ', ')
                FROM dup_candidates t JOIN d USING ({k}) ORDER BY t.{ROW}""",
        )
        self._add(raw, rows)
        repeats = fetch_all(
            self._con,
            f"""SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {k}, content ORDER BY {ROW}) AS n
                                   FROM dup_candidates) WHERE n > 1""",
        )
        self._repeats.setdefault(raw.path.name, set()).update(int(r[0]) for r in repeats)
        fetch_all(self._con, "DROP TABLE dup_candidates")

    def _clean(self, raw: RawFile, table: str, select: str) -> pa.Table:
        """Rows without problems, typed, without identical repeats of a key."""
        skip = self.result.rejected_rows.get(raw.path.name, set()) | self._repeats.get(raw.path.name, set())
        if not skip:
            return fetch_arrow(self._con, f"SELECT {select} FROM {table}")
        self._register("skip_rows", pa.table({"row": pa.array(sorted(skip), pa.int64())}))
        out = fetch_arrow(self._con, f"SELECT {select} FROM {table} WHERE {ROW} NOT IN (SELECT row FROM skip_rows)")
        self._con.unregister("skip_rows")
        return out

    def _vocabulary_checks(self, raw: RawFile, table: str, stem: str) -> None:
        """Values outside the vocabulary (after aliases), each refused with the allowed values and the nearest."""
        for column in _ENUM_COLUMNS[stem]:
            resolver = resolvers()[column]
            distinct = pc.unique(pc.drop_null(raw.table.column(column).combine_chunks())).to_pylist()
            unknown = sorted(str(v) for v in distinct if v is not None and v not in resolver.slugs)
            if not unknown:
                continue
            self._register("unknown_values", pa.table({"value": pa.array(unknown, pa.string())}))
            rows = fetch_all(
                self._con,
                f"SELECT {ROW}, {column} FROM {table} WHERE {column} IN (SELECT value FROM unknown_values) "
                f"ORDER BY {ROW}",
            )
            self._con.unregister("unknown_values")
            self._add(raw, [(row, column, value, resolver.refusal(value)) for row, value in rows])

    # -- subjects ------------------------------------------------------------------------------------------
    def subjects(self, raw: RawFile) -> None:
        self._register("raw_subjects", raw.table)
        self._vocabulary_checks(raw, "raw_subjects", "subjects")
        self._person_ids(raw)
        checks = [
            *_required("subject_id", "kind", "name"),
            (
                "uscc",
                "uscc IS NOT NULL AND kind = 'person'",
                _lit("persons carry id_number, not uscc (SUB-08); move it to id_number"),
            ),
            (
                "id_number",
                "id_number IS NOT NULL AND kind IS NOT NULL AND kind <> 'person'",
                _lit("only persons carry an id_number; organisations carry uscc (SUB-07)"),
            ),
        ]
        self._run_checks(raw, "raw_subjects", checks)
        self._identifier_checks(raw, "uscc", "uscc")
        self._identifier_checks(raw, "id_number", "id_number")
        attrs = ("kind", "name", "uscc", "id_number", "region")
        self._duplicates(raw, "raw_subjects", ("subject_id",), attrs, "subject_id")
        for column in ("uscc", "id_number"):
            rows = fetch_all(
                self._con,
                f"""WITH d AS (SELECT {column}, list_sort(list(DISTINCT subject_id)) AS ids FROM raw_subjects
                               WHERE {column} IS NOT NULL GROUP BY {column} HAVING count(DISTINCT subject_id) > 1)
                    SELECT t.{ROW}, '{column}', t.{column},
                           '{column} is used by several subjects: ' || array_to_string(d.ids, ', ')
                    FROM raw_subjects t JOIN d USING ({column}) ORDER BY t.{ROW}""",
            )
            self._add(raw, rows)
        # An identifier that the store already gives to another subject.
        existing = self._store.subject_identifiers(
            pc.drop_null(raw.table.column("uscc")).combine_chunks(),
            pc.drop_null(raw.table.column("id_number")).combine_chunks(),
        )
        if existing.num_rows:
            self._register("existing_ids", existing)
            for column in ("uscc", "id_number"):
                rows = fetch_all(
                    self._con,
                    f"""SELECT t.{ROW}, '{column}', t.{column}, '{column} already belongs to subject ' || x.subject_id
                        FROM raw_subjects t JOIN existing_ids x ON x.{column} = t.{column}
                        WHERE x.subject_id <> t.subject_id ORDER BY t.{ROW}""",
                )
                self._add(raw, rows)
            self._con.unregister("existing_ids")
        select = "subject_id, kind, name, uscc, id_number, region"
        self.result.tables["subjects"] = self._clean(raw, "raw_subjects", select)

    def _person_ids(self, raw: RawFile) -> None:
        """A person's subject_id may not give the person away (name, id number): every tier sees subject ids as
        they are (PRV-02, PRV-03). The value is printed masked, here and in the messages of rows that refer to it."""
        found = person_ids.exposures(self._con, raw.table, ROW)
        self._shown_ids.update((e.subject_id, e.shown) for e in found)
        self._add(raw, [(e.row, "subject_id", e.shown, e.reason) for e in found])

    def _stored_person_references(self, raw: RawFile, table: str, column: str, known: pa.Table | None) -> None:
        """References to persons that the store holds, from a load before such ids were refused, under an id with
        Han characters or an id number: refused as a row of that person would be."""
        if known is None or not known.num_rows:
            return
        is_person = pc.call_function("equal", [_flat(known.column("kind")), pa.scalar("person")])
        persons = _flat(known.filter(is_person).column("subject_id"))
        found = person_ids.exposing_shapes(self._con, persons.cast(pa.string()))
        if not found:
            return
        shown = {sid: person_ids.shown(sid) for sid in found}
        self._register("exposing_ids", pa.table({"subject_id": pa.array(list(found), pa.string())}))
        rows = fetch_all(
            self._con,
            f"SELECT {ROW}, {column} FROM {table} WHERE {column} IN (SELECT subject_id FROM exposing_ids) "
            f"ORDER BY {ROW}",
        )
        self._con.unregister("exposing_ids")
        self._add(
            raw,
            [
                (
                    row,
                    column,
                    shown[sid],
                    f"refers to person {shown[sid]}, stored by an earlier load under a subject_id that embeds "
                    f"{found[sid]}; load the person again under an opaque id (the id number in id_number) and "
                    "refer to that id",
                )
                for row, sid in rows
            ],
        )
        self._shown_ids.update(shown)

    def _known_subjects(self, referenced: pa.Array[Any]) -> pa.Table | None:
        """known_subjects(subject_id, kind) for the ids in ``referenced`` (an entries or findings file's: few
        against the subjects): this load's valid subjects first, then the store's. The hash is built on the
        references, and this load's subjects are probed against it. Returns the store's part."""
        empty = SCHEMAS["subjects"].empty_table()
        batch = self.result.tables.get("subjects", empty).cast(SCHEMAS["subjects"])
        named = pc.unique(pc.drop_null(referenced))
        kinds = batch.select(["subject_id", "kind"]).filter(pc.is_in(batch.column("subject_id"), value_set=named))
        outside = named.filter(pc.invert(pc.is_in(named, value_set=_flat(kinds.column("subject_id")))))
        stored = self._store.subject_kinds(outside) if len(outside) else None
        parts = [kinds]
        if stored is not None and stored.num_rows:
            parts.append(stored.select(["subject_id", "kind"]).cast(parts[0].schema))
        self._register("known_subjects", pa.concat_tables(parts))
        return stored

    def _reference_checks(
        self,
        raw: RawFile,
        table: str,
        columns: tuple[str, ...],
        rejected_file: str,
        unknown: dict[str, str] | None = None,
    ) -> None:
        """Dangling references: name the rejected row when the id was in this load but invalid. ``unknown``: a
        column's test for "not a known subject" when the table has it already (default: a lookup in
        known_subjects)."""
        for column in columns:
            test = (unknown or {}).get(column, f"t.{column} NOT IN (SELECT subject_id FROM known_subjects)")
            rows = fetch_all(
                self._con,
                f"""SELECT t.{ROW}, '{column}', t.{column},
                      CASE WHEN t.{column} IN (SELECT subject_id FROM raw_subjects_ids)
                           THEN 'refers to subject ' || t.{column} || ' whose row in {rejected_file} is invalid'
                           ELSE 'refers to unknown subject ' || t.{column} ||
                                '; add it to subjects.csv or load its subject first' END
                    FROM {table} t WHERE t.{column} IS NOT NULL AND {test} ORDER BY t.{ROW}""",
            )
            self._add(raw, rows)

    # -- roles ---------------------------------------------------------------------------------------------
    def roles(self, raw: RawFile, raw_subjects: RawFile | None) -> None:
        """Roles are checked as written, and nothing the size of the file is copied while checking: only the
        duplicates and the stored rows see symmetric roles turned, ROLE_CHUNK_ROWS rows at a time."""
        vocab = vocabulary()
        self._register_subject_ids(raw_subjects)
        # Both ends' kinds: this load's valid subjects first, then the store's for the ids the load does not have.
        batch = self.result.tables.get("subjects", SCHEMAS["subjects"].empty_table())
        self._register("load_kinds", batch.select(["subject_id", "kind"]))
        self._register("raw_roles", raw.table)
        self._vocabulary_checks(raw, "raw_roles", "roles")
        person_only, org_pair = _list(vocab.person_only_roles()), _list(vocab.organisation_pair_roles())
        orgs, ratio_roles = _list(ORGANISATION_KINDS), _list(vocab.ratio_roles())
        checks = [
            *_required("source_id", "role", "target_id"),
            *_date_checks("valid_from", "valid_to"),
            *_precision_checks("roles"),
            (
                "ratio",
                f"ratio IS NOT NULL AND role IS NOT NULL AND NOT list_contains({ratio_roles}, role)",
                _lit("ratio is only for shareholder roles"),
            ),
            (
                "ratio",
                f"ratio IS NOT NULL AND list_contains({ratio_roles}, role) AND (TRY_CAST(ratio AS DOUBLE) IS NULL "
                "OR isnan(TRY_CAST(ratio AS DOUBLE)) OR TRY_CAST(ratio AS DOUBLE) < 0 "
                "OR TRY_CAST(ratio AS DOUBLE) > 100)",
                _lit("ratio must be a number of percent between 0 and 100"),
            ),
            (
                "valid_to",
                f"{_date('valid_to')} < {_date('valid_from')}",
                "'valid_to is before valid_from (' || valid_from || ')'",
            ),
            ("target_id", "source_id = target_id", _lit("a subject cannot hold a role at itself")),
        ]
        wrong_kind = _wrong_kind(
            f"list_contains({person_only}, role)", f"list_contains({org_pair}, role)", "role IS NOT NULL"
        )
        kinds_sql = f"""SELECT {ROW}, 'role', role, CASE
                    WHEN list_contains({person_only}, role) AND source_kind <> 'person'
                        THEN role || ' must be held by a person, but ' || source_id || ' is ' || source_kind
                    WHEN NOT list_contains({orgs}, target_kind)
                        THEN role || ' must point at an organisation, but ' || target_id || ' is a person'
                    ELSE role || ' links two organisations, but ' || source_id || ' is a person' END
                FROM role_ends WHERE source_kind IS NOT NULL AND target_kind IS NOT NULL
                  AND ({wrong_kind})
                ORDER BY {ROW}"""
        # The checks and both ends' lookups stream over the whole file (their results are the few failing rows;
        # the ends' joins hash the subjects once); the turned rows are made a chunk at a time, below.
        self._run_checks(raw, "raw_roles", checks)
        ends = fetch_arrow(self._con, _role_ends_sql("raw_roles", ("load_kinds",)))
        unresolved = _unresolved(ends)
        stored = self._store.subject_kinds(unresolved) if len(unresolved) else None
        self._stored_person_references(raw, "raw_roles", "source_id", stored)
        if stored is not None and stored.num_rows:
            self._register("stored_kinds", stored.select(["subject_id", "kind"]))
            self._register("role_ends", ends)
            ends = fetch_arrow(self._con, _role_ends_sql("role_ends", ("load_kinds", "stored_kinds")))
            self._con.unregister("stored_kinds")
        self._register("role_ends", ends)
        unknown = {"source_id": "t.source_kind IS NULL", "target_id": "t.target_kind IS NULL"}
        self._reference_checks(
            raw, "role_ends", ("source_id", "target_id"), _name(raw_subjects, "subjects.csv"), unknown
        )
        self._add(raw, fetch_all(self._con, kinds_sql))
        self._con.unregister("role_ends")
        # Symmetric roles are stored once, smaller id first, so A~B and B~A are the same fact. Ratios compare as
        # numbers ("20" and "20.0" are one fact, as they are to the store). The title and the dates' precision
        # describe the fact: rows differing only in them are repeats (the first is kept).
        sym = _list(vocab.symmetric_roles())
        turn = f"list_contains({sym}, role) AND target_id < source_id"
        turned = (
            f"CASE WHEN {turn} THEN target_id ELSE source_id END AS source_id, role, "
            f"CASE WHEN {turn} THEN source_id ELSE target_id END AS target_id"
        )
        precisions = ", ".join(precision_column(c) for c in PRECISE_DATES["roles"])
        self._register("raw_roles_chunk", raw.table.slice(0, 0))  # the view's columns; each chunk replaces it
        self._con.execute(
            f"CREATE OR REPLACE TEMP VIEW raw_roles_turned AS SELECT {turned}, ratio, valid_from, valid_to, title, "
            f"{precisions}, {ROW} FROM raw_roles_chunk"
        )
        ratio = "coalesce(CAST(TRY_CAST(ratio AS DOUBLE) AS VARCHAR), ratio)"
        self._chunked_duplicates(raw, ("source_id", "role", "target_id", "valid_from"), (ratio, "valid_to"), "role")
        select = (
            "source_id, role, target_id, TRY_CAST(ratio AS DOUBLE) AS ratio, "
            f"{_date('valid_from')} AS valid_from, {_date('valid_to')} AS valid_to, title, "
            + _precision_select("roles")
        )
        parts = []
        for chunk in _chunks(raw.table, ROLE_CHUNK_ROWS):
            self._register("raw_roles_chunk", chunk)
            parts.append(self._clean(raw, "raw_roles_turned", select))
        self._con.execute("DROP VIEW raw_roles_turned")
        self.result.tables["roles"] = pa.concat_tables(parts)

    def _chunked_duplicates(self, raw: RawFile, key: tuple[str, ...], attrs: tuple[str, ...], what: str) -> None:
        """_duplicates over raw_roles_turned chunk by chunk: the keys' hashes of the whole file are sorted in
        numpy (8 bytes a row), and only the rows whose hash repeats are gathered for the comparison."""
        k = ", ".join(key)
        hashes: list[npt.NDArray[np.uint64]] = []
        for chunk in _chunks(raw.table, ROLE_CHUNK_ROWS):
            self._register("raw_roles_chunk", chunk)
            column = fetch_arrow(self._con, f"SELECT hash({k}) AS kh FROM raw_roles_turned").column("kh")
            hashes.append(column.to_numpy())
        every = np.sort(np.concatenate(hashes)) if hashes else np.empty(0, np.uint64)
        del hashes
        repeated = np.unique(every[1:][every[1:] == every[:-1]])
        del every
        content = _content(attrs)
        self._register("repeated_keys", pa.table({"kh": pa.array(repeated, pa.uint64())}))
        gathered = []
        for chunk in _chunks(raw.table, ROLE_CHUNK_ROWS):
            self._register("raw_roles_chunk", chunk)
            gathered.append(
                fetch_arrow(
                    self._con,
                    f"SELECT t.*, {content} AS content FROM raw_roles_turned t "
                    f"WHERE hash({k}) IN (SELECT kh FROM repeated_keys)",
                )
            )
        self._con.unregister("repeated_keys")
        self._register("dup_gathered", pa.concat_tables(gathered))
        fetch_all(self._con, "CREATE OR REPLACE TEMP TABLE dup_candidates AS SELECT * FROM dup_gathered")
        self._con.unregister("dup_gathered")
        self._report_duplicates(raw, key, what)

    def _register_subject_ids(self, raw_subjects: RawFile | None) -> None:
        ids = raw_subjects.table.column("subject_id").combine_chunks() if raw_subjects else pa.array([], pa.string())
        self._register("raw_subjects_ids", pa.table({"subject_id": ids}))

    # -- entries -------------------------------------------------------------------------------------------
    def entries(self, raw: RawFile, raw_subjects: RawFile | None) -> None:
        self._register("raw_entries", raw.table)
        self._register_subject_ids(raw_subjects)
        stored = self._known_subjects(pc.drop_null(raw.table.column("subject_id")).combine_chunks())
        self._stored_person_references(raw, "raw_entries", "subject_id", stored)
        vocab = vocabulary()
        serious_types, incentive = _list(vocab.always_serious()), _list(vocab.incentive())
        self._vocabulary_checks(raw, "raw_entries", "entries")
        checks = [
            *_required("entry_id", "subject_id", "list_type", "domain", "determined_on", "status"),
            (
                "scope",
                "scope IS NULL",
                _lit(
                    "required value is empty; expected one of "
                    + ", ".join(resolvers()["scope"].slugs)
                    + " (graphsvc load --default-scope sets a deployment default)"
                ),
            ),
            *_date_checks("act_date", "determined_on", "valid_until", "status_since", "published_on"),
            *_precision_checks("entries"),
            *self._publication_checks(),
            (
                "severity",
                f"list_contains({serious_types}, list_type) AND severity IS NOT NULL AND severity <> 'serious'",
                "'a ' || list_type || ' entry is always serious (LST-08); leave severity empty (read as serious) "
                "or write serious'",
            ),
            *(
                (
                    "severity",
                    f"list_type = {_lit(slug)} AND list_contains({_list(above)}, severity)",
                    _lit(
                        f"{slug} entries are below the black-list threshold (LST-12): severity must be at most "
                        f"{info.max_severity}"
                    ),
                )
                for slug, info in vocab.list_types.items()
                if info.max_severity is not None
                and (above := tuple(s for s, r in _SEVERITY_RANK.items() if r > _SEVERITY_RANK[info.max_severity]))
            ),
            (
                "severity",
                f"list_contains({incentive}, list_type) AND severity IS NOT NULL",
                "list_type || ' entries carry no severity; leave it empty'",
            ),
            (
                "act_date",
                f"{_date('act_date')} > {_date('determined_on')}",
                "'act_date is after determined_on (' || determined_on || ')'",
            ),
            (
                "valid_until",
                f"{_date('valid_until')} < {_date('determined_on')}",
                "'valid_until is before determined_on (' || determined_on || ')'",
            ),
            (
                "status_since",
                f"{_date('status_since')} < {_date('determined_on')}",
                "'status_since is before determined_on (' || determined_on || ')'",
            ),
        ]
        self._run_checks(raw, "raw_entries", checks)
        self._stored_entries(raw)
        self._reference_checks(raw, "raw_entries", ("subject_id",), _name(raw_subjects, "subjects.csv"))
        for slug, info in vocab.list_types.items():
            if info.subject_kinds is None:
                continue
            kinds = _list(info.subject_kinds)
            kind_rows = fetch_all(
                self._con,
                f"""SELECT t.{ROW}, 'list_type', t.list_type,
                           '{slug} lists {", ".join(info.subject_kinds)} only, but ' || t.subject_id || ' is ' || k.kind
                    FROM raw_entries t JOIN known_subjects k ON k.subject_id = t.subject_id
                    WHERE t.list_type = {_lit(slug)} AND NOT list_contains({kinds}, k.kind) ORDER BY t.{ROW}""",
            )
            self._add(raw, kind_rows)
        attrs = tuple(n for n in SCHEMAS["entries"].names if n != "entry_id")
        self._duplicates(raw, "raw_entries", ("entry_id",), attrs, "entry_id")
        select = (
            "entry_id, subject_id, list_type, domain, "
            # An empty severity stays empty: the profile's reading of the list type decides it when the rules run
            # (list_types.yaml default_severity, profiles' severity_defaults; 001 三(三) for the national lists).
            f"CASE WHEN list_contains({serious_types}, list_type) THEN 'serious' "
            f"WHEN list_contains({incentive}, list_type) THEN NULL ELSE severity END AS severity, "
            f"department, {_date('act_date')} AS act_date, {_date('determined_on')} AS determined_on, "
            f"{_date('valid_until')} AS valid_until, status, {_date('status_since')} AS status_since, scope, "
            "legal_basis, " + _precision_select("entries") + f", published_by, {_date('published_on')} AS published_on"
        )
        self.result.tables["entries"] = self._clean(raw, "raw_entries", select)

    def _publication_checks(self) -> list[tuple[str, str, str]]:
        """The marks of a list designated and published elsewhere: both or neither, published once determined
        and before the load; a department's intake (Unmarked.CANDIDATE_ONLY) puts nothing else in force."""
        today = self._options.load_date
        checks = [
            (
                "published_by",
                "published_by IS NULL AND published_on IS NOT NULL",
                _lit(
                    "published_on without published_by: a list published elsewhere names the body that published "
                    "it; give both or neither"
                ),
            ),
            (
                "published_on",
                "published_on IS NULL AND published_by IS NOT NULL",
                _lit("published_by without published_on: give the day the list was published (both or neither)"),
            ),
            (
                "published_on",
                f"{_date('published_on')} < {_date('determined_on')}",
                "'published_on is before determined_on (' || determined_on || '): a list is published once it is "
                "determined'",
            ),
            (
                "published_on",
                f"{_date('published_on')} > DATE '{today.isoformat()}'",
                _lit(f"published_on is after the load's date {today}: a list is loaded once it has been published"),
            ),
        ]
        if self._options.unmarked is Unmarked.CANDIDATE_ONLY:
            checks.append(
                (
                    "status",
                    "published_by IS NULL AND published_on IS NULL AND status IS NOT NULL "
                    f"AND status <> {_lit(EntryStatus.CANDIDATE.value)}",
                    _lit(
                        "an entry designated here starts as candidate and is put in force by the listing steps: "
                        "notice to the subject (POST /v1/entries/{entry_id}/notice; LST-10, 004 JI(六) 事前告知), "
                        "public notice for a red list (/public-notice), then activation (/activation); leave status "
                        "empty or write candidate. A list designated and published elsewhere is loaded as published "
                        "with published_by and published_on"
                    ),
                )
            )
        return checks

    def _stored_entries(self, raw: RawFile) -> None:
        """New versions of stored entries. A closed entry (repaired, revoked, exited, expired: in its status
        history or its status) never returns to force: a new version of it may not change its status or
        status_since to anything but a closed status; a new designation is a new entry id. A department's intake
        (Unmarked.CANDIDATE_ONLY) changes no stored entry's status or status_since at all."""
        ids = pc.unique(pc.drop_null(raw.table.column("entry_id")).combine_chunks())
        stored = self._store.entry_dates(ids) if len(ids) else None
        if stored is None or not stored.num_rows:
            return
        self._register("stored_entries", stored)
        closed = _list(CLOSED_STATUSES)
        rows = fetch_all(
            self._con,
            f"""WITH c AS (
                    SELECT entry_id, status, status_since, closed_status, closed_since,
                           CASE WHEN list_contains({closed}, status) THEN coalesce(status_since, determined_on)
                           END AS own_since
                    FROM stored_entries),
                s AS (
                    SELECT entry_id, status, status_since, least(closed_since, own_since) AS since,
                           CASE WHEN own_since IS NULL OR closed_since <= own_since THEN closed_status ELSE status
                           END AS closed_as
                    FROM c WHERE closed_since IS NOT NULL OR own_since IS NOT NULL)
                SELECT t.{ROW}, 'status', t.status,
                       'entry ' || t.entry_id || ' is ' || s.closed_as || ' since ' || s.since || ': a closed entry '
                       || 'never returns to force, so its status stays ' || s.status
                       || coalesce(' since ' || s.status_since, '') || ' (or becomes another closed status); '
                       || 'a new designation is a new entry id'
                FROM raw_entries t JOIN s USING (entry_id)
                WHERE NOT list_contains({closed}, coalesce(t.status, ''))
                  AND (t.status IS DISTINCT FROM s.status OR {_date("t.status_since")} IS DISTINCT FROM s.status_since)
                ORDER BY t.{ROW}""",
        )
        self._add(raw, rows)
        if self._options.unmarked is Unmarked.CANDIDATE_ONLY:
            # A department's intake dates nothing: an existing entry's status changes by the dated lifecycle steps
            # (graphsvc/lifecycle/clock.py), not by a new version that would rewrite its past.
            rows = fetch_all(
                self._con,
                f"""SELECT t.{ROW}, 'status', t.status,
                           'entry ' || t.entry_id || ' is ' || s.status || coalesce(' since ' || s.status_since, '')
                           || ': a new version keeps its status; change it with POST /v1/entries/' || t.entry_id
                           || '/status or the listing steps (notice, public notice, activation), which are dated'
                    FROM raw_entries t JOIN stored_entries s USING (entry_id)
                    WHERE t.status IS DISTINCT FROM s.status
                       OR {_date("t.status_since")} IS DISTINCT FROM s.status_since
                    ORDER BY t.{ROW}""",
            )
            reported = {(p.row, p.column) for p in self.result.problems if p.file == raw.path.name}
            self._add(raw, [r for r in rows if (int(r[0]), r[1]) not in reported])
        self._con.unregister("stored_entries")

    # -- responsibility findings --------------------------------------------------------------------------
    def findings(self, raw: RawFile, raw_subjects: RawFile | None, raw_entries: RawFile | None) -> None:
        self._register("raw_findings", raw.table)
        self._register_subject_ids(raw_subjects)
        batch_entries = self.result.tables.get("entries")
        # The kinds of the persons named and of the subjects of this load's entries (which may be stored).
        referenced = [pc.drop_null(raw.table.column("person_id")).combine_chunks()]
        if batch_entries is not None:
            referenced.append(batch_entries.column("subject_id").combine_chunks().cast(pa.string()))
        stored = self._known_subjects(pa.concat_arrays(referenced))
        self._stored_person_references(raw, "raw_findings", "person_id", stored)
        entry_ids = pc.unique(pc.drop_null(raw.table.column("entry_id")).combine_chunks())
        parts: list[pa.Table] = []
        if batch_entries is not None and batch_entries.num_rows:
            self._register("batch_entries", batch_entries)
            parts.append(
                fetch_arrow(
                    self._con,
                    "SELECT e.entry_id, e.subject_id, k.kind FROM batch_entries e "
                    "LEFT JOIN known_subjects k ON k.subject_id = e.subject_id",
                )
            )
            entry_ids = pc.filter(entry_ids, pc.invert(pc.is_in(entry_ids, value_set=batch_entries["entry_id"])))
        if len(entry_ids):
            stored = self._store.entry_subjects(entry_ids)
            if stored.num_rows:
                parts.append(stored.select(["entry_id", "subject_id", "kind"]))
        schema = pa.schema([("entry_id", pa.string()), ("subject_id", pa.string()), ("kind", pa.string())])
        known_entries = pa.concat_tables([p.cast(schema) for p in parts]) if parts else schema.empty_table()
        self._register("known_entries", known_entries)
        raw_entry_ids = (
            raw_entries.table.column("entry_id").combine_chunks() if raw_entries else pa.array([], pa.string())
        )
        self._register("raw_entry_ids", pa.table({"entry_id": raw_entry_ids}))
        checks = [
            *_required("person_id", "entry_id"),
            (
                "entry_id",
                "entry_id IS NOT NULL AND entry_id NOT IN (SELECT entry_id FROM known_entries)",
                "CASE WHEN entry_id IN (SELECT entry_id FROM raw_entry_ids) "
                f"THEN 'refers to entry ' || entry_id || ' whose row in {_name(raw_entries, 'entries.csv')} "
                "is invalid' "
                "ELSE 'refers to unknown entry ' || entry_id || '; add it to entries.csv first' END",
            ),
            (
                "person_id",
                "person_id IN (SELECT subject_id FROM known_subjects WHERE kind <> 'person')",
                _lit("a responsibility finding names a natural person, but this subject is an organisation"),
            ),
            (
                "entry_id",
                "entry_id IN (SELECT entry_id FROM known_entries WHERE kind = 'person')",
                _lit(
                    "findings name persons responsible for an organisation's entry (PROP-01), but this entry "
                    "lists a person"
                ),
            ),
        ]
        self._run_checks(raw, "raw_findings", checks)
        self._reference_checks(raw, "raw_findings", ("person_id",), _name(raw_subjects, "subjects.csv"))
        self._duplicates(raw, "raw_findings", ("person_id", "entry_id"), ("basis",), "finding")
        self.result.tables["findings"] = self._clean(raw, "raw_findings", "person_id, entry_id, basis")

    # -- status history --------------------------------------------------------------------------------------
    def statuses(self, raw: RawFile, raw_entries: RawFile | None) -> None:
        """statuses.csv: an entry's status from ``since`` (valid time); the entry must exist (this load or the
        store) and the status may not start before the entry's determination (or, for the listing workflow's
        candidate, notified and public_notice statuses, before it existed at all)."""
        self._register("raw_statuses", raw.table)
        batch_entries = self.result.tables.get("entries")
        shorthand = ("entry_id", "determined_on", "status", "status_since")
        batch = (batch_entries if batch_entries is not None else SCHEMAS["entries"].empty_table()).select(shorthand)
        entry_ids = pc.unique(pc.drop_null(raw.table.column("entry_id")).combine_chunks())
        stored = self._store.entry_dates(entry_ids) if len(entry_ids) else ENTRY_DATES_SCHEMA.empty_table()
        self._register("batch_shorthand", batch.cast(ENTRY_DATES_SCHEMA.remove(5).remove(4)))
        self._register("stored_dates", stored.cast(ENTRY_DATES_SCHEMA))
        # The entries a status row may name (this load's, else the store's), and the first closed status each has
        # in its history, its status (this load's version, else the stored one) or this file.
        fetch_all(
            self._con,
            """CREATE OR REPLACE TEMP TABLE status_entries AS
               SELECT entry_id, determined_on FROM batch_shorthand
               UNION ALL SELECT entry_id, determined_on FROM stored_dates
               WHERE entry_id NOT IN (SELECT entry_id FROM batch_shorthand)""",
        )
        closed = _list(CLOSED_STATUSES)
        fetch_all(
            self._con,
            f"""CREATE OR REPLACE TEMP TABLE status_closings AS
                WITH shorthand AS (
                    SELECT entry_id, status, coalesce(status_since, determined_on) AS since FROM batch_shorthand
                    UNION ALL SELECT entry_id, status, coalesce(status_since, determined_on) FROM stored_dates
                    WHERE entry_id NOT IN (SELECT entry_id FROM batch_shorthand)),
                closings AS (
                    SELECT entry_id, status, since FROM shorthand WHERE list_contains({closed}, status)
                    UNION ALL SELECT entry_id, closed_status, closed_since FROM stored_dates
                    WHERE closed_since IS NOT NULL
                    UNION ALL SELECT entry_id, status, TRY_CAST(since AS DATE) FROM raw_statuses
                    WHERE list_contains({closed}, status) AND TRY_CAST(since AS DATE) IS NOT NULL)
                SELECT entry_id, arg_min(status, since) AS status, min(since) AS since FROM closings
                GROUP BY entry_id""",
        )
        self._con.unregister("batch_shorthand")
        self._con.unregister("stored_dates")
        raw_entry_ids = (
            raw_entries.table.column("entry_id").combine_chunks() if raw_entries else pa.array([], pa.string())
        )
        self._register("raw_entry_ids", pa.table({"entry_id": raw_entry_ids}))
        self._vocabulary_checks(raw, "raw_statuses", "statuses")
        checks = [
            *_required("entry_id", "status", "since"),
            *_date_checks("since"),
            (
                "entry_id",
                "entry_id IS NOT NULL AND entry_id NOT IN (SELECT entry_id FROM status_entries)",
                "CASE WHEN entry_id IN (SELECT entry_id FROM raw_entry_ids) "
                f"THEN 'refers to entry ' || entry_id || ' whose row in {_name(raw_entries, 'entries.csv')} "
                "is invalid' ELSE 'refers to unknown entry ' || entry_id || '; add it to entries.csv first' END",
            ),
        ]
        self._run_checks(raw, "raw_statuses", checks)
        early = fetch_all(
            self._con,
            f"""SELECT t.{ROW}, 'since', t.since, 'since is before the entry''s determined_on (' || k.determined_on
                       || '); a status cannot take effect before the listing'
                FROM raw_statuses t JOIN status_entries k USING (entry_id)
                WHERE TRY_CAST(t.since AS DATE) < k.determined_on
                  AND NOT list_contains({_list(PRE_LISTING_STATUSES)}, t.status) ORDER BY t.{ROW}""",
        )
        self._add(raw, early)
        reopened = fetch_all(
            self._con,
            f"""SELECT t.{ROW}, 'status', t.status, 'entry ' || t.entry_id || ' is ' || c.status || ' since '
                       || c.since || ': a closed entry never returns to force; a new designation is a new entry id'
                FROM raw_statuses t JOIN status_closings c USING (entry_id)
                WHERE NOT list_contains({closed}, t.status) AND TRY_CAST(t.since AS DATE) >= c.since
                ORDER BY t.{ROW}""",
        )
        self._add(raw, reopened)
        fetch_all(self._con, "DROP TABLE status_closings")
        self._duplicates(raw, "raw_statuses", ("entry_id", "since"), ("status", "basis"), "status")
        self.result.tables["statuses"] = self._clean(
            raw, "raw_statuses", f"entry_id, status, {_date('since')} AS since, basis"
        )
