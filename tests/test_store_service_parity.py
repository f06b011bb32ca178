"""The service methods of the store (GraphStore, "what the service needs") answer identically on both stores.

Each test builds a small scenario, loads it into an embedded store and into the Bolt server's (emptied) database
through the Neo4j store, and compares the answers: same columns, same Arrow types, same rows in the same order.
Transaction times differ between the two stores (each records its own clock), so tables carrying
``recorded_at``/``superseded_at`` are compared with those replaced by the number of the load that wrote them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from graphsvc.context import build_context
from graphsvc.engine import evaluate
from graphsvc.errors import StoreError
from graphsvc.profiles import load_profile
from graphsvc.stores.base import AUDIT_SCHEMA, WARNING_EVENT_SCHEMA, Generation, GraphStore
from graphsvc.stores.cypher_files import statement
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.bolt_server import BoltServer
from tests.conftest import PARITY
from tests.scenario import Scenario

pytestmark = pytest.mark.skipif(not PARITY, reason="GRAPHSVC_TEST_STORES=embedded: the Neo4j store is not under test")

AS_OF = dt.date(2024, 6, 30)
_TIME_COLUMNS = ("recorded_at", "superseded_at")


@dataclass
class Stores:
    """The same data in both stores, and when each load was recorded in each."""

    embedded: EmbeddedStore
    neo4j: Neo4jStore
    root: Path
    loads: dict[str, list[dt.datetime]] = field(default_factory=lambda: {"embedded": [], "neo4j": []})

    def both(self) -> list[tuple[str, GraphStore]]:
        return [("embedded", self.embedded), ("neo4j", self.neo4j)]

    def load(self, scenario: Scenario) -> None:
        directory = scenario.write(self.root / f"in{len(self.loads['embedded'])}")
        for name, store in self.both():
            result = load_directory(directory, store).result
            assert result is not None
            self.loads[name].append(result.recorded_at)

    def known_after(self, load: int) -> dict[str, dt.datetime]:
        """Each store's transaction time of its ``load``-th load (1-based)."""
        return {name: times[load - 1] for name, times in self.loads.items()}


@pytest.fixture
def stores(tmp_path: Path, neo4j_clean: BoltServer) -> Iterator[Stores]:
    settings = Neo4jSettings(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password, neo4j_clean.database)
    with EmbeddedStore(tmp_path / "store.duckdb") as embedded, Neo4jStore(settings) as neo:
        yield Stores(embedded, neo, tmp_path)


def assert_same(embedded: pa.Table, neo: pa.Table) -> None:
    """Identical tables: columns, types and rows in order."""
    assert neo.schema.equals(embedded.schema), f"schemas differ:\n neo4j    {neo.schema}\n embedded {embedded.schema}"
    assert neo.to_pylist() == embedded.to_pylist()


def by_load(table: pa.Table, loads: list[dt.datetime]) -> list[dict[str, Any]]:
    """Rows with each transaction time replaced by the number of the load that recorded it."""
    rows = table.to_pylist()
    for row in rows:
        for column in _TIME_COLUMNS:
            if column in row and row[column] is not None:
                assert row[column] in loads, f"{column} {row[column]} is no load's transaction time"
                row[column] = loads.index(row[column]) + 1
    return rows


def assert_same_versions(s: Stores, embedded: pa.Table, neo: pa.Table) -> list[dict[str, Any]]:
    """Identical tables up to each store's own clock; returns the rows (with load numbers) for further checks."""
    assert neo.schema.equals(embedded.schema), f"schemas differ:\n neo4j    {neo.schema}\n embedded {embedded.schema}"
    rows = by_load(embedded, s.loads["embedded"])
    assert by_load(neo, s.loads["neo4j"]) == rows
    return rows


def _firm_scenario() -> tuple[Scenario, dict[str, str]]:
    s = Scenario()
    firm = s.org("大庆某某化工有限公司")
    parent = s.org("黑龙江某某控股集团有限公司")
    lr = s.person("张伟")
    other = s.person("李娜")
    s.role(lr, "legal_representative", firm)
    s.role(parent, "shareholder", firm, ratio=0.6, since=None)  # a missing valid_from sorts first
    s.role(other, "actual_controller", parent, since="2019-05-01", until="2030-12-31")
    black = s.entry(firm, "black", determined_on="2024-03-01")
    focus = s.entry(firm, "focus", severity="general", determined_on="2023-11-02", act_date=None, domain="tax")
    s.entry(lr, "court_defaulter", determined_on="2024-02-02", act_date=None)
    s.finding(lr, black)
    s.finding(other, focus, basis="")
    ids = {"firm": firm, "parent": parent, "lr": lr, "other": other, "black": black, "focus": focus}
    return s, ids


