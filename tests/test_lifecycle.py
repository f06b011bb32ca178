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
from graphsvc.errors import InputError, LoadRejected
from graphsvc.lifecycle import listing, objections, publication, repairs
from graphsvc.lifecycle.cases import CaseConflict, CaseKind, NotEligible, read_events
from graphsvc.lifecycle.clock import StepClock, StepDateRefused
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


def _at(day: dt.date) -> StepClock:
    """The service date of a step taken on ``day`` and entered the same day."""
    return StepClock(day)


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
    case = objections.file(store, filing, actor="k1", profile=JIANGSU, calendar=CALENDAR, clock=_at(filing.filed_on))
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
        clock=_at(dt.date(2024, 10, 15)),
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
            clock=_at(dt.date(2024, 10, 16)),
        )


def test_a_past_objection_window_still_suspends_after_it_was_rejected(store: GraphStore, tmp_path: Path) -> None:
    """RGT-02 (001 四(五) 信息核实期间暂不执行): after the rejection the measures apply again, but a date inside the
    window still shows them suspended."""
    s = Scenario()
    _firm, lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    filing = objections.Filing(entry, dt.date(2024, 4, 8), "周一", objections.Ground.INACCURATE, "并非本公司所为")
    case = objections.file(store, filing, actor="k1", profile=DAQING, calendar=CALENDAR, clock=_at(filing.filed_on))
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
        clock=_at(dt.date(2024, 4, 19)),
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
        clock=_at(dt.date(2024, 5, 6)),
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
        clock=_at(dt.date(2024, 5, 10)),
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
        clock=_at(dt.date(2024, 5, 13)),
    )
    assert appeal.kind is CaseKind.APPEAL and appeal.deadlines == []


