"""The Neo4j store: the same interface and answers as the embedded store, on a Bolt/Cypher server.

Every statement is a named file in ``cypher/`` (graphsvc.stores.cypher_files), always parameterised. Writes go
through managed transactions (``execute_write``), which the driver retries on transient errors; loads are
batched ``UNWIND`` upserts that are idempotent, so a load interrupted by a server restart can be re-run.

Data model: identity nodes ``(:Subject {subject_id})`` and ``(:Entry {entry_id})``, each with versions
``-[:VERSION]->(:SubjectVersion | :EntryVersion)``; roles ``(holder)-[:ROLE {role, ...}]->(organisation)`` and
findings ``(person)-[:RESPONSIBLE_FOR]->(entry)``, one relationship per version. Every version carries
``recorded_at`` and ``superseded_at`` (transaction time), as in the embedded store.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pyarrow as pa
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_errors

from graphsvc.context import EvaluationContext
from graphsvc.errors import ProtectedFacts, StoreError
from graphsvc.stores.base import (
    AUDIT_SCHEMA,
    AUTHORISATION_SCHEMA,
    DERIVED_FIELDS,
    DERIVED_SCHEMA,
    ENTRY_DATES_SCHEMA,
    ENTRY_SCHEMA,
    GRAPH_ROLE_ORDER,
    GRAPH_ROLE_SCHEMA,
    GRAPH_SUBJECT_SCHEMA,
    LIFECYCLE_EVENT_SCHEMA,
    RULE_OUTPUT_SCHEMA,
    SCHEMAS,
    STATUS_SCHEMA,
    SUBJECT_SCHEMA,
    WARNING_EVENT_SCHEMA,
    AuditRecord,
    Batch,
    ClosingStore,
    Evaluation,
    Generation,
    LoadResult,
    RuleRow,
    record_order,
)
from graphsvc.stores.cypher_files import rule_statement, statement, statements
from graphsvc.stores.neo4j_rules import INFORCE_PROLOGUE, PLANS, Row, inforce_parameters, parameters
from graphsvc.vocab import CLOSED_STATUSES
from graphsvc.vocabulary import vocabulary

DEFAULT_BATCH_SIZE = 10_000
_T = TypeVar("_T")
_FAR_FUTURE = dt.datetime(9999, 12, 31)
log = logging.getLogger("graphsvc.neo4j")
_UPSERTS = {
    "subjects": "upsert_subjects",
    "roles": "upsert_roles",
    "entries": "upsert_entries",
    "findings": "upsert_findings",
    "statuses": "upsert_statuses",
}
# The tables a batch may protect (Batch.protected): the statement naming the rows that would change stored facts.
_CHANGE_CHECKS = {"subjects": "changed_subjects", "roles": "changed_roles"}

# The service's tables, column for column and type for type as the embedded store returns them.
_RECORDED_AT = pa.field("recorded_at", pa.timestamp("us"))
_SUPERSEDED_AT = pa.field("superseded_at", pa.timestamp("us"))
CURRENT_ENTRY_SCHEMA = ENTRY_SCHEMA.append(_RECORDED_AT)
INFORCE_SCHEMA = pa.schema(
    [
        *(
            ENTRY_SCHEMA.field(name)
            for name in ("entry_id", "subject_id", "list_type", "domain", "severity", "department", "determined_on")
        ),
        pa.field("valid_until", pa.date32()),
        pa.field("flags", pa.string()),
        ENTRY_SCHEMA.field("scope"),
        ENTRY_SCHEMA.field("legal_basis"),
        ENTRY_SCHEMA.field("status"),  # the status in force on the date (status history)
    ]
)
_EVENT_INPUT_SCHEMA = pa.schema([f for f in LIFECYCLE_EVENT_SCHEMA if f.name != "recorded_at"])
FACT_VERSION_SCHEMAS: dict[str, pa.Schema] = {
    table: schema.append(_RECORDED_AT).append(_SUPERSEDED_AT) for table, schema in SCHEMAS.items()
}
# The embedded store's ORDER BY of each fact table in subject_facts: (statement, sort keys, missing values first).
_FACT_QUERIES: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "subjects": ("subject_facts_subjects", ("recorded_at",), False),
    # valid_from NULLS FIRST; the other keys are never missing
    "roles": ("subject_facts_roles", ("valid_from", "role", "source_id", "target_id", "recorded_at"), True),
    "entries": ("subject_facts_entries", ("determined_on", "entry_id", "recorded_at"), False),
    "findings": ("subject_facts_findings", ("entry_id", "person_id", "recorded_at"), False),
}

# A string holding a character beyond U+FFFF (a surrogate pair in UTF-16), for subject_roles_count.cypher.
_BEYOND_BMP = r"(?s).*[^\x{0}-\x{FFFF}].*"


@dataclass(frozen=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str
    database: str = "neo4j"
    batch_size: int = DEFAULT_BATCH_SIZE

    @staticmethod
    def from_env(**overrides: Any) -> Neo4jSettings:
        """NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE; explicit values win."""

        def pick(name: str, env: str, default: str) -> str:
            value = overrides.get(name)
            return str(value) if value is not None else os.environ.get(env, default)

        batch_size = overrides.get("batch_size")
        return Neo4jSettings(
            uri=pick("uri", "NEO4J_URI", "bolt://localhost:7687"),
            user=pick("user", "NEO4J_USER", "neo4j"),
            password=pick("password", "NEO4J_PASSWORD", ""),
            database=pick("database", "NEO4J_DATABASE", "neo4j"),
            batch_size=int(batch_size) if batch_size is not None else DEFAULT_BATCH_SIZE,
        )


def _sorted(
    rows: list[dict[str, Any]], schema: pa.Schema, keys: tuple[str, ...], *, nulls_first: bool = False
) -> pa.Table:
    """Rows as an Arrow table in the embedded store's ORDER BY: ascending, strings by code point (DuckDB compares
    their UTF-8 bytes, which orders alike; Cypher's ORDER BY compares UTF-16 units, which does not), missing values
    last unless ``nulls_first``. Python's sort is stable: ties keep the server's order."""

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(((row[k] is None) != nulls_first, 0 if row[k] is None else row[k]) for k in keys)

    ordered = sorted(rows, key=key)
    return pa.Table.from_pylist(ordered, schema=schema)


def _conformed_rows(table: pa.Table, schema: pa.Schema) -> list[dict[str, Any]]:
    """The rows of an appended table in the log's schema, converted as the embedded store converts them (its
    columns selected and cast; a missing column or an impossible cast raises before anything is written)."""
    rows: list[dict[str, Any]] = table.select(schema.names).cast(schema).to_pylist()
    return rows


def _batch_parameters(batch_id: int, recorded_at: dt.datetime, source: str, inserted: dict[str, int]) -> dict[str, Any]:
    counts = {t: inserted.get(t, 0) for t in ("subjects", "roles", "entries", "findings")}
    return {"batch_id": batch_id, "recorded_at": recorded_at, "source": source, **counts}


def _utc_naive(moment: dt.datetime | None) -> dt.datetime | None:
    """Stored timestamps are naive UTC: a bound with a time zone is converted to that."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _date(value: Any) -> dt.date | None:
    """A neo4j.time.Date (or a date already native) as datetime.date."""
    if value is None or isinstance(value, dt.date):
        return value
    native: dt.date = value.to_native()
    return native