def _corrected(s: Scenario, ids: dict[str, str]) -> Scenario:
    """A second load: the firm renamed, the black entry under objection, a finding's basis corrected."""
    for row in s.subjects:
        if row["subject_id"] == ids["firm"]:
            row["name"] = "大庆新名称化工有限公司"
    for row in s.entries:
        if row["entry_id"] == ids["black"]:
            row["status"], row["status_since"] = "objection_pending", "2024-05-01"
    for row in s.findings:
        if row["entry_id"] == ids["black"]:
            row["basis"] = "更正后的认定依据"
    return s


# -- current views ------------------------------------------------------------------------------------------------


def test_current_subjects_and_entries(stores: Stores) -> None:
    s, ids = _firm_scenario()
    stores.load(s)
    stores.load(_corrected(s, ids))
    assert_same(stores.embedded.current_subjects(), stores.neo4j.current_subjects())
    subjects = stores.neo4j.current_subjects().to_pylist()
    assert [r["subject_id"] for r in subjects] == sorted(r["subject_id"] for r in subjects)
    assert {r["name"] for r in subjects if r["subject_id"] == ids["firm"]} == {"大庆新名称化工有限公司"}
    entries = assert_same_versions(stores, stores.embedded.current_entries(), stores.neo4j.current_entries())
    assert len(entries) == 3
    black = next(r for r in entries if r["entry_id"] == ids["black"])
    assert black["status"] == "objection_pending" and black["recorded_at"] == 2


def test_current_views_of_an_empty_store(stores: Stores) -> None:
    assert_same(stores.embedded.current_subjects(), stores.neo4j.current_subjects())
    assert_same_versions(stores, stores.embedded.current_entries(), stores.neo4j.current_entries())
    for name, table in stores.embedded.subject_facts("NOBODY").items():
        assert_same(table, stores.neo4j.subject_facts("NOBODY")[name])


# -- subject facts -------------------------------------------------------------------------------------------------


def test_subject_facts_show_every_version(stores: Stores) -> None:
    s, ids = _firm_scenario()
    stores.load(s)
    stores.load(_corrected(s, ids))
    for who in ("firm", "parent", "lr", "other"):
        embedded, neo = stores.embedded.subject_facts(ids[who]), stores.neo4j.subject_facts(ids[who])
        assert list(neo) == list(embedded) == ["subjects", "roles", "entries", "findings"]
        for table in embedded:
            assert_same_versions(stores, embedded[table], neo[table])
    facts = stores.neo4j.subject_facts(ids["firm"])
    versions = by_load(facts["subjects"], stores.loads["neo4j"])
    assert [(v["name"], v["recorded_at"], v["superseded_at"]) for v in versions] == [
        ("大庆某某化工有限公司", 1, 2),
        ("大庆新名称化工有限公司", 2, None),
    ]
    roles = facts["roles"].to_pylist()
    assert [(r["source_id"], r["role"]) for r in roles] == [
        (ids["parent"], "shareholder"),  # valid_from missing: first
        (ids["lr"], "legal_representative"),
    ]
    assert len(facts["entries"]) == 3  # black in two versions, focus once
    findings = by_load(facts["findings"], stores.loads["neo4j"])
    assert [(f["entry_id"], f["person_id"], f["recorded_at"]) for f in findings] == [
        (ids["black"], ids["lr"], 1),
        (ids["black"], ids["lr"], 2),
        (ids["focus"], ids["other"], 1),
    ]
    person = stores.neo4j.subject_facts(ids["lr"])
    assert [e["list_type"] for e in person["entries"].to_pylist()] == ["court_defaulter"]
    assert [f["entry_id"] for f in person["findings"].to_pylist()] == [ids["black"], ids["black"]]


# -- entries in force ----------------------------------------------------------------------------------------------


