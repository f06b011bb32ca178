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
import os
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_errors

from graphsvc.errors import StoreError
from graphsvc.rules.context import EvaluationContext
from graphsvc.stores.base import (
    DERIVED_FIELDS,
    DERIVED_SCHEMA,
    RULE_OUTPUT_SCHEMA,
    SCHEMAS,
    Batch,
    ClosingStore,
    Evaluation,
    LoadResult,
    record_order,
)
from graphsvc.stores.cypher_files import rule_statement, statement, statements
from graphsvc.stores.neo4j_rules import PLANS, Row, parameters

DEFAULT_BATCH_SIZE = 10_000
_FAR_FUTURE = dt.datetime(9999, 12, 31)
_UPSERTS = {
    "subjects": "upsert_subjects",
    "roles": "upsert_roles",
    "entries": "upsert_entries",
    "findings": "upsert_findings",
}


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

    @property
    def location(self) -> str:
        return self.settings.uri

    # -- lifecycle ---------------------------------------------------------------------------------------
    def close(self) -> None:
        self._driver.close()

    # -- plumbing ------------------------------------------------------------------------------------------
    def _guard(self, what: str, exc: Exception) -> StoreError:
        return StoreError(
            f"{what} failed on the Neo4j server at {self.settings.uri}: {exc}. If the server restarted, run the "
            "same command again: loads are idempotent and evaluations replace the previous one atomically."
        )

    def _read(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [_native(dict(record)) for record in tx.run(text, params)]

        try:
            with self._driver.session(database=self.settings.database) as session:
                return session.execute_read(work)
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
            raise self._guard("a query", exc) from exc

    def _write(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._run_writes([(text, params)])[0]

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
        # The batch is recorded before its rows, so an interrupted load never hands its number to the next one.
        self._record_batch(batch_id, recorded_at, batch.source, inserted)
        size = self.settings.batch_size
        for table in ("subjects", "roles", "entries", "findings"):
            data = batch.tables.get(table)
            if data is None:
                continue
            rows = data.select([f.name for f in SCHEMAS[table]]).cast(SCHEMAS[table]).to_pylist()
            ins = sup = 0
            for start in range(0, len(rows), size):
                result = self._write(
                    statement(_UPSERTS[table]),
                    {"rows": rows[start : start + size], "batch_id": batch_id, "recorded_at": recorded_at},
                )[0]
                ins += int(result["inserted"] or 0)
                sup += int(result["superseded"] or 0)
            inserted[table], superseded[table], unchanged[table] = ins, sup, len(rows) - ins
        self._record_batch(batch_id, recorded_at, batch.source, inserted)
        return LoadResult(batch_id, recorded_at, inserted, superseded, unchanged)

    def _record_batch(self, batch_id: int, recorded_at: dt.datetime, source: str, inserted: dict[str, int]) -> None:
        counts = {t: inserted.get(t, 0) for t in ("subjects", "roles", "entries", "findings")}
        self._write(
            statement("record_batch"),
            {"batch_id": batch_id, "recorded_at": recorded_at, "source": source, **counts},
        )

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

    # -- rules -------------------------------------------------------------------------------------------------
    def run_rules(self, context: EvaluationContext) -> pa.Table:
        known_at = context.known_at or _FAR_FUTURE
        out: list[Row] = []
        for rule in context.rules:
            plan = PLANS[rule.id]
            rows = self._read(rule_statement(plan.body, prologue=plan.prologue), parameters(context, rule, known_at))
            out.extend(plan.shape(rule, rows))
        ids = sorted({r[k] for r in out for k in ("subject_id", "related_id", "origin_id") if r.get(k)})
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

    def replace_evaluation(self, evaluation: Evaluation) -> None:
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
        self._write(statement("evaluation_commit"), {"evaluation_id": evaluation_id})
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
