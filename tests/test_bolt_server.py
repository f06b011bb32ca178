"""The Bolt test server works, and speaks the Neo4j 5 Cypher that the Neo4j store relies on.

Runs against the session's ArcadeDB server (tests/bolt_server.py), or against the server named by ``NEO4J_URI``.
"""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import neo4j
import psutil
import pytest

from tests.bolt_server import BoltServer, port_open, start_arcadedb


def query(driver: neo4j.Driver, server: BoltServer, cypher: str, **params: Any) -> list[dict[str, Any]]:
    """Run one statement in a managed write transaction (retried by the driver) and return its rows as dicts."""

    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        return [record.data() for record in tx.run(cypher, params)]

    with driver.session(database=server.database) as session:
        return session.execute_write(work)


def read(driver: neo4j.Driver, server: BoltServer, cypher: str, **params: Any) -> list[dict[str, Any]]:
    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        return [record.data() for record in tx.run(cypher, params)]

    with driver.session(database=server.database) as session:
        return session.execute_read(work)


def test_return_1(bolt_server: BoltServer, bolt_driver: neo4j.Driver) -> None:
    records, _, _ = bolt_driver.execute_query("RETURN 1 AS one", database_=bolt_server.database)
    assert [r["one"] for r in records] == [1]


def test_node_written_with_execute_write_reads_back(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> None:
    query(bolt_driver, neo4j_clean, "CREATE (:Probe {id: $id, name: $name, n: $n})", id="p1", name="甲公司", n=7)
    rows = read(bolt_driver, neo4j_clean, "MATCH (p:Probe {id: $id}) RETURN p.name AS name, p.n AS n", id="p1")
    assert rows == [{"name": "甲公司", "n": 7}]


def test_neo4j_clean_empties_the_database(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> None:
    assert read(bolt_driver, neo4j_clean, "MATCH (n) RETURN count(n) AS c") == [{"c": 0}]


def test_unique_constraint_if_not_exists(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> None:
    statement = "CREATE CONSTRAINT probe_key_unique IF NOT EXISTS FOR (n:ProbeKey) REQUIRE n.id IS UNIQUE"
    for _ in range(2):  # the second time it already exists: no error
        bolt_driver.execute_query(statement, database_=neo4j_clean.database)
    query(bolt_driver, neo4j_clean, "CREATE (:ProbeKey {id: 'k1'})")
    # a plain session.run: a managed transaction would retry what may come back as a transient error
    with bolt_driver.session(database=neo4j_clean.database) as session, pytest.raises(neo4j.exceptions.Neo4jError):
        session.run("CREATE (:ProbeKey {id: 'k1'})").consume()
    assert read(bolt_driver, neo4j_clean, "MATCH (n:ProbeKey) RETURN count(n) AS c") == [{"c": 1}]


def test_unwind_merge_is_idempotent(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> None:
    bolt_driver.execute_query(
        "CREATE CONSTRAINT t_id_unique IF NOT EXISTS FOR (n:T) REQUIRE n.id IS UNIQUE", database_=neo4j_clean.database
    )
    statement = "UNWIND $rows AS row MERGE (n:T {id: row.id}) SET n.v = row.v"
    rows = [{"id": f"t{i}", "v": i} for i in range(50)]
    for _ in range(3):
        query(bolt_driver, neo4j_clean, statement, rows=rows)
    result = read(bolt_driver, neo4j_clean, "MATCH (n:T) RETURN count(n) AS c, sum(n.v) AS s")
    assert result == [{"c": 50, "s": sum(range(50))}]
    query(bolt_driver, neo4j_clean, statement, rows=[{"id": "t3", "v": 300}])
    assert read(bolt_driver, neo4j_clean, "MATCH (n:T {id: 't3'}) RETURN n.v AS v") == [{"v": 300}]
    assert read(bolt_driver, neo4j_clean, "MATCH (n:T) RETURN count(n) AS c") == [{"c": 50}]


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        ("2024-02-29", 1, dt.date(2025, 2, 28)),  # 29 February ends on 28 February
        ("2024-03-01", 3, dt.date(2027, 3, 1)),
        ("2024-02-29", 4, dt.date(2028, 2, 29)),
        ("2023-12-31", 1, dt.date(2024, 12, 31)),
    ],
)
def test_date_plus_years(
    bolt_server: BoltServer, bolt_driver: neo4j.Driver, start: str, years: int, expected: dt.date
) -> None:
    rows = read(
        bolt_driver, bolt_server, "RETURN date($start) + duration({years: $years}) AS d", start=start, years=years
    )
    value = rows[0]["d"]
    assert isinstance(value, neo4j.time.Date)
    assert value.to_native() == expected


def test_date_parameter_and_duration_between(bolt_server: BoltServer, bolt_driver: neo4j.Driver) -> None:
    rows = read(
        bolt_driver,
        bolt_server,
        "RETURN $d + duration({days: 1}) AS next, $d - duration({years: 1}) AS year_before",
        d=dt.date(2024, 2, 29),
    )
    assert rows[0]["next"].to_native() == dt.date(2024, 3, 1)
    assert rows[0]["year_before"].to_native() == dt.date(2023, 2, 28)


def test_localdatetime_round_trips(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> None:
    recorded = dt.datetime(2026, 5, 1, 12, 30, 45, 123456)
    query(
        bolt_driver,
        neo4j_clean,
        "CREATE (:Batch {id: 'b1', recorded_at: $at, literal: localdatetime('2026-05-01T12:30:45')})",
        at=recorded,
    )
    rows = read(
        bolt_driver,
        neo4j_clean,
        "MATCH (b:Batch {id: 'b1'}) RETURN b.recorded_at AS at, b.literal AS literal, "
        "b.recorded_at <= localdatetime('2026-05-01T12:30:46') AS before, "
        "b.recorded_at > $earlier AS after",
        earlier=dt.datetime(2026, 5, 1, 12, 0),
    )
    assert len(rows) == 1
    row = rows[0]
    assert isinstance(row["at"], neo4j.time.DateTime)
    assert row["at"].tzinfo is None
    assert row["at"].to_native() == recorded
    assert row["literal"].to_native() == dt.datetime(2026, 5, 1, 12, 30, 45)
    assert row["before"] is True
    assert row["after"] is True


def test_date_property_compared_with_as_of_parameter(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> None:
    query(
        bolt_driver,
        neo4j_clean,
        "UNWIND $rows AS row CREATE (:Entry {id: row.id, determined_on: date(row.d), valid_until: row.until})",
        rows=[
            {"id": "e1", "d": "2024-01-10", "until": dt.date(2024, 12, 31)},
            {"id": "e2", "d": "2024-06-30", "until": None},
            {"id": "e3", "d": "2024-07-01", "until": dt.date(2025, 6, 30)},
        ],
    )
    rows = read(
        bolt_driver,
        neo4j_clean,
        "MATCH (e:Entry) WHERE e.determined_on <= $as_of AND (e.valid_until IS NULL OR e.valid_until >= $as_of) "
        "RETURN e.id AS id ORDER BY id",
        as_of=dt.date(2024, 6, 30),
    )
    assert [r["id"] for r in rows] == ["e1", "e2"]
    rows = read(
        bolt_driver,
        neo4j_clean,
        "MATCH (e:Entry) WHERE e.determined_on + duration({years: 1}) > $as_of RETURN e.id AS id ORDER BY id",
        as_of=dt.date(2025, 1, 10),
    )
    assert [r["id"] for r in rows] == ["e2", "e3"]


@pytest.fixture
def small_graph(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> BoltServer:
    """Two organisations, three persons; o1 has two entries in different domains, o2 none."""
    query(
        bolt_driver,
        neo4j_clean,
        """
        CREATE (o1:Subject {id: 'o1', kind: 'enterprise'}), (o2:Subject {id: 'o2', kind: 'enterprise'}),
               (p1:Subject {id: 'p1', kind: 'person'}), (p2:Subject {id: 'p2', kind: 'person'}),
               (p3:Subject {id: 'p3', kind: 'person'}),
               (p1)-[:ROLE {role: 'legal_representative'}]->(o1),
               (p2)-[:ROLE {role: 'director'}]->(o1),
               (p2)-[:ROLE {role: 'legal_representative'}]->(o2),
               (o1)-[:LISTED]->(:Entry {id: 'e1', domain: 'tax'}),
               (o1)-[:LISTED]->(:Entry {id: 'e2', domain: 'food_drug'}),
               (o1)-[:LISTED]->(:Entry {id: 'e3', domain: 'tax'})
        """,
    )
    return neo4j_clean


def test_list_comprehension(small_graph: BoltServer, bolt_driver: neo4j.Driver) -> None:
    rows = read(
        bolt_driver,
        small_graph,
        "MATCH (o:Subject {id: 'o1'})<-[r:ROLE]-(p) WITH collect({p: p.id, role: r.role}) AS roles "
        "RETURN [x IN roles WHERE x.role = 'legal_representative' | x.p] AS lrs, [i IN range(1, 4) | i * i] AS squares",
    )
    assert rows == [{"lrs": ["p1"], "squares": [1, 4, 9, 16]}]


def test_collect_and_count_distinct(small_graph: BoltServer, bolt_driver: neo4j.Driver) -> None:
    rows = read(
        bolt_driver,
        small_graph,
        "MATCH (o:Subject)-[:LISTED]->(e:Entry) "
        "RETURN o.id AS id, count(DISTINCT e.domain) AS domains, count(e) AS entries, collect(e.id) AS ids",
    )
    assert len(rows) == 1
    assert rows[0]["id"] == "o1"
    assert rows[0]["domains"] == 2
    assert rows[0]["entries"] == 3
    assert sorted(rows[0]["ids"]) == ["e1", "e2", "e3"]


def test_optional_match(small_graph: BoltServer, bolt_driver: neo4j.Driver) -> None:
    rows = read(
        bolt_driver,
        small_graph,
        "MATCH (o:Subject {kind: 'enterprise'}) OPTIONAL MATCH (o)-[:LISTED]->(e:Entry) "
        "RETURN o.id AS id, count(e) AS entries ORDER BY id",
    )
    assert rows == [{"id": "o1", "entries": 3}, {"id": "o2", "entries": 0}]
    rows = read(
        bolt_driver,
        small_graph,
        "MATCH (p:Subject {id: 'p3'}) OPTIONAL MATCH (p)-[r:ROLE]->(o) RETURN p.id AS id, r IS NULL AS none, o AS o",
    )
    assert rows == [{"id": "p3", "none": True, "o": None}]


def test_foreach_case_creates_only_when_absent(neo4j_clean: BoltServer, bolt_driver: neo4j.Driver) -> None:
    bolt_driver.execute_query(
        "CREATE CONSTRAINT subject_probe_id IF NOT EXISTS FOR (n:SubjectProbe) REQUIRE n.id IS UNIQUE",
        database_=neo4j_clean.database,
    )
    # The create-with-every-label-at-once pattern from bolt-server.md: no SET n:Label on an existing node.
    statement = """
        UNWIND $rows AS row
        OPTIONAL MATCH (existing:SubjectProbe {id: row.id})
        WITH row, existing
        FOREACH (_ IN CASE WHEN existing IS NULL THEN [1] ELSE [] END |
            CREATE (:SubjectProbe:Enterprise {id: row.id}))
        WITH row
        MATCH (n:SubjectProbe {id: row.id})
        SET n.name = row.name
        """
    rows = [{"id": "s1", "name": "one"}, {"id": "s2", "name": "two"}]
    query(bolt_driver, neo4j_clean, statement, rows=rows)
    query(bolt_driver, neo4j_clean, statement, rows=[{"id": "s1", "name": "one again"}])
    result = read(
        bolt_driver,
        neo4j_clean,
        "MATCH (n:SubjectProbe) RETURN n.id AS id, n.name AS name, 'Enterprise' IN labels(n) AS ent ORDER BY id",
    )
    assert result == [{"id": "s1", "name": "one again", "ent": True}, {"id": "s2", "name": "two", "ent": True}]


def test_private_server_is_stopped_after_the_context_manager() -> None:
    with start_arcadedb(heap="256m") as server:
        pid, port, workdir = server.pid, server.bolt_port, server.workdir
        assert workdir is not None and workdir.is_dir()
        assert psutil.pid_exists(pid)
        assert port_open(port)
        with server.bolt.driver() as driver:
            records, _, _ = driver.execute_query("RETURN 2 AS two", database_=server.bolt.database)
        assert records[0]["two"] == 2
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1.0):
        pass
    assert not workdir.exists()
