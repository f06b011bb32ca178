"""The embedded store: one local DuckDB file, no server (design.md §6).

Durability and atomicity come from DuckDB's write-ahead log: a batch is written in one transaction, so a
killed process leaves either the whole batch or none of it. Every fact carries valid time (its own date
columns) and transaction time (``recorded_at``/``superseded_at``): a reload with different content closes
the current version and adds a new one, so nothing is ever deleted and "as we knew it at T" is answerable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from graphsvc import faults
from graphsvc.context import EvaluationContext
from graphsvc.errors import ProtectedFacts, StoreError
from graphsvc.stores.base import (
    AUDIT_SCHEMA,
    AUTHORISATION_SCHEMA,
    DERIVED_SCHEMA,
    ENTRY_DATES_SCHEMA,
    GRAPH_ROLE_SCHEMA,
    KEYS,
    LIFECYCLE_EVENT_SCHEMA,
    SCHEMAS,
    WARNING_EVENT_SCHEMA,
    AuditRecord,
    Batch,
    ClosingStore,
    Evaluation,
    FactsVersion,
    Generation,
    LoadResult,
)
from graphsvc.stores.duck import fetch_all, fetch_arrow, fetch_arrow_planned_once, fetch_value
from graphsvc.stores.embedded_rules import inforce_sql, run_rules
from graphsvc.stores.filelock import DEFAULT_TIMEOUT, StoreLock
from graphsvc.stores.subject_names import SubjectNames, names_cache
from graphsvc.vocab import CLOSED_STATUSES
from graphsvc.vocabulary import vocabulary

log = logging.getLogger("graphsvc.store")
_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.date32(): "DATE",
    pa.int64(): "BIGINT",
    pa.timestamp("us"): "TIMESTAMP",
}
# subject_facts' roles: those the subject holds or that are held at it, in the order a profile pages them.
_SUBJECT_ROLES = "(source_id = $id OR target_id = $id)"
_ROLE_FACT_ORDER = "valid_from NULLS FIRST, role, source_id, target_id, recorded_at"
_FACT_TABLES = ("subjects", "roles", "entries", "findings", "statuses")
# Rows of a batch compared with the stored versions at once (a re-load or a correction): bounds the joins' memory.
UPSERT_CHUNK_ROWS = 1_000_000
UPSERT_MAX_CHUNKS = 4
DERIVED_COLUMNS: tuple[tuple[str, str], ...] = tuple((f.name, _SQL_TYPES[f.type]) for f in DERIVED_SCHEMA)


def _conform(table: str, data: pa.Table) -> pa.Table:
    """The batch table in the canonical schema: absent optional columns become nulls."""
    schema = SCHEMAS[table]
    extra = sorted(set(data.column_names) - set(schema.names))
    if extra:
        raise StoreError(f"{table}: unknown column(s) {extra}; expected {schema.names}")
    columns = []
    for field in schema:
        if field.name not in data.column_names:
            columns.append(pa.nulls(data.num_rows, field.type))
            continue
        try:
            columns.append(data.column(field.name).cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise StoreError(f"{table}.{field.name}: cannot store as {field.type}: {exc}") from exc
    return pa.table(columns, schema=schema)


def _comparison(table: str, data: pa.Table) -> tuple[str, str]:
    """SQL conditions between a stored row ``t`` and an incoming row ``i``: the same fact (its KEYS), and the same
    content (every other column of ``data``)."""
    keys = KEYS[table]
    attrs = [c for c in data.column_names if c not in keys]
    key_match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in keys)
    same_attrs = " AND ".join(f"t.{a} IS NOT DISTINCT FROM i.{a}" for a in attrs) or "TRUE"
    return key_match, same_attrs


def _columns(schema: pa.Schema) -> str:
    return ", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in schema)


def _current(alias: str = "") -> str:
    """Rows of the version known at $known_at (defaults to now: the open versions)."""
    p = f"{alias}." if alias else ""
    return f"({p}recorded_at <= $known_at AND ({p}superseded_at IS NULL OR {p}superseded_at > $known_at))"


class EmbeddedStore(ClosingStore):
    """GraphStore on DuckDB. Open with ``EmbeddedStore(path)``; use as a context manager or call close()."""

    def __init__(self, path: str | Path, *, read_only: bool = False, lock_timeout: float = DEFAULT_TIMEOUT) -> None:
        self._closed = True  # until the connection is open: nothing for close() or __del__ to release
        self.path = Path(path)
        self.read_only = read_only
        if str(path) == ":memory:":
            pass
        elif not read_only:
            self.path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        elif not self.path.exists():
            raise StoreError(f"no store at {self.path}: load data first with `graphsvc load DIR --db {self.path}`")
        self.in_memory = str(path) == ":memory:"
        # An in-memory store belongs to this connection alone: nothing to coordinate or publish.
        self._lock = None if self.in_memory else StoreLock(self.path, exclusive=not read_only, timeout=lock_timeout)
        self._identity: str | None = None
        if not read_only and not self.in_memory and not self.path.exists():
            # A store made where one was deleted: what that one published is not this one's, even if the new file
            # gets the deleted one's inode. Under the writer's lock, before DuckDB makes the file: a reader finds
            # nothing published until this writer publishes, so it asks the store (and waits for this writer).
            with contextlib.suppress(FileNotFoundError):
                generation_path(self.path).unlink()
        # Everything DuckDB creates while a writer is open (the file, its WAL, temporary files) is private.
        self._private_umask = not read_only and not self.in_memory
        if self._private_umask:
            _PRIVATE_UMASK.enter()
        try:
            self._con = _connect(self.path, read_only=read_only, in_memory=self.in_memory)
        except duckdb.Error as exc:
            if self._private_umask:
                _PRIVATE_UMASK.leave()
            if self._lock is not None:
                self._lock.release()
            fault = faults.describe(exc, str(self.path))
            raise StoreError(
                fault or f"cannot open the store {self.path}: {exc}. Is another program (not graphsvc) holding it?"
            ) from exc
        self._closed = False
        self._names = names_cache(None if self.in_memory else self.path)
        if not read_only:
            try:
                self._create_schema()
                self._record_identity()  # a store made before identities existed gets one now
                self._publish_generation()  # a store made before generations existed gets one now
            except BaseException:
                self.close()
                raise

    @property
    def location(self) -> str:
        return str(self.path)

    def __del__(self) -> None:
        # A store dropped without close() still releases its lock and the private umask (they are the process's).
        with contextlib.suppress(Exception):
            self.close()

    # -- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._con.close()
        if self._private_umask:
            _private(self.path, self.path.with_name(self.path.name + ".wal"))
            _PRIVATE_UMASK.leave()
        if self._lock is not None:
            self._lock.release()

    def _create_schema(self) -> None:
        statements = [
            "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
            "CREATE SEQUENCE IF NOT EXISTS batch_ids START 1",
            """CREATE TABLE IF NOT EXISTS batches (
                batch_id BIGINT PRIMARY KEY, recorded_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL,
                subjects BIGINT, roles BIGINT, entries BIGINT, findings BIGINT)""",
        ]
        for table in _FACT_TABLES:
            cols = ", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in SCHEMAS[table])
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {table} ({cols}, batch_id BIGINT NOT NULL, "
                "recorded_at TIMESTAMP NOT NULL, superseded_at TIMESTAMP)"
            )
        statements += [
            """CREATE TABLE IF NOT EXISTS evaluations (
                evaluation_id BIGINT PRIMARY KEY, profile VARCHAR NOT NULL, as_of DATE NOT NULL,
                known_at TIMESTAMP, evaluated_at TIMESTAMP NOT NULL, records BIGINT NOT NULL)""",
            "CREATE TABLE IF NOT EXISTS derived (evaluation_id BIGINT NOT NULL, "
            + ", ".join(f"{n} {t}" for n, t in DERIVED_COLUMNS)
            + ")",
            # Append-only logs: nothing in graphsvc updates or deletes their rows.
            f"CREATE TABLE IF NOT EXISTS warning_events ({_columns(WARNING_EVENT_SCHEMA)})",
            f"CREATE TABLE IF NOT EXISTS lifecycle_events ({_columns(LIFECYCLE_EVENT_SCHEMA)})",
            f"CREATE TABLE IF NOT EXISTS audit_log ({_columns(AUDIT_SCHEMA)})",
            "CREATE TABLE IF NOT EXISTS audit_journal (segment VARCHAR PRIMARY KEY, position BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS authorisations ({_columns(AUTHORISATION_SCHEMA)}, "
            "PRIMARY KEY (authorisation_id))",
        ]
        for sql in statements:
            fetch_all(self._con, sql)
        # A store made before a column was added to a fact table gets it, empty for the facts it holds.
        present = set(
            fetch_all(
                self._con,
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'",
            )
        )
        for table in _FACT_TABLES:
            for f in SCHEMAS[table]:
                if (table, f.name) not in present:
                    fetch_all(self._con, f"ALTER TABLE {table} ADD COLUMN {f.name} {_SQL_TYPES[f.type]}")

    def _record_identity(self) -> None:
        if fetch_value(self._con, "SELECT value FROM store_meta WHERE key = 'identity'") is None:
            # An older version's store keeps the identity its readers derived (their sidecars stay good); a new
            # store, or one without a batch, gets a random one.
            identity = _derived_identity(self._con) or uuid.uuid4().hex
            fetch_all(self._con, "INSERT INTO store_meta VALUES ('identity', $v)", {"v": identity})

    @property
    def identity(self) -> str:
        """The store's identity: made when the store was created and kept in it (``store_meta``), so that what is
        derived from it and kept beside it, or in a process, is never taken for another store's at the same path.
        A store made by an older version and not yet opened for writing has none kept: its identity is derived
        from its first batch, as the first writer will then record it; one without any batch has ``""``."""
        if self._identity is None:
            try:
                kept = fetch_value(self._con, "SELECT value FROM store_meta WHERE key = 'identity'")
            except duckdb.CatalogException:  # an older version's store, opened read-only
                kept = None
            self._identity = str(kept) if kept is not None else _derived_identity(self._con)
        return self._identity

    # -- writes ----------------------------------------------------------------------------------------
    def _next_recorded_at(self) -> dt.datetime:
        """Transaction time: strictly after every earlier batch, so versions order even on a fast clock."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        last = fetch_value(self._con, "SELECT max(recorded_at) FROM batches")
        if last is not None and now <= last:
            now = last + dt.timedelta(microseconds=1)
        return now

    def apply_batch(self, batch: Batch) -> LoadResult:
        unknown = set(batch.tables) - set(_FACT_TABLES)
        if unknown:
            raise StoreError(f"unknown table(s) in batch: {sorted(unknown)}")
        con = self._con
        with self._transaction("writing a batch"):
            recorded_at = self._next_recorded_at()
            batch_id = int(fetch_value(con, "SELECT nextval('batch_ids')"))
            inserted: dict[str, int] = {}
            superseded: dict[str, int] = {}
            unchanged: dict[str, int] = {}
            for table in _FACT_TABLES:
                data = batch.tables.get(table)
                if data is None:
                    continue
                conformed = _conform(table, data)
                if table in batch.protected:
                    changed = self._changed(table, conformed)
                    if changed:
                        raise ProtectedFacts(table, changed)
                ins, sup, same = self._upsert(table, conformed, batch_id, recorded_at)
                inserted[table], superseded[table], unchanged[table] = ins, sup, same
            if batch.events is not None and batch.events.num_rows:
                events = batch.events.set_column(
                    LIFECYCLE_EVENT_SCHEMA.get_field_index("recorded_at"),
                    "recorded_at",
                    pa.array([recorded_at] * batch.events.num_rows, pa.timestamp("us")),
                )
                con.register("appended", events.select(LIFECYCLE_EVENT_SCHEMA.names).cast(LIFECYCLE_EVENT_SCHEMA))
                try:
                    fetch_all(con, "INSERT INTO lifecycle_events SELECT * FROM appended")
                finally:
                    con.unregister("appended")
            fetch_all(
                con,
                "INSERT INTO batches VALUES ($id, $at, $source, $s, $r, $e, $f)",
                {
                    "id": batch_id,
                    "at": recorded_at,
                    "source": batch.source,
                    "s": inserted.get("subjects", 0),
                    "r": inserted.get("roles", 0),
                    "e": inserted.get("entries", 0),
                    "f": inserted.get("findings", 0),
                },
            )
            self._write_audit(batch.audit_rows(batch_id, inserted))
        self._publish_generation()
        return LoadResult(batch_id, recorded_at, inserted, superseded, unchanged)

    def _changed(self, table: str, data: pa.Table) -> list[str]:
        """The keys of the rows of ``data`` that would supersede a current version (as _upsert compares)."""
        keys = KEYS[table]
        key_match, same_attrs = _comparison(table, data)
        shown = " || ' ' || ".join(f"coalesce(CAST(i.{k} AS VARCHAR), '')" for k in keys[:3])
        self._con.register("checked", data)
        try:
            rows = fetch_all(
                self._con,
                f"""SELECT {shown} FROM checked i JOIN {table} t ON t.superseded_at IS NULL AND {key_match}
                    WHERE NOT ({same_attrs}) ORDER BY 1""",
            )
        finally:
            self._con.unregister("checked")
        return [str(r[0]) for r in rows]

    def _upsert(self, table: str, data: pa.Table, batch_id: int, recorded_at: dt.datetime) -> tuple[int, int, int]:
        """Supersede changed current versions, insert new and changed rows, skip identical ones."""
        con = self._con
        key_match, same_attrs = _comparison(table, data)
        cols = ", ".join(data.column_names)
        if fetch_value(con, f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)") == 0:
            # A fresh table: nothing to supersede or compare with (the validated rows hold no duplicates).
            con.register("incoming", data)
            try:
                fetch_all(
                    con,
                    f"INSERT INTO {table} ({cols}, batch_id, recorded_at, superseded_at) "
                    f"SELECT {cols}, $batch, $at, NULL FROM incoming",
                    {"batch": batch_id, "at": recorded_at},
                )
            finally:
                con.unregister("incoming")
            return data.num_rows, 0, 0
        # A chunk of rows at a time: each join hashes one chunk, not the whole file (the keys are unique within a
        # batch, so no chunk's rows meet another's). Each chunk scans the stored table once: at most a few chunks.
        superseded = inserted = 0
        size = max(UPSERT_CHUNK_ROWS, -(-data.num_rows // UPSERT_MAX_CHUNKS))
        for start in range(0, data.num_rows, size):
            con.register("incoming_rows", data.slice(start, size))
            try:
                # Correct the open version of every fact whose content changed.
                superseded += int(
                    fetch_value(
                        con,
                        f"""UPDATE {table} AS t SET superseded_at = $at FROM incoming_rows AS i
                            WHERE t.superseded_at IS NULL AND {key_match} AND NOT ({same_attrs})""",
                        {"at": recorded_at},
                    )
                    or 0
                )
                inserted += int(
                    fetch_value(
                        con,
                        f"""INSERT INTO {table} ({cols}, batch_id, recorded_at, superseded_at)
                            SELECT {", ".join("i." + c for c in data.column_names)}, $batch, $at, NULL
                            FROM incoming_rows AS i
                            WHERE NOT EXISTS (SELECT 1 FROM {table} AS t
                                              WHERE t.superseded_at IS NULL AND {key_match} AND {same_attrs})""",
                        {"batch": batch_id, "at": recorded_at},
                    )
                    or 0
                )
            finally:
                con.unregister("incoming_rows")
        return inserted, superseded, data.num_rows - inserted

    # -- lookups used by loaders -------------------------------------------------------------------------
    def _lookup(self, sql: str, name: str, ids: pa.Array[Any], params: dict[str, Any] | None = None) -> pa.Table:
        self._con.register(name, pa.table({"id": ids.cast(pa.string())}))
        try:
            return fetch_arrow(self._con, sql, {"known_at": _FAR_FUTURE, **(params or {})})
        finally:
            self._con.unregister(name)

    def subject_kinds(self, subject_ids: pa.Array[Any]) -> pa.Table:
        return self._lookup(
            f"""SELECT DISTINCT s.subject_id, s.kind FROM subjects s JOIN wanted_subjects w ON w.id = s.subject_id
                WHERE {_current("s")}""",
            "wanted_subjects",
            subject_ids,
        )

    def subject_identifiers(self, usccs: pa.Array[Any], id_numbers: pa.Array[Any]) -> pa.Table:
        both = pa.concat_arrays([usccs.cast(pa.string()), id_numbers.cast(pa.string())])
        # Two equality joins, not one join on "uscc OR id_number", which would compare every pair of rows.
        return self._lookup(
            f"""SELECT s.subject_id, s.uscc, s.id_number FROM subjects s
                    JOIN wanted_identifiers w ON w.id = s.uscc WHERE {_current("s")}
                UNION
                SELECT s.subject_id, s.uscc, s.id_number FROM subjects s
                    JOIN wanted_identifiers w ON w.id = s.id_number WHERE {_current("s")}""",
            "wanted_identifiers",
            both,
        )

    def entry_subjects(self, entry_ids: pa.Array[Any]) -> pa.Table:
        return self._lookup(
            f"""SELECT DISTINCT e.entry_id, e.subject_id, s.kind FROM entries e
                JOIN wanted_entries w ON w.id = e.entry_id
                LEFT JOIN subjects s ON s.subject_id = e.subject_id AND {_current("s")}
                WHERE {_current("e")}""",
            "wanted_entries",
            entry_ids,
        )

    def entry_dates(self, entry_ids: pa.Array[Any]) -> pa.Table:
        return self._lookup(
            f"""WITH w AS (SELECT DISTINCT id FROM wanted_entries),
                closing AS (SELECT s.entry_id, arg_min(s.status, s.since) AS status, min(s.since) AS since
                            FROM statuses s JOIN w ON w.id = s.entry_id
                            WHERE {_current("s")} AND list_contains($closed, s.status) GROUP BY s.entry_id)
                SELECT e.entry_id, e.determined_on, e.status, e.status_since, c.status AS closed_status,
                       c.since AS closed_since
                FROM entries e JOIN w ON w.id = e.entry_id LEFT JOIN closing c ON c.entry_id = e.entry_id
                WHERE {_current("e")}""",
            "wanted_entries",
            entry_ids,
            {"closed": sorted(CLOSED_STATUSES)},
        ).cast(ENTRY_DATES_SCHEMA)

    def holdings_at(self, target_ids: pa.Array[Any]) -> pa.Table:
        return self._lookup(
            f"""SELECT r.source_id, r.role, r.target_id, r.ratio, r.valid_from, r.valid_to FROM roles r
                JOIN (SELECT DISTINCT id FROM wanted_targets) w ON w.id = r.target_id
                WHERE {_current("r")} AND list_contains($ratio_roles, r.role)""",
            "wanted_targets",
            target_ids,
            {"ratio_roles": sorted(vocabulary().ratio_roles())},
        ).cast(GRAPH_ROLE_SCHEMA)

    # -- rules ---------------------------------------------------------------------------------------------
    def run_rules(self, context: EvaluationContext) -> pa.Table:
        if context.known_at is not None:  # the names as then known: from the subjects' versions
            return run_rules(self._con, context, context.known_at, None)
        return run_rules(self._con, context, _FAR_FUTURE, self.subject_names())

    def subject_names(self) -> SubjectNames | None:
        """The current subjects' names by id, kept per batch (beside the store file, for later processes); None
        the first time a batch is asked for in this process when none are kept yet (NamesCache)."""
        facts = FactsVersion(self.identity, self.last_batch_id())
        return self._names.get(self._con, facts, None if self.in_memory else self.path)

    def replace_evaluation(self, evaluation: Evaluation, audit: AuditRecord | None = None) -> None:
        con = self._con
        names = [n for n, _ in DERIVED_COLUMNS]
        with self._transaction("storing an evaluation"):
            evaluation_id = int(fetch_value(con, "SELECT coalesce(max(evaluation_id), 0) + 1 FROM evaluations"))
            fetch_all(con, "DELETE FROM derived")
            fetch_all(con, "DELETE FROM evaluations")
            con.register("new_derived", evaluation.records.select(names))
            try:
                fetch_all(
                    con,
                    f"INSERT INTO derived SELECT $id, {', '.join(names)} FROM new_derived",
                    {"id": evaluation_id},
                )
            finally:
                con.unregister("new_derived")
            fetch_all(
                con,
                "INSERT INTO evaluations VALUES ($id, $profile, $as_of, $known_at, $at, $n)",
                {
                    "id": evaluation_id,
                    "profile": evaluation.profile,
                    "as_of": evaluation.as_of,
                    "known_at": evaluation.known_at,
                    "at": evaluation.evaluated_at,
                    "n": evaluation.records.num_rows,
                },
            )
            self._write_audit(
                None if audit is None else audit.table(more_parameters={"records": evaluation.records.num_rows})
            )
        self._publish_generation()

    def latest_evaluation(self) -> Evaluation | None:
        rows = fetch_all(
            self._con,
            "SELECT evaluation_id, profile, as_of, known_at, evaluated_at FROM evaluations "
            "ORDER BY evaluation_id DESC LIMIT 1",
        )
        if not rows:
            return None
        row = rows[0]
        records = fetch_arrow(
            self._con,
            f"SELECT {', '.join(n for n, _ in DERIVED_COLUMNS)} FROM derived WHERE evaluation_id = $id "
            "ORDER BY rule, subject_id, source_entry_id, related_id NULLS FIRST, related_entry_id NULLS FIRST, effect",
            {"id": row[0]},
        )
        return Evaluation(profile=row[1], as_of=row[2], known_at=row[3], evaluated_at=row[4], records=records)

    def export_csv(self, sql: str, path: Path) -> int:
        """Write the result of one of the project's own queries (never user input) to a CSV file with a header."""
        target = str(path).replace("'", "''")
        return int(fetch_value(self._con, f"COPY ({sql}) TO '{target}' (HEADER, DELIMITER ',')") or 0)

    # -- analytics ---------------------------------------------------------------------------------------------
    def last_batch_id(self) -> int:
        """The newest batch: analytics caches built from the store are stale once this changes."""
        return int(fetch_value(self._con, "SELECT coalesce(max(batch_id), 0) FROM batches") or 0)

    def entries_in_force(self, context: EvaluationContext) -> pa.Table:
        """Entries in force on the context's date under its profile (V1, V2), as the rules see them."""
        sql, params = inforce_sql(context)
        params["known_at"] = context.known_at or _FAR_FUTURE
        return fetch_arrow_planned_once(self._con, sql, params)

    def graph_on(self, as_of: dt.date) -> tuple[pa.Table, pa.Table]:
        """Current subjects (subject_id, kind, name) and the roles held on ``as_of``, for in-memory analytics;
        the roles in GRAPH_ROLE_ORDER (the adjacency numbers edges in row order: the Neo4j store sorts alike)."""
        subjects = fetch_arrow(
            self._con, "SELECT subject_id, kind, name FROM subjects WHERE superseded_at IS NULL ORDER BY subject_id"
        )
        roles = fetch_arrow(
            self._con,
            """SELECT source_id, role, target_id, ratio, valid_from, valid_to FROM roles
               WHERE superseded_at IS NULL AND (valid_from IS NULL OR valid_from <= $d)
                 AND (valid_to IS NULL OR $d <= valid_to)
               ORDER BY source_id, role, target_id, valid_from NULLS LAST""",
            {"d": as_of},
        )
        return subjects, roles

    # -- service: generation, subject facts, warning lifecycle, audit log -----------------------------------
    def generation(self) -> Generation:
        return Generation(
            batch=self.last_batch_id(),
            evaluation=int(fetch_value(self._con, "SELECT coalesce(max(evaluation_id), 0) FROM evaluations") or 0),
            warnings=int(fetch_value(self._con, "SELECT count(*) FROM warning_events") or 0),
            store=self.identity,
        )

    def _publish_generation(self) -> None:
        """Tell other processes, without them opening the store, that its content changed. Called after a
        commit, so it never fails the write: if the file cannot be replaced (a full disk), the stale one is
        removed and readers ask the store itself until a later write publishes again."""
        if self.in_memory:
            return
        try:
            write_generation(self.path, self.generation())
        except (OSError, duckdb.Error) as exc:
            withdraw_generation(self.path, exc)

    @contextlib.contextmanager
    def _transaction(self, what: str) -> Iterator[None]:
        """One transaction: committed when the block ends, rolled back on any error. A failure of the machine
        (a full disk, a read-only folder) is a StoreError saying so: nothing of the block was written."""
        con = self._con
        con.begin()
        try:
            yield
            self._commit()
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # a failed commit has already ended the transaction
                con.rollback()
            if isinstance(exc, duckdb.Error | OSError):
                fault = faults.describe(exc, str(self.path))
                raise StoreError(
                    f"{what} failed on the store {self.path}: {fault or exc}; nothing of it was written"
                ) from exc
            raise

    def _commit(self) -> None:
        self._con.commit()

    def _write_audit(self, rows: pa.Table | None) -> None:
        """Inside a write's transaction: the audit event of the request making it (PRV-06)."""
        if rows is None:
            return
        self._con.register("audited", rows.select(AUDIT_SCHEMA.names).cast(AUDIT_SCHEMA))
        try:
            fetch_all(self._con, "INSERT INTO audit_log SELECT * FROM audited")
        finally:
            self._con.unregister("audited")

    def current_subjects(self) -> pa.Table:
        return fetch_arrow(
            self._con,
            "SELECT subject_id, kind, name, uscc, id_number, region FROM subjects WHERE superseded_at IS NULL "
            "ORDER BY subject_id",
        )

    def current_entries(self) -> pa.Table:
        names = ", ".join(SCHEMAS["entries"].names)
        return fetch_arrow(
            self._con, f"SELECT {names}, recorded_at FROM entries WHERE superseded_at IS NULL ORDER BY entry_id"
        )

    def subject_facts(self, subject_id: str, *, roles: bool = True) -> dict[str, pa.Table]:
        """Every version of the facts about one subject, with transaction times: its identity, the roles it
        holds or that are held at it (none with ``roles=False``), its entries, and the responsibility findings
        naming it or its entries."""
        audit = ", recorded_at, superseded_at"
        params = {"id": subject_id}
        return {
            "subjects": fetch_arrow(
                self._con,
                f"SELECT {', '.join(SCHEMAS['subjects'].names)}{audit} FROM subjects WHERE subject_id = $id "
                "ORDER BY recorded_at",
                params,
            ),
            "roles": self.subject_roles_page(subject_id, 0, None if roles else 0)[0],
            "entries": fetch_arrow(
                self._con,
                f"SELECT {', '.join(SCHEMAS['entries'].names)}{audit} FROM entries WHERE subject_id = $id "
                "ORDER BY determined_on, entry_id, recorded_at",
                params,
            ),
            "findings": fetch_arrow(
                self._con,
                """SELECT f.person_id, f.entry_id, f.basis, f.recorded_at, f.superseded_at FROM findings f
                    WHERE f.person_id = $id OR f.entry_id IN (SELECT entry_id FROM entries WHERE subject_id = $id)
                    ORDER BY f.entry_id, f.person_id, f.recorded_at""",
                params,
            ),
        }

    def subject_roles_page(self, subject_id: str, offset: int, limit: int | None) -> tuple[pa.Table, int]:
        """At most ``limit`` (all for None) of ``subject_facts``' roles from the ``offset``-th, in its order, and how
        many there are."""
        params = {"id": subject_id, "offset": offset, "limit": limit}
        page = fetch_arrow(
            self._con,
            f"SELECT {', '.join(SCHEMAS['roles'].names)}, recorded_at, superseded_at FROM roles "
            f"WHERE {_SUBJECT_ROLES} ORDER BY {_ROLE_FACT_ORDER} LIMIT $limit OFFSET $offset",
            params,
        )
        total = fetch_value(self._con, f"SELECT count(*) FROM roles WHERE {_SUBJECT_ROLES}", {"id": subject_id})
        return page, int(total or 0)

    def fact_versions(self) -> dict[str, pa.Table]:
        """Every version of every role, entry and finding, with the columns and in the orders of
        ``subject_facts``: the service indexes them by subject once per load (api/facts.py), so that a subject's
        profile is a lookup rather than a scan of the roles."""
        audit = ", recorded_at, superseded_at"
        return {
            "roles": fetch_arrow(
                self._con,
                f"SELECT {', '.join(SCHEMAS['roles'].names)}{audit} FROM roles ORDER BY {_ROLE_FACT_ORDER}",
            ),
            "entries": fetch_arrow(
                self._con,
                f"SELECT {', '.join(SCHEMAS['entries'].names)}{audit} FROM entries "
                "ORDER BY determined_on, entry_id, recorded_at",
            ),
            "findings": fetch_arrow(
                self._con,
                "SELECT person_id, entry_id, basis, recorded_at, superseded_at FROM findings "
                "ORDER BY entry_id, person_id, recorded_at",
            ),
        }

    def append_warning_events(self, events: pa.Table, audit: AuditRecord | None = None) -> None:
        self._append("warning_events", events, WARNING_EVENT_SCHEMA, audit=audit)
        self._publish_generation()

    def warning_events(self) -> pa.Table:
        names = ", ".join(WARNING_EVENT_SCHEMA.names)
        return fetch_arrow(self._con, f"SELECT {names} FROM warning_events ORDER BY decided_at, warning_id")

    def lifecycle_events(self, case_id: str | None = None, entry_id: str | None = None) -> pa.Table:
        names = ", ".join(LIFECYCLE_EVENT_SCHEMA.names)
        return fetch_arrow(
            self._con,
            f"""SELECT {names} FROM lifecycle_events
                WHERE ($case IS NULL OR case_id = $case) AND ($entry IS NULL OR entry_id = $entry)
                ORDER BY recorded_at, case_id, event""",
            {"case": case_id, "entry": entry_id},
        )

    def current_entry(self, entry_id: str) -> dict[str, Any] | None:
        names = ", ".join(SCHEMAS["entries"].names)
        rows = fetch_arrow(
            self._con, f"SELECT {names} FROM entries WHERE entry_id = $id AND superseded_at IS NULL", {"id": entry_id}
        ).to_pylist()
        return rows[0] if rows else None

    def status_history(self, entry_id: str) -> pa.Table:
        names = ", ".join(SCHEMAS["statuses"].names)
        return fetch_arrow(
            self._con,
            f"SELECT {names} FROM statuses WHERE entry_id = $id AND superseded_at IS NULL ORDER BY since",
            {"id": entry_id},
        )

    def append_audit(self, events: pa.Table, journal: dict[str, int] | None = None) -> None:
        """Append audit events and, in the same transaction, the journal positions they were read up to,
        so that a journal line reaches the log exactly once."""
        self._append("audit_log", events, AUDIT_SCHEMA, journal)

    def audit_journal_positions(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in fetch_all(self._con, "SELECT segment, position FROM audit_journal")}

    def audit_events(self, since: dt.datetime | None = None, until: dt.datetime | None = None) -> pa.Table:
        names = ", ".join(AUDIT_SCHEMA.names)
        return fetch_arrow(
            self._con,
            f"""SELECT {names} FROM audit_log
                WHERE ($since IS NULL OR requested_at >= $since) AND ($until IS NULL OR requested_at < $until)
                ORDER BY requested_at, event_id""",
            {"since": since, "until": until},
        )

    def append_authorisation(self, authorisation: pa.Table, audit: AuditRecord | None = None) -> bool:
        """Record an authorisation; False (nothing written) when its id is already taken."""
        ids = authorisation.column("authorisation_id").to_pylist()
        taken = fetch_value(
            self._con, "SELECT count(*) FROM authorisations WHERE list_contains($ids, authorisation_id)", {"ids": ids}
        )
        if int(taken or 0):
            return False
        self._append("authorisations", authorisation, AUTHORISATION_SCHEMA, audit=audit)
        return True

    def authorisation(self, authorisation_id: str) -> pa.Table:
        names = ", ".join(AUTHORISATION_SCHEMA.names)
        return fetch_arrow(
            self._con, f"SELECT {names} FROM authorisations WHERE authorisation_id = $id", {"id": authorisation_id}
        )

    def _append(
        self,
        table: str,
        rows: pa.Table,
        schema: pa.Schema,
        journal: dict[str, int] | None = None,
        *,
        audit: AuditRecord | None = None,
    ) -> None:
        con = self._con
        with self._transaction(f"appending to {table}"):
            con.register("appended", rows.select(schema.names).cast(schema))
            try:
                fetch_all(con, f"INSERT INTO {table} SELECT * FROM appended")
            finally:
                con.unregister("appended")
            for segment, position in (journal or {}).items():
                fetch_all(
                    con,
                    "INSERT INTO audit_journal VALUES ($s, $p) ON CONFLICT (segment) DO UPDATE SET position = $p",
                    {"s": segment, "p": position},
                )
            self._write_audit(None if audit is None else audit.table())

    # -- reporting -----------------------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table, label in (
            ("subjects", "subjects"),
            ("roles", "roles"),
            ("entries", "entries"),
            ("findings", "findings"),
        ):
            counts[label] = int(fetch_value(self._con, f"SELECT count(*) FROM {table} WHERE superseded_at IS NULL"))
        counts["derived"] = int(fetch_value(self._con, "SELECT count(*) FROM derived"))
        return counts


def generation_path(store_path: Path) -> Path:
    """Where a store publishes its generation: ``<store>.generation`` beside the file."""
    return store_path.with_name(store_path.name + ".generation")


def _file_of(store_path: Path) -> list[int] | None:
    """The store file's device and inode (None if there is none), in one stat: DuckDB writes its file in place, so
    they stay while the store does; a store deleted, or replaced by another file moved in, has another file.

    Not its content: reading the file would cost more than a stat, and closing any descriptor of it drops every
    POSIX lock the process holds on it, DuckDB's own included. A file made anew may get a deleted file's inode:
    a store made by graphsvc first removes what was published beside it (EmbeddedStore)."""
    try:
        st = os.stat(store_path)
    except FileNotFoundError:
        return None
    return [st.st_dev, st.st_ino]


def write_generation(store_path: Path, generation: Generation) -> None:
    """Replace the published generation (a new inode: readers compare the file's stat). Raises OSError, and
    leaves no scratch file, when it cannot."""
    target = generation_path(store_path)
    scratch = target.with_name(target.name + f".{os.getpid()}")
    published = {**generation.counters(), "store": generation.store, "file": _file_of(store_path)}
    try:
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(published))
        os.replace(scratch, target)
    except BaseException:
        with contextlib.suppress(OSError):
            scratch.unlink(missing_ok=True)
        raise