def _validity_scenario() -> tuple[Scenario, dict[str, str]]:
    s = Scenario()
    firm = s.org("某某商贸有限公司")
    person = s.person("王芳")
    ids = {
        "black": s.entry(firm, "black", determined_on="2024-03-01"),
        # general severity, no valid_until: one year by severity (default, jiangsu), open-ended in daqing
        "old_focus": s.entry(
            firm, "focus", severity="general", determined_on="2022-01-10", act_date=None, domain="tax"
        ),
        "expired": s.entry(
            firm, "focus", severity="general", determined_on="2023-09-01", act_date=None, valid_until="2024-01-01"
        ),
        "objection": s.entry(
            firm,
            "serious_illegal",
            determined_on="2023-12-01",
            act_date=None,
            status="objection_pending",
            status_since="2024-04-01",
        ),
        "red": s.entry(firm, "red", determined_on="2015-06-01", act_date=None),
        "later": s.entry(firm, "black", determined_on="2024-09-01"),
        # serious: three years from a leap day
        "leap": s.entry(person, "court_defaulter", determined_on="2020-02-29", act_date=None),
    }
    return s, ids


def test_entries_in_force_honour_the_profile(stores: Stores) -> None:
    s, ids = _validity_scenario()
    stores.load(s)
    seen: dict[tuple[str, dt.date], list[dict[str, Any]]] = {}
    for profile in ("default", "daqing", "jiangsu"):
        for day in (AS_OF, dt.date(2024, 3, 15), dt.date(2023, 2, 28), dt.date(2023, 3, 1)):
            context = build_context(load_profile(profile), day)
            embedded = stores.embedded.entries_in_force(context)
            neo = stores.neo4j.entries_in_force(context)
            assert_same(embedded, neo)
            seen[profile, day] = neo.to_pylist()

    def inforce(profile: str, day: dt.date) -> dict[str, str | None]:
        return {r["entry_id"]: r["flags"] for r in seen[profile, day]}

    # objection suspends, the old focus expired; the red entry left force with the black entry (W3, LST-10)
    assert set(inforce("default", AS_OF)) == {ids["black"]}
    assert set(inforce("daqing", AS_OF)) == {ids["black"], ids["old_focus"], ids["leap"]}
    assert inforce("jiangsu", AS_OF) == {ids["black"]: None, ids["objection"]: "objection_pending"}
    assert ids["objection"] in inforce("default", dt.date(2024, 3, 15))  # before the objection took effect
    assert ids["leap"] in inforce("default", dt.date(2023, 2, 28))
    assert ids["leap"] not in inforce("default", dt.date(2023, 3, 1))
    days = [r["valid_until"] for r in seen["default", dt.date(2023, 2, 28)] if r["entry_id"] == ids["leap"]]
    assert days == [dt.date(2023, 2, 28)]
    assert [(r["subject_id"], r["entry_id"]) for r in seen["daqing", AS_OF]] == sorted(
        (r["subject_id"], r["entry_id"]) for r in seen["daqing", AS_OF]
    )


def test_entries_in_force_as_known_at_an_earlier_load(stores: Stores) -> None:
    s, ids = _firm_scenario()
    stores.load(s)
    stores.load(_corrected(s, ids))  # the black entry now under objection: suspended in the default profile
    before = stores.known_after(1)
    results: dict[str, list[list[dict[str, Any]]]] = {}
    for name, store in stores.both():
        now = store.entries_in_force(build_context(load_profile("default"), AS_OF))
        then = store.entries_in_force(build_context(load_profile("default"), AS_OF, known_at=before[name]))
        results[name] = [now.to_pylist(), then.to_pylist()]
    assert results["neo4j"] == results["embedded"]
    now_ids = {r["entry_id"] for r in results["neo4j"][0]}
    then_ids = {r["entry_id"] for r in results["neo4j"][1]}
    assert ids["black"] in then_ids and ids["black"] not in now_ids


# -- warning lifecycle ---------------------------------------------------------------------------------------------


def _warnings(rows: list[tuple[str, str, str | None, dt.datetime]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "warning_id": warning,
                "state": state,
                "reason": reason,
                "actor": "审核员甲",
                "decided_at": at,
                "rule": "W1",
                "subject_id": "91230602MA00000001",
            }
            for warning, state, reason, at in rows
        ],
        schema=WARNING_EVENT_SCHEMA,
    )


