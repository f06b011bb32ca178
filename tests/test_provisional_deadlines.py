"""Deadlines in a year whose holiday notice the calendar does not have yet: counted on the statutory holidays,
marked provisional, and counted again (the change recorded) when the notice is added; on both stores
(graphsvc/calendar.py, graphsvc/lifecycle/deadlines.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graphsvc.calendar import WorkingCalendar, load_calendar
from graphsvc.cli import main as graphsvc_main
from graphsvc.lifecycle import deadlines, listing, objections, publication, repairs
from graphsvc.lifecycle.cases import RECOUNTED, Case, NotEligible, status_on
from graphsvc.lifecycle.clock import StepClock
from graphsvc.profiles import load_profile
from graphsvc.stores.base import GraphStore
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.api_world import build_world, point_at, settings_for, write_keys
from tests.scenario import Scenario
from tests.test_lifecycle import STORES

JIANGSU = load_profile("jiangsu")
BUNDLED = load_calendar()  # 2024-2026: 2027 is provisional
# A notice for 2027 as a test: New Year rest from Friday 1 to Tuesday 5 January, no adjusted working day.
NOTICE_2027 = """
2027:
  source: 国务院办公厅关于2027年部分节假日安排的通知
  holidays: [2027-01-01..2027-01-05, 2027-02-05..2027-02-11]
  working_days: []