def withdraw_generation(store_path: Path, why: BaseException) -> None:
    """A generation that could not be published after a commit: remove the stale file, so that readers ask the
    store itself (api/storage.py) rather than keep showing the content before the commit."""
    target = generation_path(store_path)
    try:
        target.unlink(missing_ok=True)
    except OSError as exc:
        log.error(
            "the store %s changed but its generation file %s could neither be replaced (%s) nor removed (%s): "
            "other processes may show the previous content until the next write; remove the file by hand",
            store_path,
            target,
            why,
            exc,
        )
        return
    log.warning(
        "the store %s changed but its generation file could not be replaced (%s): removed it, so readers ask "
        "the store until a later write publishes it again",
        store_path,
        why,
    )


# The store holds unmasked personal data (PRV-03): its files are its owner's alone, whatever the umask.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


class _PrivateUmask:
    """umask 077 while any writer of this process is open: the umask is the process's, so writers count in
    and out, and the first one in keeps the umask to restore when the last one leaves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0
        self._saved = 0

    def enter(self) -> None:
        with self._lock:
            previous = os.umask(0o077)  # also when another writer is open: the umask may have changed since
            if self._open == 0:
                self._saved = previous
            self._open += 1

    def leave(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0:
                os.umask(self._saved)


_PRIVATE_UMASK = _PrivateUmask()


def _connect(path: Path, *, read_only: bool, in_memory: bool) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file; a writer makes an older store's file private."""
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only and not in_memory:
        _private(path)
    return con


