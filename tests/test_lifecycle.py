"""The credit lifecycle, written like the seeds: objections with working-day deadlines, the red list's public
notice, repair with its conditions and notice, announcements; on both stores (graphsvc/lifecycle/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphsvc.calendar import load_calendar
from graphsvc.context import build_context
from graphsvc.engine import evaluate
from graphsvc.lifecycle import listing, objections, publication, repairs
from graphsvc.lifecycle.cases import CaseConflict, CaseKind, NotEligible
from graphsvc.profiles import load_profile
from graphsvc.stores.base import GraphStore
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.conftest import PARITY
from tests.scenario import Scenario

JIANGSU = load_profile("jiangsu")
DAQING = load_profile("daqing")
CALENDAR = load_calendar()
STORES = ["embedded", "neo4j"] if PARITY else ["embedded"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "lifecycle.duckdb") as embedded:
            yield embedded
        return
    server = request.getfixturevalue("neo4j_clean")
    with Neo4jStore(Neo4jSettings(server.uri, server.user, server.password, server.database)) as neo:
        yield neo


def _load(store: GraphStore, s: Scenario, tmp_path: Path) -> None:
    load_directory(s.write(tmp_path / f"in{len(list(tmp_path.iterdir()))}"), store)


def _p1(store: GraphStore, profile: str, day: str) -> list[dict[str, Any]]:
    records = evaluate(store, load_profile(profile), dt.date.fromisoformat(day), persist=False).records.to_pylist()
    return [r for r in records if r["rule"] == "P1"]


def _listed_firm(s: Scenario, **entry: Any) -> tuple[str, str, str]:
    firm = s.org("江苏某某有限公司")
    lr = s.person("周一")
    s.role(lr, "legal_representative", firm)
    entry_id = s.entry(firm, "black", department="江苏省市场监督管理局", **entry)
    s.finding(lr, entry_id)
    return firm, lr, entry_id


# -- objections (RGT-01..04, 004 MB 第三十二条) ------------------------------------------------------------------


def test_a_jiangsu_objection_filed_before_the_national_day_holiday(store: GraphStore, tmp_path: Path) -> None:
    """Filed on Friday 27 September 2024: review within 10 working days, verification within 5, counted across
    the National Day holiday (1-7 October) and the adjusted working days (Sunday 29 September, Saturday 12
    October); upheld with a correction on 15 October, republished within 3 working days."""
    s = Scenario()
    _firm, lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    filing = objections.Filing(entry, dt.date(2024, 9, 27), "周一", objections.Ground.INACCURATE, "处罚日期记载错误")
    case = objections.file(store, filing, actor="k1", profile=JIANGSU, calendar=CALENDAR)
    assert case.state == "open" and case.kind is CaseKind.OBJECTION
    assert case.deadline("review") and case.deadline("review").due == dt.date(2024, 10, 16)  # type: ignore[union-attr]
    assert case.deadline("verify") and case.deadline("verify").due == dt.date(2024, 10, 10)  # type: ignore[union-attr]
    # RGT-04: flagged, measures continue while it is verified
    assert [r["flags"] for r in _p1(store, "jiangsu", "2024-10-08")] == ["objection_pending"]
    overdue = objections.list_cases(store, state="open", overdue_on=dt.date(2024, 10, 11))  # verification late
    assert [c.case_id for c in overdue] == [case.case_id]
    assert [d.name for d in overdue[0].overdue_on(dt.date(2024, 10, 11))] == ["verify"]
    assert objections.list_cases(store, state="open", overdue_on=dt.date(2024, 10, 10)) == []
    decided = objections.decide(
        store,
        case.case_id,
        decided_on=dt.date(2024, 10, 15),
        outcome=objections.Outcome.UPHELD,
        reason="日期有误",
        correction={"valid_until": "2025-03-01"},
        actor="k1",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    assert decided.state == "decided" and decided.deadline("republish").due == dt.date(2024, 10, 18)  # type: ignore[union-attr]
    after = _p1(store, "jiangsu", "2024-10-16")
    assert [(r["subject_id"], r["flags"], r["valid_until"]) for r in after] == [(lr, None, dt.date(2025, 3, 1))]
    with pytest.raises(CaseConflict, match="was decided"):
        objections.decide(
            store,
            case.case_id,
            decided_on=dt.date(2024, 10, 16),
            outcome=objections.Outcome.REJECTED,
            reason="",
            correction=None,
            actor="k1",
            profile=JIANGSU,
            calendar=CALENDAR,
        )


def test_a_past_objection_window_still_suspends_after_it_was_rejected(store: GraphStore, tmp_path: Path) -> None:
    """RGT-02 (001 四(五) 信息核实期间暂不执行): after the rejection the measures apply again, but a date inside the
    window still shows them suspended."""
    s = Scenario()
    _firm, lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    filing = objections.Filing(entry, dt.date(2024, 4, 8), "周一", objections.Ground.INACCURATE, "并非本公司所为")
    case = objections.file(store, filing, actor="k1", profile=DAQING, calendar=CALENDAR)
    objections.decide(
        store,
        case.case_id,
        decided_on=dt.date(2024, 4, 19),
        outcome=objections.Outcome.REJECTED,
        reason="核实无误",
        correction=None,
        actor="k1",
        profile=DAQING,
        calendar=CALENDAR,
    )
    assert _p1(store, "daqing", "2024-04-10") == []
    assert [r["subject_id"] for r in _p1(store, "daqing", "2024-04-19")] == [lr]
    assert [r["subject_id"] for r in _p1(store, "daqing", "2024-04-07")] == [lr]


def test_an_upheld_objection_without_correction_revokes_and_is_announced(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    _firm, _lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    case = objections.file(
        store,
        objections.Filing(entry, dt.date(2024, 5, 6), "周一", objections.Ground.PROHIBITED_DATA, "含病史信息"),
        actor="k1",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    objections.decide(
        store,
        case.case_id,
        decided_on=dt.date(2024, 5, 10),
        outcome=objections.Outcome.UPHELD,
        reason="撤销",
        correction=None,
        actor="k1",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    assert _p1(store, "jiangsu", "2024-05-10") == []
    shown = publication.announcements(store, dt.date(2024, 5, 20), JIANGSU)
    assert [(a.kind, a.entry_id) for a in shown] == [("exit", entry)]
    appeal = objections.file(
        store,
        objections.Filing(
            entry,
            dt.date(2024, 5, 13),
            "市监局",
            objections.Ground.OTHER,
            "不服",
            kind=CaseKind.APPEAL,
            against=case.case_id,
        ),
        actor="k1",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    assert appeal.kind is CaseKind.APPEAL and appeal.deadlines == []


def test_objections_refuse_bad_input(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    _firm, _lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    early = objections.Filing(entry, dt.date(2024, 2, 1), "x", objections.Ground.INACCURATE, "早")
    with pytest.raises(Exception, match="before the entry's determination date"):
        objections.file(store, early, actor="k", profile=JIANGSU, calendar=CALENDAR)
    with pytest.raises(Exception, match="no current entry"):
        objections.file(
            store,
            objections.Filing("E404", dt.date(2024, 4, 1), "x", objections.Ground.OTHER, "y"),
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
        )
    assert objections.list_cases(store) == []
    first = objections.file(
        store,
        objections.Filing(entry, dt.date(2024, 4, 1), "x", objections.Ground.OTHER, "y"),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    with pytest.raises(CaseConflict, match="already has an open objection"):
        objections.file(
            store,
            objections.Filing(entry, dt.date(2024, 4, 2), "x", objections.Ground.OTHER, "z"),
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
        )
    with pytest.raises(Exception, match="may change"):
        objections.decide(
            store,
            first.case_id,
            decided_on=dt.date(2024, 4, 3),
            outcome=objections.Outcome.UPHELD,
            reason="",
            correction={"subject_id": "X"},
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
        )


# -- listing: notice, public notice, activation (004 JI(六)) ------------------------------------------------------


def test_a_red_candidate_with_an_objection_during_its_public_notice_never_becomes_active(
    store: GraphStore, tmp_path: Path
) -> None:
    """LST-07a: 经公示无异议的，可认定为红名单; 有异议的，由认定单位核实处理."""
    s = Scenario()
    firm, other = s.org("守信有限公司"), s.org("诚信有限公司")
    red = s.entry(firm, "red", status="candidate", determined_on="2024-05-06", act_date=None)
    clean = s.entry(other, "red", status="candidate", determined_on="2024-05-06", act_date=None)
    _load(store, s, tmp_path)
    notice = listing.public_notice(
        store, red, from_on=dt.date(2024, 5, 6), actor="k", profile=JIANGSU, calendar=CALENDAR
    )
    assert notice["notice_until"] == dt.date(2024, 5, 11)  # Saturday 11 May 2024 is an adjusted working day
    listing.public_notice(store, clean, from_on=dt.date(2024, 5, 6), actor="k", profile=JIANGSU, calendar=CALENDAR)
    objection = objections.file(
        store,
        objections.Filing(red, dt.date(2024, 5, 8), "举报人", objections.Ground.INACCURATE, "存在欠薪"),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    with pytest.raises(NotEligible, match="runs until 2024-05-11"):
        listing.activate(store, clean, on=dt.date(2024, 5, 11), actor="k", profile=JIANGSU)
    listing.activate(store, clean, on=dt.date(2024, 5, 13), actor="k", profile=JIANGSU)
    with pytest.raises(NotEligible, match=f"objection {objection.case_id} .* is open"):
        listing.activate(store, red, on=dt.date(2024, 5, 13), actor="k", profile=JIANGSU)
    objections.decide(
        store,
        objection.case_id,
        decided_on=dt.date(2024, 5, 15),
        outcome=objections.Outcome.UPHELD,
        reason="查实欠薪",
        correction=None,
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    with pytest.raises((NotEligible, CaseConflict)):
        listing.activate(store, red, on=dt.date(2024, 5, 20), actor="k", profile=JIANGSU)
    in_force = {e["entry_id"] for e in store.entries_in_force(build_context(JIANGSU, dt.date(2024, 5, 20))).to_pylist()}
    assert clean in in_force and red not in in_force


def test_a_punitive_listing_needs_notice_and_the_reply_window(store: GraphStore, tmp_path: Path) -> None:
    """LST-10 (004 JI(六) 应实行事前告知); 001 四(六): a focus entry tells the subject its validity."""
    s = Scenario()
    firm = s.org("大庆某某有限公司")
    s.role(lr := s.person("吴二"), "legal_representative", firm)
    focus = s.entry(firm, "focus", severity="general", status="candidate", determined_on="2024-06-03", act_date=None)
    black = s.entry(firm, "black", status="candidate", determined_on="2024-06-03", act_date=None)
    _load(store, s, tmp_path)
    with pytest.raises(NotEligible, match="提示重点关注有效期"):
        listing.notify(store, focus, notified_on=dt.date(2024, 6, 3), actor="k", profile=DAQING, calendar=CALENDAR)
    with pytest.raises(NotEligible, match="notified before listing"):
        listing.activate(store, black, on=dt.date(2024, 6, 4), actor="k", profile=DAQING)
    told = listing.notify(store, black, notified_on=dt.date(2024, 6, 3), actor="k", profile=DAQING, calendar=CALENDAR)
    assert told["reply_by"] == dt.date(2024, 6, 11)  # 端午 10 June 2024 is a holiday
    assert _p1(store, "daqing", "2024-06-12") == []  # notified is not in force
    listing.activate(store, black, on=dt.date(2024, 6, 12), actor="k", profile=DAQING)
    assert [r["subject_id"] for r in _p1(store, "daqing", "2024-06-12")] == [lr]
    notices = publication.announcements(store, dt.date(2024, 6, 5), DAQING)
    assert [(a.kind, a.entry_id) for a in notices] == [("listing_notice", black)]


# -- repair (RGT-06, VAL-07, 004 MB 第三十四、三十五条) -------------------------------------------------------------


def test_a_repair_refused_for_each_unmet_condition_then_approved_after_its_notice(
    store: GraphStore, tmp_path: Path
) -> None:
    s = Scenario()
    firm, lr, entry = _listed_firm(s, determined_on="2024-01-05", act_date="2023-12-20", domain="tax")
    again = s.entry(firm, "black", determined_on="2024-01-05", act_date="2023-12-20", domain="environment")
    _load(store, s, tmp_path)
    early = repairs.Application(entry, dt.date(2024, 6, 3), commitment="", corrected_on=dt.date(2024, 2, 1))
    with pytest.raises(NotEligible) as refused:
        repairs.apply(store, early, actor="k", profile=JIANGSU)
    assert len(refused.value.conditions) == 2
    assert "not before 2025-02-01" in refused.value.conditions[0] and "commitment" in refused.value.conditions[1]
    uncorrected = repairs.Application(entry, dt.date(2025, 3, 3), commitment="承诺守信", corrected_on=None)
    with pytest.raises(NotEligible, match="must have been corrected"):
        repairs.apply(store, uncorrected, actor="k", profile=JIANGSU)
    assert repairs.list_cases(store) == []  # nothing recorded for a refused application
    case = repairs.apply(
        store,
        repairs.Application(entry, dt.date(2025, 3, 3), "承诺不再失信", dt.date(2024, 2, 1), ("整改报告",)),
        actor="k",
        profile=JIANGSU,
    )
    approved = repairs.decide(
        store,
        case.case_id,
        decided_on=dt.date(2025, 3, 4),
        approve=True,
        reason="符合条件",
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
    )
    assert approved.state == "notice" and approved.detail["notice_until"] == "2025-03-11"
    s_p1 = _p1(store, "jiangsu", "2025-03-11")
    assert [(r["subject_id"], r["source_entry_id"]) for r in s_p1] == [(lr, entry)]  # in force during the notice
    after = evaluate(store, JIANGSU, dt.date(2025, 3, 12), persist=False).records.to_pylist()
    assert [r for r in after if r["rule"] == "P1"] == []
    in_force = {e["entry_id"] for e in store.entries_in_force(build_context(JIANGSU, dt.date(2025, 3, 12))).to_pylist()}
    assert again in in_force and entry not in in_force  # the repaired entry left force, the other did not
    assert [(r["subject_id"], r["valid_from"]) for r in after if r["rule"] == "W4"] == [(firm, dt.date(2025, 3, 12))]
    kinds = [(a.kind, a.entry_id) for a in publication.announcements(store, dt.date(2025, 3, 6), JIANGSU)]
    assert kinds == [("repair_notice", entry)]
    assert [a.kind for a in publication.announcements(store, dt.date(2025, 3, 20), JIANGSU)] == ["exit"]
    assert repairs.state_on(repairs.get(store, case.case_id), dt.date(2025, 3, 12)) == "repaired"
    with pytest.raises(CaseConflict, match="decided already"):
        repairs.decide(
            store,
            case.case_id,
            decided_on=dt.date(2025, 3, 5),
            approve=False,
            reason="",
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
        )


def test_a_repair_needs_the_entry_in_force_and_no_later_act_of_the_same_type(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    firm, _lr, entry = _listed_firm(s, determined_on="2024-01-05", act_date="2023-12-20", domain="tax")
    s.entry(firm, "black", determined_on="2024-09-02", act_date="2024-08-01", domain="tax")
    expired = s.entry(firm, "black", determined_on="2024-01-05", act_date=None, valid_until="2024-12-31")
    _load(store, s, tmp_path)
    conditions = repairs.unmet_conditions(
        store, repairs.Application(entry, dt.date(2025, 3, 3), "承诺", dt.date(2024, 2, 1)), JIANGSU
    )
    assert len(conditions) == 1 and "same type" in conditions[0]
    gone = repairs.unmet_conditions(
        store, repairs.Application(expired, dt.date(2025, 3, 3), "承诺", dt.date(2024, 2, 1)), JIANGSU
    )
    assert any("not in force on 2025-03-03" in c for c in gone)


# -- a department's status changes -------------------------------------------------------------------------------


def test_status_changes_follow_the_transitions_and_are_announced(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    _firm, lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    listing.change_status(store, entry, status="exited", since=dt.date(2024, 8, 1), note="退出", actor="k")
    assert [r["subject_id"] for r in _p1(store, "jiangsu", "2024-07-31")] == [lr]
    assert _p1(store, "jiangsu", "2024-08-01") == []
    with pytest.raises(CaseConflict, match="closed entry"):
        listing.change_status(store, entry, status="active", since=dt.date(2024, 8, 5), note="", actor="k")
    assert [a.kind for a in publication.announcements(store, dt.date(2024, 8, 15), JIANGSU)] == ["exit"]
    assert publication.announcements(store, dt.date(2024, 9, 15), JIANGSU) == []


# -- the command line --------------------------------------------------------------------------------------------


def test_objection_and_repair_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from graphsvc.cli import main

    s = Scenario()
    _firm, _lr, entry = _listed_firm(s, determined_on="2024-01-05", act_date="2023-12-20")
    db = str(tmp_path / "cli.duckdb")
    assert main(["load", str(s.write(tmp_path / "in")), "--db", db]) == 0
    capsys.readouterr()
    common = ["--db", db, "--profile", "jiangsu", "--actor", "江苏省市场监督管理局"]
    assert (
        main(
            [
                "objection",
                "file",
                entry,
                "--filed-on",
                "2024-09-27",
                "--filer",
                "周一",
                "--grounds",
                "inaccurate",
                "--statement",
                "日期有误",
                *common,
            ]
        )
        == 0
    )
    filed = json.loads(capsys.readouterr().out)
    assert {d["name"]: d["due"] for d in filed["deadlines"]} == {"review": "2024-10-16", "verify": "2024-10-10"}
    assert main(["objection", "list", "--state", "open", "--overdue-on", "2024-10-11", *common]) == 0
    assert [c["case_id"] for c in json.loads(capsys.readouterr().out)] == [filed["case_id"]]
    assert (
        main(
            [
                "objection",
                "decide",
                filed["case_id"],
                "--decided-on",
                "2024-10-14",
                "--outcome",
                "rejected",
                "--reason",
                "核实无误",
                *common,
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["state"] == "decided"
    assert main(["repair", "apply", entry, "--applied-on", "2024-10-20", "--corrected-on", "2024-02-01", *common]) == 1
    refused = capsys.readouterr().err
    assert "not before 2025-02-01" in refused and "commitment" in refused
    assert (
        main(
            [
                "repair",
                "apply",
                entry,
                "--applied-on",
                "2025-03-03",
                "--corrected-on",
                "2024-02-01",
                "--commitment",
                "承诺不再失信",
                *common,
            ]
        )
        == 0
    )
    repair_id = json.loads(capsys.readouterr().out)["case_id"]
    assert (
        main(["repair", "decide", repair_id, "--decided-on", "2025-03-04", "--approve", "--reason", "符合", *common])
        == 0
    )
    capsys.readouterr()
    assert main(["repair", "list", "--on", "2025-03-12", *common]) == 0
    assert [c["state"] for c in json.loads(capsys.readouterr().out)] == ["repaired"]


def test_the_archive_keeps_an_entry_for_the_profile_retention_period() -> None:
    """004 MB 第八条 / 第三十五条: the archive is kept; a profile may bound how long (archive_years)."""
    entry = {
        "entry_id": "E1",
        "list_type": "black",
        "severity": "serious",
        "determined_on": dt.date(2020, 1, 6),
        "valid_until": None,
        "status": "exited",
        "status_since": dt.date(2021, 5, 1),
    }
    assert publication.retained(entry, dt.date(2040, 1, 1), JIANGSU)  # no period: kept
    rules = JIANGSU.lifecycle.model_copy(
        update={"publication": JIANGSU.lifecycle.publication.model_copy(update={"archive_years": 2})}
    )
    bounded = JIANGSU.model_copy(update={"lifecycle": rules})
    # validity ended 2023-01-06 (3 years, serious), later than the exit: kept two years from then
    assert publication.retained(entry, dt.date(2025, 1, 6), bounded)
    assert not publication.retained(entry, dt.date(2025, 1, 7), bounded)