"""


def with_2027(tmp_path: Path) -> WorkingCalendar:
    """The bundled calendar with the 2027 notice added, as an operator adds it."""
    bundled = Path(__file__).parents[1] / "graphsvc" / "data" / "calendar.yaml"
    file = tmp_path / "calendar.yaml"
    file.write_text(bundled.read_text(encoding="utf-8") + NOTICE_2027, encoding="utf-8")
    return load_calendar(str(file))


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "provisional.duckdb") as embedded:
            yield embedded
        return
    server = request.getfixturevalue("neo4j_clean")
    with Neo4jStore(Neo4jSettings(server.uri, server.user, server.password, server.database)) as neo:
        yield neo


def _file(store: GraphStore, entry: str, on: dt.date, statement: str) -> Case:
    filing = objections.Filing(entry, on, "某某有限公司", objections.Ground.INACCURATE, statement)
    return objections.file(store, filing, actor="k", profile=JIANGSU, calendar=BUNDLED, clock=StepClock(on))


def _due(case: Case) -> dict[str, tuple[dt.date, bool]]:
    return {d.name: (d.due, d.provisional) for d in case.deadlines}


def test_an_objection_filed_at_year_end_is_provisional_then_official_when_the_notice_is_added(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    firms = [s.org(name) for name in ("江苏甲有限公司", "江苏乙有限公司", "江苏丙有限公司")]
    late, decided, early = (
        s.entry(f, "black", department="江苏省市场监督管理局", determined_on="2026-03-02", act_date="2026-01-10")
        for f in firms
    )
    load_directory(s.write(tmp_path / "in"), store)

    # Monday 28 December 2026: counted over 2027 on its statutory days (元旦 Friday 1 January), not refused
    case = _file(store, late, dt.date(2026, 12, 28), "日期有误")
    assert _due(case) == {"review": (dt.date(2027, 1, 12), True), "verify": (dt.date(2027, 1, 5), True)}
    assert [d.provisional_years for d in case.deadlines] == [(2027,), (2027,)]
    # the same within 2026 is official
    official = _file(store, early, dt.date(2026, 12, 1), "金额有误")
    assert not any(d.provisional for d in official.deadlines)
    # a decided objection keeps its deadlines, even its provisional republication
    other = _file(store, decided, dt.date(2026, 12, 28), "主体有误")
    closed = objections.decide(
        store,
        other.case_id,
        decided_on=dt.date(2026, 12, 30),
        outcome=objections.Outcome.UPHELD,
        reason="查实",
        correction={"legal_basis": "更正后的依据"},
        actor="k",
        profile=JIANGSU,
        calendar=BUNDLED,
        clock=StepClock(dt.date(2026, 12, 30)),
    )
    assert closed.deadline("republish") is not None and closed.deadline("republish").provisional  # type: ignore[union-attr]

    # the 2027 notice is added: the open objection is counted again, the change recorded by "calendar"
    calendar = with_2027(tmp_path).with_profile(JIANGSU.calendar)
    changes = deadlines.recount(store, calendar, on=dt.date(2026, 12, 31))
    assert {(c.case_id, c.deadline, c.old_due, c.new_due, c.provisional_years) for c in changes} == {
        (case.case_id, "review", dt.date(2027, 1, 12), dt.date(2027, 1, 14), ()),
        (case.case_id, "verify", dt.date(2027, 1, 5), dt.date(2027, 1, 7), ()),
    }
    now = objections.get(store, case.case_id)
    assert _due(now) == {"review": (dt.date(2027, 1, 14), False), "verify": (dt.date(2027, 1, 7), False)}
    recounts = [e for e in now.events if e.event == RECOUNTED]
    assert {(e.actor, e.on_date, e.detail["deadline"], e.detail["old_due"], e.detail["new_due"]) for e in recounts} == {
        ("calendar", dt.date(2026, 12, 31), "review", "2027-01-12", "2027-01-14"),
        ("calendar", dt.date(2026, 12, 31), "verify", "2027-01-05", "2027-01-07"),
    }
    assert all(
        e.detail["calendar"] == calendar.origin
        and e.detail["sources"] == {"2027": "国务院办公厅关于2027年部分节假日安排的通知"}
        and e.detail["old_provisional_years"] == [2027]
        and e.detail["provisional_years"] == []
        for e in recounts
    )
    assert objections.get(store, other.case_id).deadlines == closed.deadlines
    # on 6 January the verification (provisionally due on the 5th) is not overdue any more
    assert [c.case_id for c in objections.list_cases(store, overdue_on=dt.date(2027, 1, 6))] == [official.case_id]
    # counting again changes nothing
    assert deadlines.recount(store, calendar, on=dt.date(2027, 1, 2)) == []


def test_a_repair_notice_and_a_listing_notice_move_with_the_notice(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    firm = s.org("江苏某某有限公司")
    entry = s.entry(firm, "black", department="江苏省市场监督管理局", determined_on="2025-11-05", act_date="2025-10-20")
    candidate = s.entry(
        s.org("江苏另一有限公司"), "black", status="candidate", determined_on="2026-12-28", act_date=None
    )
    load_directory(s.write(tmp_path / "in"), store)
    repair = repairs.apply(
        store,
        repairs.Application(entry, dt.date(2026, 12, 21), "承诺不再失信", dt.date(2025, 11, 10)),
        actor="k",
        profile=JIANGSU,
        clock=StepClock(dt.date(2026, 12, 21)),
    )
    approved = repairs.decide(
        store,
        repair.case_id,
        decided_on=dt.date(2026, 12, 28),
        approve=True,
        reason="符合条件",
        actor="k",
        profile=JIANGSU,
        calendar=BUNDLED,
        clock=StepClock(dt.date(2026, 12, 28)),
    )
    assert approved.detail["notice_until"] == "2027-01-05" and approved.deadlines[0].provisional
    told = listing.notify(
        store,
        candidate,
        notified_on=dt.date(2026, 12, 28),
        actor="k",
        profile=JIANGSU,
        calendar=BUNDLED,
        clock=StepClock(dt.date(2026, 12, 28)),
    )
    assert (told["reply_by"], told["provisional"], told["provisional_years"]) == (dt.date(2027, 1, 5), True, [2027])
    shown = publication.announcements(store, dt.date(2026, 12, 29), JIANGSU)
    assert {(a.kind, a.shown_until, a.provisional) for a in shown} == {
        ("repair_notice", dt.date(2027, 1, 5), True),
        ("listing_notice", dt.date(2027, 1, 5), True),
    }

    changes = deadlines.recount(store, with_2027(tmp_path), on=dt.date(2026, 12, 30))
    assert {(c.case_kind, c.old_due, c.new_due) for c in changes} == {
        ("repair", dt.date(2027, 1, 5), dt.date(2027, 1, 7)),
        ("listing", dt.date(2027, 1, 5), dt.date(2027, 1, 7)),
    }
    now = repairs.get(store, repair.case_id)
    assert (now.detail["notice_until"], now.detail["effective_on"]) == ("2027-01-07", "2027-01-08")
    assert not now.deadlines[0].provisional
    # the repair takes effect on the new day, not the old one
    current = store.current_entry(entry)
    assert current is not None
    history = store.status_history(entry)
    assert status_on(current, history, dt.date(2027, 1, 6))[0] == "active"
    assert status_on(current, history, dt.date(2027, 1, 8)) == ("repaired", dt.date(2027, 1, 8))
    assert repairs.state_on(now, dt.date(2027, 1, 7)) == "notice"
    # the reply window runs to the new day: no activation before it passes
    with pytest.raises(NotEligible, match="may reply until 2027-01-07"):
        listing.activate(
            store, candidate, on=dt.date(2027, 1, 6), actor="k", profile=JIANGSU, clock=StepClock(dt.date(2027, 1, 6))
        )
    listing.activate(
        store, candidate, on=dt.date(2027, 1, 8), actor="k", profile=JIANGSU, clock=StepClock(dt.date(2027, 1, 8))
    )
    shown = publication.announcements(store, dt.date(2027, 1, 7), JIANGSU)
    assert {(a.kind, a.shown_until, a.provisional) for a in shown} == {
        ("repair_notice", dt.date(2027, 1, 7), False),
        ("listing_notice", dt.date(2027, 1, 7), False),
    }


# -- the answers: API, CLI -----------------------------------------------------------------------------------------


@pytest.fixture(params=STORES)
def service(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Starts the service (again) on one store holding the API world and a punitive candidate."""
    scenario, world = build_world()
    scenario.entry(world.other, "black", status="candidate", determined_on="2026-12-01", entry_id="BLACK-CANDIDATE")
    data = scenario.write(tmp_path / "data")
    # The service's date: the end of 2026, whose deadlines run into 2027.
    settings = dataclasses.replace(
        settings_for(tmp_path, tmp_path / "store.duckdb", tmp_path / "keys.json"), as_of=dt.date(2026, 12, 28)
    )
    if request.param == "neo4j":
        point_at(request.getfixturevalue("neo4j_clean"), monkeypatch)
        settings = dataclasses.replace(settings, store="neo4j")
        with Neo4jStore(Neo4jSettings.from_env()) as neo:
            load_directory(data, neo)
    else:
        with EmbeddedStore(settings.db) as embedded:
            load_directory(data, embedded)
    keys = write_keys(tmp_path / "keys.json")

    @contextmanager
    def start() -> Iterator[TestClient]:
        with TestClient(create_app(settings)) as client:
            yield client

    yield start, keys, world