def test_warning_events_round_trip_in_order(stores: Stores) -> None:
    assert_same(stores.embedded.warning_events(), stores.neo4j.warning_events())
    t0 = dt.datetime(2026, 3, 1, 9, 30, 0, 123456)
    # ties on decided_at, broken by warning_id as DuckDB compares strings (UTF-8 bytes: U+FF5E before U+1F600,
    # the reverse of UTF-16 order)
    first = _warnings(
        [
            ("w-2", "new", None, t0),
            ("w-\U0001f600", "new", None, t0),
            ("w-\uff5e", "new", None, t0),
            ("w-1", "new", None, t0),
        ]
    )
    later = _warnings(
        [
            ("w-1", "confirmed", "核实属实", t0 + dt.timedelta(hours=2)),
            ("w-3", "new", None, t0 - dt.timedelta(days=1)),  # appended later, decided earlier
        ]
    )
    # decided_at with a time zone and an extra column: both stores keep the UTC instant and drop the column
    aware = later.set_column(
        later.schema.get_field_index("decided_at"),
        "decided_at",
        later.column("decided_at").cast(pa.timestamp("us", tz="UTC")),
    ).append_column("note", pa.array(["ignored", "ignored"]))
    for _, store in stores.both():
        store.append_warning_events(first)
        store.append_warning_events(aware)
    embedded, neo = stores.embedded.warning_events(), stores.neo4j.warning_events()
    assert_same(embedded, neo)
    assert [(r["warning_id"], r["state"]) for r in neo.to_pylist()] == [
        ("w-3", "new"),
        ("w-1", "new"),
        ("w-2", "new"),
        ("w-\uff5e", "new"),
        ("w-\U0001f600", "new"),
        ("w-1", "confirmed"),
    ]
    assert neo.column("decided_at").to_pylist()[-1] == t0 + dt.timedelta(hours=2)


# -- audit log -----------------------------------------------------------------------------------------------------


def _audit(rows: list[tuple[str, dt.datetime, int | None]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "event_id": event,
                "requested_at": at,
                "key_id": "key-1",
                "tier": "personal",
                "method": "GET",
                "endpoint": "/subjects/{id}",
                "parameters": '{"id": "P00001", "名称": "张伟"}',
                "authorisation_ref": None,
                "status": status,
                "result_ids": "P00001,E00002",
            }
            for event, at, status in rows
        ],
        schema=AUDIT_SCHEMA,
    )


T0 = dt.datetime(2026, 3, 1, 8, 0, 0, 1)


def _windows() -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    return [
        (None, None),
        (T0 + dt.timedelta(minutes=1), None),  # an event's own time: included as the lower bound
        (None, T0 + dt.timedelta(minutes=1)),  # ... and excluded as the upper bound
        (T0, T0 + dt.timedelta(minutes=2)),
        (T0 + dt.timedelta(days=1), None),  # empty
    ]


def test_audit_events_round_trip_in_order_and_by_window(stores: Stores) -> None:
    first = _audit([("a-2", T0 + dt.timedelta(minutes=1), 200), ("a-1", T0 + dt.timedelta(minutes=1), None)])
    second = _audit([("a-3", T0, 403), ("a-4", T0 + dt.timedelta(minutes=5), 200)])
    for _, store in stores.both():
        assert store.audit_journal_positions() == {}
        store.append_audit(first, {"audit-2026-03-01.jsonl": 2})
        store.append_audit(second, {"audit-2026-03-01.jsonl": 4, "audit-2026-03-02.jsonl": 0})
        store.append_audit(_audit([]), {"audit-2026-03-02.jsonl": 1})  # positions alone also advance
    for since, until in _windows():
        assert_same(stores.embedded.audit_events(since, until), stores.neo4j.audit_events(since, until))
    assert [r["event_id"] for r in stores.neo4j.audit_events().to_pylist()] == ["a-3", "a-1", "a-2", "a-4"]
    assert [r["event_id"] for r in stores.neo4j.audit_events(None, T0 + dt.timedelta(minutes=1)).to_pylist()] == ["a-3"]
    aware = (T0 + dt.timedelta(minutes=1)).replace(tzinfo=dt.UTC)
    assert [r["event_id"] for r in stores.neo4j.audit_events(aware).to_pylist()] == ["a-1", "a-2", "a-4"]
    positions = {"audit-2026-03-01.jsonl": 4, "audit-2026-03-02.jsonl": 1}
    assert stores.embedded.audit_journal_positions() == stores.neo4j.audit_journal_positions() == positions