def test_objections_refuse_bad_input(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    _firm, _lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    early = objections.Filing(entry, dt.date(2024, 2, 1), "x", objections.Ground.INACCURATE, "早")
    with pytest.raises(Exception, match="before the entry's determination date"):
        objections.file(store, early, actor="k", profile=JIANGSU, calendar=CALENDAR, clock=_at(early.filed_on))
    with pytest.raises(Exception, match="no current entry"):
        objections.file(
            store,
            objections.Filing("E404", dt.date(2024, 4, 1), "x", objections.Ground.OTHER, "y"),
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
            clock=_at(dt.date(2024, 4, 1)),
        )
    assert objections.list_cases(store) == []
    first = objections.file(
        store,
        objections.Filing(entry, dt.date(2024, 4, 1), "x", objections.Ground.OTHER, "y"),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
        clock=_at(dt.date(2024, 4, 1)),
    )
    with pytest.raises(CaseConflict, match="already has an open objection"):
        objections.file(
            store,
            objections.Filing(entry, dt.date(2024, 4, 2), "x", objections.Ground.OTHER, "z"),
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
            clock=_at(dt.date(2024, 4, 2)),
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
            clock=_at(dt.date(2024, 4, 3)),
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
        store,
        red,
        from_on=dt.date(2024, 5, 6),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
        clock=_at(dt.date(2024, 5, 6)),
    )
    assert notice["notice_until"] == dt.date(2024, 5, 11)  # Saturday 11 May 2024 is an adjusted working day
    listing.public_notice(
        store,
        clean,
        from_on=dt.date(2024, 5, 6),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
        clock=_at(dt.date(2024, 5, 6)),
    )
    objection = objections.file(
        store,
        objections.Filing(red, dt.date(2024, 5, 8), "举报人", objections.Ground.INACCURATE, "存在欠薪"),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
        clock=_at(dt.date(2024, 5, 8)),
    )
    with pytest.raises(NotEligible, match="runs until 2024-05-11"):
        listing.activate(
            store, clean, on=dt.date(2024, 5, 11), actor="k", profile=JIANGSU, clock=_at(dt.date(2024, 5, 11))
        )
    listing.activate(store, clean, on=dt.date(2024, 5, 13), actor="k", profile=JIANGSU, clock=_at(dt.date(2024, 5, 13)))
    with pytest.raises(NotEligible, match=f"objection {objection.case_id} .* is open"):
        listing.activate(
            store, red, on=dt.date(2024, 5, 13), actor="k", profile=JIANGSU, clock=_at(dt.date(2024, 5, 13))
        )
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
        clock=_at(dt.date(2024, 5, 15)),
    )
    with pytest.raises((NotEligible, CaseConflict)):
        listing.activate(
            store, red, on=dt.date(2024, 5, 20), actor="k", profile=JIANGSU, clock=_at(dt.date(2024, 5, 20))
        )
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
        listing.notify(
            store,
            focus,
            notified_on=dt.date(2024, 6, 3),
            actor="k",
            profile=DAQING,
            calendar=CALENDAR,
            clock=_at(dt.date(2024, 6, 3)),
        )
    with pytest.raises(NotEligible, match="notified before listing"):
        listing.activate(
            store, black, on=dt.date(2024, 6, 4), actor="k", profile=DAQING, clock=_at(dt.date(2024, 6, 4))
        )
    told = listing.notify(
        store,
        black,
        notified_on=dt.date(2024, 6, 3),
        actor="k",
        profile=DAQING,
        calendar=CALENDAR,
        clock=_at(dt.date(2024, 6, 3)),
    )
    assert told["reply_by"] == dt.date(2024, 6, 11)  # 端午 10 June 2024 is a holiday
    assert _p1(store, "daqing", "2024-06-12") == []  # notified is not in force
    listing.activate(store, black, on=dt.date(2024, 6, 12), actor="k", profile=DAQING, clock=_at(dt.date(2024, 6, 12)))
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
        repairs.apply(store, early, actor="k", profile=JIANGSU, clock=_at(early.applied_on))
    assert len(refused.value.conditions) == 2
    assert "not before 2025-02-01" in refused.value.conditions[0] and "commitment" in refused.value.conditions[1]
    uncorrected = repairs.Application(entry, dt.date(2025, 3, 3), commitment="承诺守信", corrected_on=None)
    with pytest.raises(NotEligible, match="must have been corrected"):
        repairs.apply(store, uncorrected, actor="k", profile=JIANGSU, clock=_at(uncorrected.applied_on))
    assert repairs.list_cases(store) == []  # nothing recorded for a refused application
    case = repairs.apply(
        store,
        repairs.Application(entry, dt.date(2025, 3, 3), "承诺不再失信", dt.date(2024, 2, 1), ("整改报告",)),
        actor="k",
        profile=JIANGSU,
        clock=_at(dt.date(2025, 3, 3)),
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
        clock=_at(dt.date(2025, 3, 4)),
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
            clock=_at(dt.date(2025, 3, 5)),
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
    listing.change_status(
        store, entry, status="exited", since=dt.date(2024, 8, 1), note="退出", actor="k", clock=_at(dt.date(2024, 8, 1))
    )
    assert [r["subject_id"] for r in _p1(store, "jiangsu", "2024-07-31")] == [lr]
    assert _p1(store, "jiangsu", "2024-08-01") == []
    with pytest.raises(CaseConflict, match="closed entry"):
        listing.change_status(
            store, entry, status="active", since=dt.date(2024, 8, 5), note="", actor="k", clock=_at(dt.date(2024, 8, 5))
        )
    assert [a.kind for a in publication.announcements(store, dt.date(2024, 8, 15), JIANGSU)] == ["exit"]
    assert publication.announcements(store, dt.date(2024, 9, 15), JIANGSU) == []


# -- the clock: lifecycle writes keep the past ---------------------------------------------------------------------


def _filing(entry: str, day: dt.date, statement: str = "异议") -> objections.Filing:
    return objections.Filing(entry, day, "周一", objections.Ground.INACCURATE, statement)


def test_a_step_is_dated_neither_before_the_last_step_nor_ahead_of_the_service_date_nor_beyond_the_grace(
    store: GraphStore, tmp_path: Path
) -> None:
    """An objection backdated to before an exit would take the entry out of force retroactively: refused. So is a
    step dated after the service date, or older than the late-entry grace; within the grace a step taken on paper
    is entered late, dated as taken and recorded when entered."""
    s = Scenario()
    _firm, _lr, exited = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    listed = s.entry(s.org("江苏另一有限公司"), "black", determined_on="2024-03-01", department="江苏省税务局")
    _load(store, s, tmp_path)
    listing.change_status(
        store, exited, status="exited", since=dt.date(2024, 8, 1), note="", actor="k", clock=_at(dt.date(2024, 8, 1))
    )
    clock = StepClock(dt.date(2024, 8, 5), late_entry_days=30)
    with pytest.raises(StepDateRefused, match=r"before entry .* last recorded step \(status exited on 2024-08-01\)"):
        objections.file(
            store, _filing(exited, dt.date(2024, 7, 15)), actor="k", profile=JIANGSU, calendar=CALENDAR, clock=clock
        )
    with pytest.raises(StepDateRefused, match="after the service date 2024-08-05"):
        objections.file(
            store, _filing(listed, dt.date(2024, 8, 6)), actor="k", profile=JIANGSU, calendar=CALENDAR, clock=clock
        )
    with pytest.raises(StepDateRefused, match=r"more than 30 day.* late back to 2024-07-06"):
        objections.file(
            store, _filing(listed, dt.date(2024, 7, 5)), actor="k", profile=JIANGSU, calendar=CALENDAR, clock=clock
        )
    with pytest.raises(StepDateRefused, match="after the service date"):
        listing.change_status(
            store, listed, status="suspended", since=dt.date(2024, 9, 1), note="", actor="k", clock=clock
        )
    assert objections.list_cases(store) == []
    late = objections.file(
        store, _filing(listed, dt.date(2024, 7, 10)), actor="k", profile=JIANGSU, calendar=CALENDAR, clock=clock
    )
    assert late.opened_on == dt.date(2024, 7, 10)
    [event] = read_events(store.lifecycle_events(case_id=late.case_id))
    assert event.recorded_at is not None and event.recorded_at.date() == dt.datetime.now(dt.UTC).date()
    # the filing is now the entry's last step: a status change may not be dated before it
    with pytest.raises(StepDateRefused, match="objection filed on 2024-07-10"):
        listing.change_status(
            store, listed, status="suspended", since=dt.date(2024, 7, 9), note="", actor="k", clock=clock
        )
    with pytest.raises(StepDateRefused, match="before entry"):
        objections.decide(
            store,
            late.case_id,
            decided_on=dt.date(2024, 7, 9),
            outcome=objections.Outcome.REJECTED,
            reason="无误",
            correction=None,
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
            clock=clock,
        )


def test_an_objection_is_taken_while_the_entry_is_in_force_or_within_the_profile_period_after(
    store: GraphStore, tmp_path: Path
) -> None:
    """RGT-01: an entry whose validity ended, or which left the list, has nothing left to object to, unless the
    profile takes objections for a period after (lifecycle.objection.after_force_days; no seed states one)."""
    s = Scenario()
    firm = s.org("江苏某某有限公司")
    ended = s.entry(firm, "black", determined_on="2024-03-01", valid_until="2024-06-30", department="江苏省税务局")
    _load(store, s, tmp_path)
    day = dt.date(2024, 7, 5)
    with pytest.raises(CaseConflict, match=r"validity ended on 2024-06-30.*only while the entry is in force"):
        objections.file(store, _filing(ended, day), actor="k", profile=JIANGSU, calendar=CALENDAR, clock=_at(day))
    rules = JIANGSU.lifecycle.model_copy(
        update={"objection": JIANGSU.lifecycle.objection.model_copy(update={"after_force_days": 10})}
    )
    lenient = JIANGSU.model_copy(update={"lifecycle": rules})
    with pytest.raises(CaseConflict, match="up to 10 day"):
        late = dt.date(2024, 7, 11)
        objections.file(store, _filing(ended, late), actor="k", profile=lenient, calendar=CALENDAR, clock=_at(late))
    case = objections.file(store, _filing(ended, day), actor="k", profile=lenient, calendar=CALENDAR, clock=_at(day))
    assert store.status_history(ended).num_rows == 0  # an entry out of force is not flagged
    decided = dt.date(2024, 7, 8)
    with pytest.raises(CaseConflict, match="back in force"):
        objections.decide(
            store,
            case.case_id,
            decided_on=decided,
            outcome=objections.Outcome.PARTLY_UPHELD,
            reason="有效期有误",
            correction={"valid_until": "2025-06-30"},
            actor="k",
            profile=lenient,
            calendar=CALENDAR,
            clock=_at(decided),
        )
    objections.decide(
        store,
        case.case_id,
        decided_on=decided,
        outcome=objections.Outcome.REJECTED,
        reason="核实无误",
        correction=None,
        actor="k",
        profile=lenient,
        calendar=CALENDAR,
        clock=_at(decided),
    )
    assert store.status_history(ended).num_rows == 0  # nothing restored: the entry stays out of force


def test_a_closed_entry_never_returns_to_force(store: GraphStore, tmp_path: Path) -> None:
    """EXIT-02/05: once exited, neither a status change, nor a new version or status row of a load, nor an
    objection's decision puts the entry back in force; a new designation is a new entry id."""
    s = Scenario()
    _firm, lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    objection = objections.file(
        store,
        _filing(entry, dt.date(2024, 7, 1)),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
        clock=_at(dt.date(2024, 7, 1)),
    )
    listing.change_status(
        store, entry, status="exited", since=dt.date(2024, 8, 1), note="退出", actor="k", clock=_at(dt.date(2024, 8, 1))
    )
    objections.decide(
        store,
        objection.case_id,
        decided_on=dt.date(2024, 8, 2),
        outcome=objections.Outcome.REJECTED,
        reason="核实无误",
        correction=None,
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
        clock=_at(dt.date(2024, 8, 2)),
    )
    assert [r["status"] for r in store.status_history(entry).to_pylist()] == ["objection_pending", "exited"]
    with pytest.raises(CaseConflict, match="closed entry"):
        listing.change_status(
            store, entry, status="active", since=dt.date(2024, 8, 5), note="", actor="k", clock=_at(dt.date(2024, 8, 5))
        )
    s.entries[-1].update(status="active", status_since="2024-09-01")
    with pytest.raises(LoadRejected) as reopened:
        _load(store, s, tmp_path)
    assert [(p.column, p.value) for p in reopened.value.problems] == [("status", "active")]
    assert "exited since 2024-08-01" in reopened.value.problems[0].reason
    s.entries[-1].update(status="active", status_since="")
    s.status(entry, "active", "2024-09-01")
    with pytest.raises(LoadRejected, match="") as restated:
        _load(store, s, tmp_path)
    assert [(p.file, p.value) for p in restated.value.problems] == [("statuses.csv", "active")]
    s.statuses.clear()
    _load(store, s, tmp_path)  # the same facts again change nothing
    assert _p1(store, "jiangsu", "2024-09-02") == []
    assert [r["subject_id"] for r in _p1(store, "jiangsu", "2024-07-31")] == [lr]  # the past stays as it was


def test_a_repair_is_corrected_after_the_act_and_listed_from_its_application(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    _firm, _lr, entry = _listed_firm(s, determined_on="2024-01-05", act_date="2023-12-20", domain="tax")
    _load(store, s, tmp_path)
    before_act = repairs.Application(entry, dt.date(2025, 3, 3), "承诺不再失信", dt.date(2023, 11, 1))
    with pytest.raises(NotEligible, match=r"corrected_on 2023-11-01 is before the act \(act_date 2023-12-20\)"):
        repairs.apply(store, before_act, actor="k", profile=JIANGSU, clock=_at(dt.date(2025, 3, 3)))
    ahead = repairs.Application(entry, dt.date(2025, 9, 1), "承诺不再失信", dt.date(2024, 2, 1))
    with pytest.raises(StepDateRefused, match="after the service date 2025-03-03"):
        repairs.apply(store, ahead, actor="k", profile=JIANGSU, clock=_at(dt.date(2025, 3, 3)))
    ok = repairs.Application(entry, dt.date(2025, 3, 3), "承诺不再失信", dt.date(2024, 2, 1))
    case = repairs.apply(store, ok, actor="k", profile=JIANGSU, clock=_at(dt.date(2025, 3, 3)))
    assert repairs.list_cases(store, on=dt.date(2025, 3, 2)) == []  # not in the inbox before it was filed
    assert [c.case_id for c in repairs.list_cases(store, on=dt.date(2025, 3, 3))] == [case.case_id]
    filed = objections.file(
        store,
        _filing(entry, dt.date(2025, 3, 4)),
        actor="k",
        profile=JIANGSU,
        calendar=CALENDAR,
        clock=_at(dt.date(2025, 3, 4)),
    )
    assert objections.list_cases(store, on=dt.date(2025, 3, 3)) == []
    assert [c.case_id for c in objections.list_cases(store, on=dt.date(2025, 3, 4))] == [filed.case_id]


def test_a_correction_is_checked_as_intake_checks_an_entry_and_keeps_the_department(
    store: GraphStore, tmp_path: Path
) -> None:
    """RGT-04: the corrected version goes through the loaders' entry checks (LST-08 a black entry is serious,
    the vocabulary, the order of the dates); the department is not correctable."""
    s = Scenario()
    _firm, _lr, entry = _listed_firm(s, determined_on="2024-03-01", act_date="2024-01-10")
    _load(store, s, tmp_path)
    day = dt.date(2024, 4, 1)
    case = objections.file(store, _filing(entry, day), actor="k", profile=JIANGSU, calendar=CALENDAR, clock=_at(day))

    def decide(correction: dict[str, str | None]) -> None:
        objections.decide(
            store,
            case.case_id,
            decided_on=day,
            outcome=objections.Outcome.PARTLY_UPHELD,
            reason="更正",
            correction=correction,
            actor="k",
            profile=JIANGSU,
            calendar=CALENDAR,
            clock=_at(day),
        )

    with pytest.raises(LoadRejected) as general:
        decide({"severity": "general"})
    assert [(p.column, p.value) for p in general.value.problems] == [("severity", "general")]
    assert "always serious (LST-08)" in general.value.problems[0].reason
    with pytest.raises(LoadRejected) as late_act:
        decide({"act_date": "2024-05-01", "domain": "astrology"})
    assert {p.column for p in late_act.value.problems} == {"act_date", "domain"}
    with pytest.raises(InputError, match="not department"):
        decide({"department": None})
    assert objections.get(store, case.case_id).is_open  # nothing was recorded
    decide({"act_date": "2024-01-12", "domain": "税务"})
    corrected = store.current_entry(entry)
    assert corrected is not None
    assert (corrected["act_date"], corrected["domain"], corrected["department"]) == (
        dt.date(2024, 1, 12),
        "tax",
        "江苏省市场监督管理局",
    )


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
                "--today",
                "2024-09-27",
                *common,
            ]
        )
        == 0
    )
    filed = json.loads(capsys.readouterr().out)
    assert {d["name"]: d["due"] for d in filed["deadlines"]} == {"review": "2024-10-16", "verify": "2024-10-10"}
    assert (
        main(["objection", "list", "--state", "open", "--overdue-on", "2024-10-11", "--today", "2024-10-11", *common])
        == 0
    )
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
                "--today",
                "2024-10-14",
                *common,
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["state"] == "decided"
    late = ["--today", "2024-10-20"]
    assert (
        main(["repair", "apply", entry, "--applied-on", "2024-10-20", "--corrected-on", "2024-02-01", *late, *common])
        == 1
    )
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
                "--today",
                "2025-03-03",
                *common,
            ]
        )
        == 0
    )
    repair_id = json.loads(capsys.readouterr().out)["case_id"]
    assert (
        main(
            [
                "repair",
                "decide",
                repair_id,
                "--decided-on",
                "2025-03-04",
                "--approve",
                "--reason",
                "符合",
                "--today",
                "2025-03-04",
                *common,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["repair", "list", "--on", "2025-03-12", "--today", "2025-03-12", *common]) == 0
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
