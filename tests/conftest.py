from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from bench.generate import generate
from graphsvc.engine import evaluate
from graphsvc.profiles import Profile, load_profile
from graphsvc.rules.table import RULES, RuleTable
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.bolt_server import BoltServer, start_arcadedb
from tests.scenario import Scenario

Derive = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path / "store.duckdb") as s:
        yield s


# Every rule scenario runs on both stores and must give identical records and stats (the parity suite).
# GRAPHSVC_TEST_STORES=embedded runs the embedded store alone, for a quick local loop; CI runs both.
PARITY = os.environ.get("GRAPHSVC_TEST_STORES", "embedded,neo4j") != "embedded"


@pytest.fixture
def derive(tmp_path: Path, request: pytest.FixtureRequest) -> Derive:
    """Load a scenario into a fresh store and return the derived records for a profile and date.

    With PARITY, the same files are also loaded into the Bolt server's (emptied) database and evaluated by the
    Neo4j store; its records and stats must equal the embedded store's, field by field.
    """
    counter = iter(range(1_000_000))
    server: BoltServer | None = request.getfixturevalue("bolt_server") if PARITY else None
    driver: neo4j.Driver | None = request.getfixturevalue("bolt_driver") if PARITY else None

    def run(
        scenario: Scenario, profile: str | Profile = "default", as_of: str = "2024-06-30", table: RuleTable = RULES
    ) -> list[dict[str, Any]]:
        n = next(counter)
        directory = scenario.write(tmp_path / f"in{n}")
        day = dt.date.fromisoformat(as_of)
        chosen = load_profile(profile) if isinstance(profile, str) else profile
        with EmbeddedStore(tmp_path / f"derive{n}.duckdb") as s:
            load_directory(directory, s)
            records = list(evaluate(s, chosen, day, table=table).records.to_pylist())
            stats = s.stats()
        if server is not None and driver is not None:
            empty_database(driver, server)
            settings = Neo4jSettings(server.uri, server.user, server.password, server.database)
            with Neo4jStore(settings) as neo:
                load_directory(directory, neo)
                on_neo4j = list(evaluate(neo, chosen, day, table=table).records.to_pylist())
                assert on_neo4j == records, _first_difference(on_neo4j, records)
                assert neo.stats() == stats
        return records

    return run


def _first_difference(neo: list[dict[str, Any]], embedded: list[dict[str, Any]]) -> str:
    for a, b in zip(neo, embedded, strict=False):
        if a != b:
            return f"stores differ:\n neo4j    {a}\n embedded {b}"
    return f"stores differ in length: neo4j {len(neo)}, embedded {len(embedded)}"


def reached(records: list[dict[str, Any]], rule: str, effect: str | None = None) -> set[tuple[str, str | None]]:
    """(subject_id, related_id) pairs of one rule's records."""
    return {
        (r["subject_id"], r["related_id"])
        for r in records
        if r["rule"] == rule and (effect is None or r["effect"] == effect)
    }


def subjects_of(records: list[dict[str, Any]], rule: str, effect: str | None = None) -> set[str]:
    return {s for s, _ in reached(records, rule, effect)}


# --- Bolt server (Neo4j store tests) -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bolt_server() -> Iterator[BoltServer]:
    """A Bolt + Cypher server for the whole session.

    With ``NEO4J_URI`` set, that server is used (``NEO4J_USER`` default ``neo4j``, ``NEO4J_PASSWORD``,
    ``NEO4J_DATABASE`` default ``neo4j``) and nothing is started; beware that ``neo4j_clean`` empties its database.
    Otherwise a private ArcadeDB server is started on free loopback ports and stopped at the end of the session.
    """
    uri = os.environ.get("NEO4J_URI")
    if uri:
        yield BoltServer(
            uri=uri,
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=os.environ.get("NEO4J_DATABASE", "neo4j"),
        )
        return
    with start_arcadedb() as server:
        yield server.bolt


@pytest.fixture(scope="session")
def bolt_driver(bolt_server: BoltServer) -> Iterator[neo4j.Driver]:
    """One driver for the session's Bolt server."""
    driver = bolt_server.driver()
    try:
        yield driver
    finally:
        driver.close()


def _delete_batch(tx: neo4j.ManagedTransaction, limit: int) -> int:
    record = tx.run("MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted", limit=limit).single()
    return int(record["deleted"]) if record else 0


def empty_database(driver: neo4j.Driver, server: BoltServer) -> None:
    """Delete every node and relationship (constraints and indexes stay)."""
    with driver.session(database=server.database) as session:
        while session.execute_write(_delete_batch, 5000):
            pass


@pytest.fixture
def neo4j_clean(bolt_server: BoltServer, bolt_driver: neo4j.Driver) -> BoltServer:
    """The session's Bolt server with every node and relationship deleted (constraints and indexes are kept)."""
    empty_database(bolt_driver, bolt_server)
    return bolt_server


@pytest.fixture(scope="session")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark generator's data at 3,000 subjects (seed 13: planted cases for every rule) in an embedded
    store, for tests that only read it."""
    root = tmp_path_factory.mktemp("generated")
    generate(root / "data", 3000, seed=13)
    with EmbeddedStore(root / "store.duckdb") as store:
        load_directory(root / "data", store)
    return root / "store.duckdb"