def test_a_failing_append_audit_leaves_neither_events_nor_positions(stores: Stores) -> None:
    good = _audit([("a-1", T0, 200)])
    missing_column = good.drop_columns(["status"])
    wrong_type = good.set_column(good.schema.get_field_index("status"), "status", pa.array(["ok"]))
    for _, store in stores.both():
        store.append_audit(good, {"seg": 1})
        with pytest.raises(KeyError):
            store.append_audit(missing_column, {"seg": 2, "other": 5})
        with pytest.raises(pa.ArrowInvalid):
            store.append_audit(wrong_type, {"seg": 2})
    assert_same(stores.embedded.audit_events(), stores.neo4j.audit_events())
    assert stores.embedded.audit_journal_positions() == stores.neo4j.audit_journal_positions() == {"seg": 1}
    assert stores.neo4j.audit_events().num_rows == 1


def test_events_and_positions_commit_together_when_the_journal_write_fails(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure happens inside the transaction, after the events were written: both are rolled back."""
    later = _audit([("a-2", T0 + dt.timedelta(hours=1), 200), ("a-3", T0 + dt.timedelta(hours=2), 200)])
    for _, store in stores.both():
        store.append_audit(_audit([("a-1", T0, 200)]), {"seg": 1})
    # embedded: the position cannot be stored as a number, after the events were inserted (a StoreError, as on Neo4j)
    with pytest.raises(StoreError, match="nothing of it was written"):
        stores.embedded.append_audit(later, {"seg": "three"})  # type: ignore[dict-item]
    # Neo4j: the journal statement fails on the server, after the events statement ran in the same transaction
    monkeypatch.setattr(
        "graphsvc.stores.neo4j.statement",
        lambda name: "THIS IS NOT CYPHER" if name == "audit_journal_advance" else statement(name),
    )
    with pytest.raises(StoreError, match="appending audit events failed"):
        stores.neo4j.append_audit(later, {"seg": 3})
    monkeypatch.undo()
    assert_same(stores.embedded.audit_events(), stores.neo4j.audit_events())
    assert [r["event_id"] for r in stores.neo4j.audit_events().to_pylist()] == ["a-1"]
    assert stores.embedded.audit_journal_positions() == stores.neo4j.audit_journal_positions() == {"seg": 1}


# -- generation ----------------------------------------------------------------------------------------------------


def test_generation_changes_with_loads_evaluations_and_warning_events(stores: Stores) -> None:
    identities = {name: store.generation().store for name, store in stores.both()}
    assert all(identities.values()) and identities["embedded"] != identities["neo4j"]

    def generations() -> dict[str, int]:
        embedded, neo = stores.embedded.generation(), stores.neo4j.generation()
        assert (embedded.store, neo.store) == (identities["embedded"], identities["neo4j"])  # the same stores
        assert neo.counters() == embedded.counters()
        return neo.counters()

    def counted(batch: int, evaluation: int, warnings: int) -> dict[str, int]:
        return Generation(batch, evaluation, warnings, store="").counters()

    history = [generations()]
    assert history[0] == counted(batch=0, evaluation=0, warnings=0)
    s, ids = _firm_scenario()
    stores.load(s)
    history.append(generations())
    for _, store in stores.both():
        evaluate(store, load_profile("default"), AS_OF)
    history.append(generations())
    for _, store in stores.both():
        evaluate(store, load_profile("daqing"), AS_OF)
    history.append(generations())
    for _, store in stores.both():
        store.append_warning_events(_warnings([("w-1", "new", None, T0)]))
    history.append(generations())
    stores.load(_corrected(s, ids))
    history.append(generations())
    for _, store in stores.both():
        store.append_audit(_audit([("a-1", T0, 200)]), {"seg": 1})  # the audit log is not part of the generation
    assert generations() == history[-1]
    assert history == [
        counted(0, 0, 0),
        counted(1, 0, 0),
        counted(1, 1, 0),
        counted(1, 2, 0),
        counted(1, 2, 1),
        counted(2, 2, 1),
    ]