def test_the_api_marks_provisional_deadlines_and_the_next_start_counts_them_again(
    service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, keys, world = service
    government = keys.header("government")
    body = {"filer": "大庆豪丰电力工程有限公司", "grounds": "inaccurate", "statement": "日期有误"}
    with start() as client:
        late = client.post(
            f"/v1/entries/{world.listed_entry}/objections", json={**body, "filed_on": "2026-12-28"}, headers=government
        )
        assert late.status_code == 201, late.text
        assert [(d["name"], d["due"], d["provisional"], d["provisional_years"]) for d in late.json()["deadlines"]] == [
            ("review", "2027-01-12", True, [2027]),
            ("verify", "2027-01-05", True, [2027]),
        ]
        early = client.post(
            f"/v1/entries/{world.black_entry}/objections", json={**body, "filed_on": "2026-12-01"}, headers=government
        )
        assert [d["provisional"] for d in early.json()["deadlines"]] == [False, False]
        listed = client.get("/v1/objections", params={"state": "open"}, headers=government).json()["items"]
        assert {c["case_id"]: [d["provisional"] for d in c["deadlines"]] for c in listed} == {
            late.json()["case_id"]: [True, True],
            early.json()["case_id"]: [False, False],
        }
        told = client.post("/v1/entries/BLACK-CANDIDATE/notice", json={"on": "2026-12-28"}, headers=government)
        assert told.status_code == 200, told.text
        assert (told.json()["reply_by"], told.json()["provisional"]) == ("2027-01-05", True)
        notices = client.get("/v1/announcements", params={"on": "2026-12-29"}, headers=government).json()["items"]
        assert [(a["kind"], a["shown_until"], a["provisional"]) for a in notices] == [
            ("listing_notice", "2027-01-05", True)
        ]

    monkeypatch.setenv("GRAPHSVC_CALENDAR", str(with_2027(tmp_path).origin))
    with start() as client:
        listed = client.get("/v1/objections", params={"state": "open"}, headers=government).json()["items"]
        again = next(c for c in listed if c["case_id"] == late.json()["case_id"])
        assert [(d["name"], d["due"], d["provisional"]) for d in again["deadlines"]] == [
            ("review", "2027-01-14", False),
            ("verify", "2027-01-07", False),
        ]
        notices = client.get("/v1/announcements", params={"on": "2026-12-29"}, headers=government).json()["items"]
        assert [(a["shown_until"], a["provisional"]) for a in notices] == [("2027-01-07", False)]


def _cli(*args: str) -> Any:
    out = io.StringIO()
    assert graphsvc_main(list(args), out=out) == 0
    return json.loads(out.getvalue())


def test_the_cli_marks_provisional_deadlines_shows_the_years_and_counts_again(tmp_path: Path) -> None:
    s = Scenario()
    entry = s.entry(s.org("江苏某某有限公司"), "black", determined_on="2026-03-02", act_date="2026-01-10")
    db = str(tmp_path / "store.duckdb")
    assert graphsvc_main(["load", str(s.write(tmp_path / "in")), "--db", db]) == 0
    filed = _cli(
        "objection", "file", entry, "--db", db, "--profile", "jiangsu", "--filed-on", "2026-12-28",
        "--today", "2026-12-28",
        "--filer", "某某", "--grounds", "inaccurate", "--statement", "日期有误",
    )  # fmt: skip
    assert [(d["due"], d["provisional"], d["provisional_years"]) for d in filed["deadlines"]] == [
        ("2027-01-12", True, [2027]),
        ("2027-01-05", True, [2027]),
    ]
    assert [y["official"] for y in _cli("calendar", "show", "--year", "2026", "--year", "2027")["years"]] == [
        True,
        False,
    ]
    notice = with_2027(tmp_path).origin
    shown = _cli("calendar", "show", "--year", "2027", "--calendar", notice)["years"][0]
    assert shown["official"] and shown["source"] == "国务院办公厅关于2027年部分节假日安排的通知"
    planned = _cli("calendar", "recount", "--db", db, "--calendar", notice, "--on", "2026-12-30", "--dry-run")
    assert [(c["deadline"], c["old_due"], c["new_due"]) for c in planned] == [
        ("review", "2027-01-12", "2027-01-14"),
        ("verify", "2027-01-05", "2027-01-07"),
    ]
    # the bundled calendar: nothing changes
    still = _cli("objection", "list", "--db", db, "--state", "open", "--today", "2026-12-30")
    assert [d["provisional"] for d in still[0]["deadlines"]] == [True, True]
    assert _cli("calendar", "recount", "--db", db, "--calendar", notice, "--on", "2026-12-30") == planned
    listed = _cli("objection", "list", "--db", db, "--calendar", notice, "--today", "2026-12-30")
    assert [(d["due"], d["provisional"]) for d in listed[0]["deadlines"]] == [
        ("2027-01-14", False),
        ("2027-01-07", False),
    ]
    assert _cli("calendar", "recount", "--db", db, "--calendar", notice) == []