def _native(value: Any) -> Any:
    """neo4j.time values → datetime; lists and maps recursively."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    return value


class Neo4jStore(ClosingStore):
    """GraphStore on a Bolt/Cypher server (Neo4j 5, or the ArcadeDB Bolt server used in tests)."""

    def __init__(self, settings: Neo4jSettings) -> None:
        self.settings = settings
        self._driver: Driver = GraphDatabase.driver(settings.uri, auth=(settings.user, settings.password))
        try:
            self._driver.verify_connectivity()
        except neo4j_errors.AuthError as exc:
            self._driver.close()
            raise StoreError(
                f"the Neo4j server at {settings.uri} refused user {settings.user!r}: check NEO4J_USER and "
                f"NEO4J_PASSWORD ({exc.message})"
            ) from exc
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.DriverError, OSError) as exc:
            self._driver.close()
            raise StoreError(
                f"cannot reach a Neo4j server at {settings.uri}: check that it is running and that NEO4J_URI "
                f"(or --neo4j-uri) points at its Bolt port ({exc})"
            ) from exc
        self._run_writes([(stmt, {}) for stmt in statements("schema")])
        # a database first connected to (or wiped since) gets an identity: see Generation.store
        self._write(statement("store_identity"), {"identity": uuid.uuid4().hex})

    @property
    def location(self) -> str:
        return self.settings.uri

    # -- lifecycle ---------------------------------------------------------------------------------------
    def close(self) -> None:
        # Every write was committed by its own managed transaction: a driver that fails to say goodbye on its
        # way out (seen as a BufferError when a connection is closed under a late read) loses nothing.
        try:
            self._driver.close()
        except (BufferError, OSError, neo4j_errors.DriverError) as exc:
            log.warning("closing the Neo4j driver for %s failed: %s", self.settings.uri, exc)

    # -- plumbing ------------------------------------------------------------------------------------------
    def _guard(self, what: str, exc: Exception) -> StoreError:
        return StoreError(
            f"{what} failed on the Neo4j server at {self.settings.uri}: {exc}. If the server restarted, run the "
            "same command again: loads are idempotent and evaluations replace the previous one atomically."
        )

    def _read(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [_native(dict(record)) for record in tx.run(text, params)]

        return self._read_with(work)

    def _read_with(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        """``work`` in one managed read transaction (retried by the driver on transient errors)."""
        try:
            with self._driver.session(database=self.settings.database) as session:
                return session.execute_read(work)
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
            raise self._guard("a query", exc) from exc

    def _subject_pages(self, name: str, params: dict[str, Any]) -> Iterator[list[tuple[str, list[Any]]]]:
        """The rows (subject_id, list) of a statement paged by subject (``graph_on_*.cypher``): ``batch_size``
        subjects per page, each page its own read transaction, the next page starting after the last id seen,
        so that neither the server nor the driver ever holds the whole graph in one result."""
        text, size, after = statement(name), self.settings.batch_size, ""
        while True:

            def work(tx: ManagedTransaction, after: str = after) -> list[tuple[str, list[Any]]]:
                return [(record[0], record[1]) for record in tx.run(text, {**params, "after": after, "limit": size})]

            page = self._read_with(work)
            if page:
                yield page
            if len(page) < size:
                return
            after = page[-1][0]

    def _write(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._run_writes([(text, params)])[0]

    def _write_together(
        self, what: str, work_items: list[tuple[str, dict[str, Any]]], audit: pa.Table | None = None
    ) -> None:
        """Several statements in ONE managed write transaction, and the request's audit event with them: all of
        them commit, or none (the driver retries the whole transaction on transient errors)."""

        if not work_items and audit is None:
            return

        def work(tx: ManagedTransaction) -> None:
            for text, params in work_items:
                tx.run(text, params).consume()
            self._write_audit(tx, audit)

        self._in_write_transaction(what, work)

    def _in_write_transaction(self, what: str, work: Callable[[ManagedTransaction], _T]) -> _T:
        """``work`` in one managed write transaction; any failure rolls all of it back and is a StoreError."""
        try:
            with self._driver.session(database=self.settings.database) as session:
                return session.execute_write(work)
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
            raise self._guard(what, exc) from exc

    def _write_audit(self, tx: ManagedTransaction, rows: pa.Table | None) -> None:
        """Inside a write's transaction: the audit event of the request making it (PRV-06)."""
        if rows is not None and rows.num_rows:
            tx.run(statement("audit_append"), {"rows": _conformed_rows(rows, AUDIT_SCHEMA)}).consume()

    def _run_writes(self, work_items: list[tuple[str, dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        """Each statement in its own managed write transaction (retried by the driver on transient errors)."""
        results: list[list[dict[str, Any]]] = []
        try:
            with self._driver.session(database=self.settings.database) as session:
                for text, params in work_items:

                    def work(tx: ManagedTransaction, text: str = text, params: dict[str, Any] = params) -> Any:
                        return [_native(dict(record)) for record in tx.run(text, params)]

                    results.append(session.execute_write(work))
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
            raise self._guard("a write", exc) from exc
        return results

    # -- loads -----------------------------------------------------------------------------------------------
    def apply_batch(self, batch: Batch) -> LoadResult:
        head = self._read(statement("next_batch"), {})[0]
        batch_id = int(head["batch_id"])
        recorded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        last = head["last_recorded_at"]
        if last is not None and recorded_at <= last:
            recorded_at = last + dt.timedelta(microseconds=1)
        inserted: dict[str, int] = {}
        superseded: dict[str, int] = {}
        unchanged: dict[str, int] = {}
        for table in sorted(batch.protected & set(batch.tables)):
            if table not in _CHANGE_CHECKS:
                raise StoreError(f"{table} cannot be protected on the Neo4j store")
            rows = _conformed_rows(batch.tables[table], SCHEMAS[table])
            size = self.settings.batch_size
            changed: list[str] = []
            for start in range(0, len(rows), size):
                found = self._read(statement(_CHANGE_CHECKS[table]), {"rows": rows[start : start + size]})
                changed += [str(r["id"]) for r in found]
            if changed:
                raise ProtectedFacts(table, sorted(changed))
        size = self.settings.batch_size
        upserts: list[tuple[str, dict[str, Any]]] = []  # (table, parameters) of each chunk
        for table in _UPSERTS:
            data = batch.tables.get(table)
            if data is None:
                continue
            rows = data.select([f.name for f in SCHEMAS[table]]).cast(SCHEMAS[table]).to_pylist()
            inserted[table] = superseded[table] = 0
            unchanged[table] = len(rows)
            for start in range(0, len(rows), size):
                chunk = {"rows": rows[start : start + size], "batch_id": batch_id, "recorded_at": recorded_at}
                upserts.append((table, chunk))
        appended: list[tuple[str, dict[str, Any]]] = []
        if batch.events is not None and batch.events.num_rows:
            events = _conformed_rows(batch.events.drop_columns(["recorded_at"]), _EVENT_INPUT_SCHEMA)
            appended.append((statement("lifecycle_append"), {"rows": events, "recorded_at": recorded_at}))

        def count(table: str, result: dict[str, Any], into: tuple[dict[str, int], dict[str, int]]) -> None:
            into[0][table] += int(result["inserted"] or 0)
            into[1][table] += int(result["superseded"] or 0)

        if batch.audit is None:
            # A bulk load: a transaction per chunk, the batch recorded before its rows, so an interrupted load
            # never hands its number to the next one (loads are idempotent: run it again).
            self._record_batch(batch_id, recorded_at, batch.source, inserted)
            for table, params in upserts:
                count(table, self._write(statement(_UPSERTS[table]), params)[0], (inserted, superseded))
            self._run_writes(appended)
            self._record_batch(batch_id, recorded_at, batch.source, inserted)
        else:
            # A request's write: the rows, the batch and the request's audit event in one transaction.
            def work(tx: ManagedTransaction) -> tuple[dict[str, int], dict[str, int]]:
                counts: tuple[dict[str, int], dict[str, int]] = ({t: 0 for t in inserted}, {t: 0 for t in inserted})
                for table, params in upserts:
                    result = tx.run(statement(_UPSERTS[table]), params).single()
                    count(table, dict(result) if result is not None else {"inserted": 0, "superseded": 0}, counts)
                for text, params in appended:
                    tx.run(text, params).consume()
                tx.run(statement("record_batch"), _batch_parameters(batch_id, recorded_at, batch.source, counts[0]))
                self._write_audit(tx, batch.audit_rows(batch_id, counts[0]))
                return counts

            done = self._in_write_transaction("writing a batch", work)
            inserted.update(done[0])
            superseded.update(done[1])
        for table, ins in inserted.items():
            unchanged[table] -= ins
        return LoadResult(batch_id, recorded_at, inserted, superseded, unchanged)

    def _record_batch(self, batch_id: int, recorded_at: dt.datetime, source: str, inserted: dict[str, int]) -> None:
        self._write(statement("record_batch"), _batch_parameters(batch_id, recorded_at, source, inserted))

    # -- lookups used by loaders -------------------------------------------------------------------------------
    def subject_kinds(self, subject_ids: pa.Array[Any]) -> pa.Table:
        rows = self._read(statement("lookup_subject_kinds"), {"ids": subject_ids.to_pylist()})
        return pa.Table.from_pylist(rows, schema=pa.schema([("subject_id", pa.string()), ("kind", pa.string())]))

    def subject_identifiers(self, usccs: pa.Array[Any], id_numbers: pa.Array[Any]) -> pa.Table:
        rows: list[dict[str, Any]] = []
        for name, values in (("lookup_subjects_by_uscc", usccs), ("lookup_subjects_by_id_number", id_numbers)):
            wanted = [v for v in values.to_pylist() if v is not None]
            if wanted:
                rows += self._read(statement(name), {"ids": wanted})
        schema = pa.schema([("subject_id", pa.string()), ("uscc", pa.string()), ("id_number", pa.string())])
        return pa.Table.from_pylist(rows, schema=schema)

    def entry_subjects(self, entry_ids: pa.Array[Any]) -> pa.Table:
        rows = self._read(statement("lookup_entry_subjects"), {"ids": entry_ids.to_pylist()})
        schema = pa.schema([("entry_id", pa.string()), ("subject_id", pa.string()), ("kind", pa.string())])
        return pa.Table.from_pylist(rows, schema=schema)

    def entry_dates(self, entry_ids: pa.Array[Any]) -> pa.Table:
        params = {"ids": entry_ids.to_pylist(), "closed": sorted(CLOSED_STATUSES)}
        return pa.Table.from_pylist(self._read(statement("lookup_entry_dates"), params), schema=ENTRY_DATES_SCHEMA)

    def holdings_at(self, target_ids: pa.Array[Any]) -> pa.Table:
        ids = sorted({v for v in target_ids.to_pylist() if v is not None})
        roles = sorted(vocabulary().ratio_roles())
        rows: list[dict[str, Any]] = []
        size = self.settings.batch_size
        for start in range(0, len(ids), size):
            rows += self._read(statement("lookup_holdings"), {"ids": ids[start : start + size], "roles": roles})
        return pa.Table.from_pylist(rows, schema=GRAPH_ROLE_SCHEMA)

    # -- rules -------------------------------------------------------------------------------------------------
    def run_rules(self, context: EvaluationContext) -> pa.Table:
        known_at = context.known_at or _FAR_FUTURE
        out: list[RuleRow] = []
        for rule in context.rules:
            plan = PLANS[rule.shape]
            rows: list[Row] = []
            for body in plan.bodies:
                rows += self._read(rule_statement(body, prologue=plan.prologue), parameters(context, rule, known_at))
            out.extend(plan.shape(rule, rows))
        ids = sorted({str(v) for r in out for v in (r["subject_id"], r["related_id"], r["origin_id"]) if v})
        names = {
            r["subject_id"]: r["name"]
            for r in self._read(statement("subject_names"), {"ids": ids, "known_at": known_at})
        }
        for r in out:
            r["subject_name"] = names.get(r["subject_id"])
            r["related_name"] = names.get(r["related_id"]) if r["related_id"] else None
            r["origin_name"] = names.get(r["origin_id"]) if r["origin_id"] else None
        out.sort(key=record_order)
        return pa.Table.from_pylist(out, schema=RULE_OUTPUT_SCHEMA)

    def replace_evaluation(self, evaluation: Evaluation, audit: AuditRecord | None = None) -> None:
        evaluation_id = int(self._read(statement("evaluation_next_id"), {})[0]["evaluation_id"])
        self._write(
            statement("evaluation_begin"),
            {
                "evaluation_id": evaluation_id,
                "profile": evaluation.profile,
                "as_of": evaluation.as_of,
                "known_at": evaluation.known_at,
                "evaluated_at": evaluation.evaluated_at,
                "records": evaluation.records.num_rows,
            },
        )
        rows = evaluation.records.select(list(DERIVED_FIELDS)).to_pylist()
        size = self.settings.batch_size
        for start in range(0, len(rows), size):
            chunk = [{k: v for k, v in row.items() if v is not None} for row in rows[start : start + size]]
            self._write(statement("evaluation_write_derived"), {"rows": chunk, "evaluation_id": evaluation_id})
        # The switch to the new evaluation is its commit: the request's audit event goes with it.
        self._write_together(
            "installing an evaluation",
            [(statement("evaluation_commit"), {"evaluation_id": evaluation_id})],
            None if audit is None else audit.table(more_parameters={"records": evaluation.records.num_rows}),
        )
        while int(self._write(statement("evaluation_cleanup"), {"limit": size})[0]["removed"] or 0):
            pass
        self._write(statement("evaluation_drop_stale"), {})

    def latest_evaluation(self) -> Evaluation | None:
        current = self._read(statement("evaluation_current"), {})
        if not current:
            return None
        head = current[0]
        records = [
            {k: r["record"].get(k) for k in DERIVED_FIELDS}
            for r in self._read(statement("evaluation_records"), {"evaluation_id": head["evaluation_id"]})
        ]
        records.sort(key=record_order)
        return Evaluation(
            profile=head["profile"],
            as_of=head["as_of"],
            known_at=head["known_at"],
            evaluated_at=head["evaluated_at"],
            records=pa.Table.from_pylist(records, schema=DERIVED_SCHEMA),
        )

    # -- reporting ---------------------------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        row = self._read(statement("stats"), {})[0]
        return {k: int(row[k] or 0) for k in ("subjects", "roles", "entries", "findings", "derived")}

    # -- service: generation, subject facts, warning lifecycle, audit log ----------------------------------------
    # Same columns, types and row order as the embedded store's methods of the same names; the rows are sorted
    # here (``_sorted``) so that strings order exactly as DuckDB orders them.
    def generation(self) -> Generation:
        """The last batch, the current evaluation (0 if none), the number of warning events and the database's
        identity ("" if it was wiped since this store connected). Evaluation ids only grow, so ``evaluation``
        changes whenever replace_evaluation installs one; after a failed replace_evaluation the next id skips a
        number, where the embedded store's does not."""
        row = self._read(statement("generation"), {})[0]
        return Generation(
            batch=int(row["batch"] or 0),
            evaluation=int(row["evaluation"] or 0),
            warnings=int(row["warnings"] or 0),
            store=str(row["store"] or ""),
        )

    def current_subjects(self) -> pa.Table:
        return _sorted(self._read(statement("current_subjects"), {}), SUBJECT_SCHEMA, ("subject_id",))

    def current_entries(self) -> pa.Table:
        return _sorted(self._read(statement("current_entries"), {}), CURRENT_ENTRY_SCHEMA, ("entry_id",))

    def entries_in_force(self, context: EvaluationContext) -> pa.Table:
        """Entries in force on the context's date under its profile (V1, V2): the rules' own prologue
        (``inforce_entries.cypher``) with the rules' parameters, as ``run_rules`` runs it."""
        rows = self._read(
            rule_statement("entries_in_force", prologue=INFORCE_PROLOGUE),
            inforce_parameters(context, context.known_at or _FAR_FUTURE),
        )
        return _sorted(rows, INFORCE_SCHEMA, ("subject_id", "entry_id"))

    def graph_on(self, as_of: dt.date) -> tuple[pa.Table, pa.Table]:
        """Current subjects (subject_id, kind, name) by id and the roles held on ``as_of`` (GRAPH_ROLE_SCHEMA) in
        GRAPH_ROLE_ORDER, for the in-memory analytics: the embedded store's tables, column for column and row for
        row. Read a page of subjects at a time (``graph_on_subjects.cypher``, ``graph_on_roles.cypher``) into
        column lists, then sorted by Arrow (strings by UTF-8 bytes, i.e. code points, as DuckDB sorts them)."""
        ids: list[str] = []
        kinds: list[str] = []
        names: list[str] = []
        for page in self._subject_pages("graph_on_subjects", {}):
            for subject_id, versions in page:
                for kind, name in versions:
                    ids.append(subject_id)
                    kinds.append(kind)
                    names.append(name)
        subjects = pa.Table.from_pydict(
            {"subject_id": ids, "kind": kinds, "name": names}, schema=GRAPH_SUBJECT_SCHEMA
        ).sort_by([("subject_id", "ascending")])
        source: list[str] = []
        role: list[str] = []
        target: list[str] = []
        ratio: list[float | None] = []
        valid_from: list[dt.date | None] = []
        valid_to: list[dt.date | None] = []
        for page in self._subject_pages("graph_on_roles", {"as_of": as_of}):
            for holder, held in page:
                for r, t, q, since, until in held:
                    source.append(holder)
                    role.append(r)
                    target.append(t)
                    ratio.append(q)
                    valid_from.append(_date(since))
                    valid_to.append(_date(until))
        columns: dict[str, list[Any]] = {
            "source_id": source,
            "role": role,
            "target_id": target,
            "ratio": ratio,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
        # Arrow's default null placement is at the end, as in the embedded store's ORDER BY.
        roles = pa.Table.from_pydict(columns, schema=GRAPH_ROLE_SCHEMA)
        roles = roles.sort_by([(k, "ascending") for k in GRAPH_ROLE_ORDER])
        return subjects, roles

    def subject_facts(self, subject_id: str, *, roles: bool = True) -> dict[str, pa.Table]:
        """Every version of the facts about one subject, with transaction times: its identity, the roles it
        holds or that are held at it (none with ``roles=False``: a profile reads them a page at a time with
        ``subject_roles_page``), its entries, and the responsibility findings naming it or its entries."""
        return {
            table: _sorted(
                self._read(statement(name), {"id": subject_id}) if roles or table != "roles" else [],
                FACT_VERSION_SCHEMAS[table],
                keys,
                nulls_first=nulls_first,
            )
            for table, (name, keys, nulls_first) in _FACT_QUERIES.items()
        }

    def subject_roles_page(self, subject_id: str, offset: int, limit: int) -> tuple[pa.Table, int]:
        """One page of ``subject_facts``' roles, sorted, skipped and limited on the server, and how many there are,
        both read in one transaction: a hub's 100,000 role versions are never read for a page of 50. Only when a
        sort key of the subject's roles holds a character beyond U+FFFF (which a server comparing UTF-16 units
        orders otherwise than the embedded store's code points) are they all read and sorted here instead."""
        params = {"id": subject_id, "skip": offset, "limit": limit, "beyond_bmp": _BEYOND_BMP}
        name, keys, nulls_first = _FACT_QUERIES["roles"]
        page_statement, count_statement = statement("subject_roles_page"), statement("subject_roles_count")
        whole_statement = statement(name)

        def work(tx: ManagedTransaction) -> tuple[list[dict[str, Any]], int, bool]:
            head = tx.run(count_statement, params).single()
            total = int(head["total"]) if head is not None else 0
            if head is not None and int(head["beyond_bmp"] or 0):
                return [_native(dict(record)) for record in tx.run(whole_statement, {"id": subject_id})], total, True
            if offset >= total:
                return [], total, False
            return [_native(dict(record)) for record in tx.run(page_statement, params)], total, False

        rows, total, whole = self._read_with(work)
        schema = FACT_VERSION_SCHEMAS["roles"]
        if whole:
            return _sorted(rows, schema, keys, nulls_first=nulls_first).slice(offset, limit), total
        return pa.Table.from_pylist(rows, schema=schema), total

    def append_warning_events(self, events: pa.Table, audit: AuditRecord | None = None) -> None:
        """Append lifecycle events, all in one transaction (append-only: nothing edits or deletes them)."""
        rows = _conformed_rows(events, WARNING_EVENT_SCHEMA)
        self._write_together(
            "appending warning events",
            self._chunks("warning_events_append", rows),
            None if audit is None else audit.table(),
        )

    def warning_events(self) -> pa.Table:
        return _sorted(self._read(statement("warning_events"), {}), WARNING_EVENT_SCHEMA, ("decided_at", "warning_id"))

    def lifecycle_events(self, case_id: str | None = None, entry_id: str | None = None) -> pa.Table:
        rows = self._read(statement("lifecycle_events"), {"case_id": case_id, "entry_id": entry_id})
        return _sorted(rows, LIFECYCLE_EVENT_SCHEMA, ("recorded_at", "case_id", "event"))

    def current_entry(self, entry_id: str) -> dict[str, Any] | None:
        rows = self._read(statement("current_entry"), {"id": entry_id})
        return pa.Table.from_pylist(rows, schema=ENTRY_SCHEMA).to_pylist()[0] if rows else None

    def status_history(self, entry_id: str) -> pa.Table:
        return _sorted(self._read(statement("status_history"), {"id": entry_id}), STATUS_SCHEMA, ("since",))

    def append_audit(self, events: pa.Table, journal: dict[str, int] | None = None) -> None:
        """Append audit events and, in the same transaction, the journal positions they were read up to,
        so that a journal line reaches the log exactly once."""
        rows = _conformed_rows(events, AUDIT_SCHEMA)
        positions = [
            {"segment": str(segment), "position": int(position)} for segment, position in (journal or {}).items()
        ]
        work = self._chunks("audit_append", rows)
        if positions:
            work.append((statement("audit_journal_advance"), {"positions": positions}))
        self._write_together("appending audit events", work)

    def audit_journal_positions(self) -> dict[str, int]:
        return {str(r["segment"]): int(r["position"]) for r in self._read(statement("audit_journal_positions"), {})}

    def audit_events(self, since: dt.datetime | None = None, until: dt.datetime | None = None) -> pa.Table:
        """Audit events requested in [since, until), either bound open when None."""
        rows = self._read(statement("audit_events"), {"since": _utc_naive(since), "until": _utc_naive(until)})
        return _sorted(rows, AUDIT_SCHEMA, ("requested_at", "event_id"))

    def append_authorisation(self, authorisation: pa.Table, audit: AuditRecord | None = None) -> bool:
        """Record an authorisation; False (nothing written) when its id is already taken."""
        rows = _conformed_rows(authorisation, AUTHORISATION_SCHEMA)
        if any(self._read(statement("authorisation"), {"id": row["authorisation_id"]}) for row in rows):
            return False
        self._write_together(
            "recording an authorisation",
            [(statement("authorisation_append"), {"rows": rows})],
            None if audit is None else audit.table(),
        )
        return True

    def authorisation(self, authorisation_id: str) -> pa.Table:
        rows = self._read(statement("authorisation"), {"id": authorisation_id})
        return pa.Table.from_pylist(rows, schema=AUTHORISATION_SCHEMA)

    def _chunks(self, name: str, rows: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        """One append statement per batch_size rows (all run in the caller's single transaction)."""
        size = self.settings.batch_size
        return [(statement(name), {"rows": rows[start : start + size]}) for start in range(0, len(rows), size)]