def _private(*paths: Path) -> None:
    """Make existing files private to their owner (a store made by an older version is tightened on open)."""
    for path in paths:
        try:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, PRIVATE_FILE)
        except FileNotFoundError:
            continue
        except PermissionError:  # not ours to change: leave it and let the operator see its mode
            continue


def read_only_reason(store_path: Path) -> str | None:
    """Why an existing store cannot be written here (a read-only mount, a folder or file not ours), or None. Such
    a store is read (without a lock file, see graphsvc/stores/filelock.py), never written."""
    if not store_path.exists():
        return None
    for what, path in (("folder", store_path.parent), ("file", store_path)):
        if not os.access(path, os.W_OK):
            return (
                f"the store {store_path} is read-only here (its {what} {path} cannot be written): it can be read, "
                "not written"
            )
    return None


def read_generation(store_path: Path) -> Generation | None:
    """The store's generation as last published, without opening the store: None if never published, or if
    what is published is not this store's (published for the file of a store since deleted or replaced, or by
    a version that did not say which store it was)."""
    try:
        published = json.loads(generation_path(store_path).read_text(encoding="utf-8"))
        file = published.pop("file")
        generation = Generation(**published)
    except (FileNotFoundError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if file is None or file != _file_of(store_path):
        return None
    return generation


def _derived_identity(con: duckdb.DuckDBPyConnection) -> str:
    """The identity of a store made before identities existed, the same in every process: from its first batch
    (when, to the microsecond, and from where); ``""`` for one without a batch."""
    try:
        rows = fetch_all(con, "SELECT recorded_at, source FROM batches ORDER BY batch_id LIMIT 1")
    except duckdb.CatalogException:  # not a graphsvc store yet: no batches table
        return ""
    if not rows:
        return ""
    recorded_at, source = rows[0]
    return "first-batch-" + hashlib.sha256(f"{recorded_at.isoformat()}|{source}".encode()).hexdigest()[:32]


# Far enough ahead that "known at" means "everything recorded so far".
_FAR_FUTURE = dt.datetime(9999, 12, 31)
