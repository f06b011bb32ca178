"""V1 validity and V2 objections per profile (VAL-01, RGT-02..04), plus status timing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graphsvc.errors import LoadRejected
from graphsvc.stores.embedded import EmbeddedStore
from loaders.canonical import load_directory
from tests.conftest import Derive, subjects_of
from tests.scenario import Scenario


def _firm_with_entry(s: Scenario, **entry: str | None) -> tuple[str, str, str]:
    firm = s.org("某某有限公司")
    lr = s.person("张伟")
    s.role(lr, "legal_representative", firm)
    entry_id = s.entry(firm, "black", **entry)  # type: ignore[arg-type]
    s.finding(lr, entry_id)  # jiangsu records only persons found responsible (004 MB 第二十九条)
    return firm, lr, entry_id


# -- V1 (VAL-01): validity ----------------------------------------------------------------------------------------


def test_v1_jiangsu_serious_entry_lapses_3_years_after_determination(derive: Derive) -> None:
    s = Scenario()
    _firm, lr, _ = _firm_with_entry(s, determined_on="2021-03-01", act_date="2021-01-01")
    assert subjects_of(derive(s, "jiangsu", as_of="2024-03-01"), "P1") == {lr}  # last day of the 3 years
    assert subjects_of(derive(s, "jiangsu", as_of="2024-03-02"), "P1") == set()
    record = next(r for r in derive(s, "jiangsu", as_of="2023-01-01") if r["rule"] == "P1")
    assert record["valid_until"].isoformat() == "2024-03-01"


def test_v1_scenario_6_general_entry_expires_1_year_after_determination(derive: Derive) -> None:
    """VAL-01 by severity (jiangsu, default): 一般失信为1年; the default profile also has P7."""
    s = Scenario()
    firm = s.org("某某有限公司")
    lr = s.person("李娜")
    s.role(lr, "legal_representative", firm)
    s.entry(
        firm,
        "major_tax_case",
        severity="general",
        domain="tax",
        determined_on="2023-03-01",
        act_date="2023-01-01",
    )
    assert subjects_of(derive(s, "default", as_of="2024-03-01"), "P7") == {lr}
    assert subjects_of(derive(s, "default", as_of="2024-03-02"), "P7") == set()
    assert subjects_of(derive(s, "zhoucun", as_of="2026-03-02"), "P7") == {lr}  # open-ended in Zhoucun


def test_v1_explicit_valid_until_ends_force_on_that_day(derive: Derive) -> None:
    s = Scenario()
    firm = s.org("某某有限公司")
    s.entry(firm, "red", determined_on="2023-04-01", act_date=None)
    s.entry(firm, "black", determined_on="2023-04-02", act_date="2023-03-01", valid_until="2023-05-01")
    assert subjects_of(derive(s, "jiangsu", as_of="2023-05-01"), "W3") == {firm}
    assert subjects_of(derive(s, "jiangsu", as_of="2023-05-02"), "W3") == set()


def test_v1_open_ended_profiles_keep_entries_without_valid_until(derive: Derive) -> None:
    s = Scenario()
    _firm, lr, _ = _firm_with_entry(s, determined_on="2015-03-01", act_date="2015-01-01")
    assert subjects_of(derive(s, "daqing", as_of="2026-06-30"), "P1") == {lr}
    assert subjects_of(derive(s, "jiangsu", as_of="2026-06-30"), "P1") == set()
    assert subjects_of(derive(s, "default", as_of="2026-06-30"), "P1") == set()  # default: as jiangsu


def test_v1_explicit_valid_until_wins_over_the_profile_default(derive: Derive) -> None:
    s = Scenario()
    _firm, lr, _ = _firm_with_entry(s, determined_on="2020-03-01", act_date="2020-01-01", valid_until="2030-12-31")
    assert subjects_of(derive(s, "jiangsu", as_of="2026-06-30"), "P1") == {lr}


def test_v1_not_in_force_before_determination(derive: Derive) -> None:
    s = Scenario()
    _firm_with_entry(s, determined_on="2024-07-01", act_date="2024-01-01")
    assert subjects_of(derive(s, "daqing", as_of="2024-06-30"), "P1") == set()


@pytest.mark.parametrize("status", ["suspended", "repaired", "revoked", "exited", "expired"])
def test_v1_entries_out_of_force_trigger_nothing(derive: Derive, status: str) -> None:
    s = Scenario()
    _firm_with_entry(s, status=status, status_since="2024-05-01")
    records = derive(s, "default", as_of="2024-06-30")
    assert [r for r in records if r["rule"] != "W4"] == []


def test_status_takes_effect_on_status_since(derive: Derive) -> None:
    s = Scenario()
    _firm, lr, _ = _firm_with_entry(s, status="revoked", status_since="2024-05-01")
    assert subjects_of(derive(s, "daqing", as_of="2024-04-30"), "P1") == {lr}
    assert subjects_of(derive(s, "daqing", as_of="2024-05-01"), "P1") == set()


# -- V2 (RGT-02..04): objections ----------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["lianping", "daqing", "kunming", "zhoucun", "default"])
def test_v2_scenario_5_objection_pending_suspends_in_the_local_plans(derive: Derive, profile: str) -> None:
    """RGT-02: 联合惩戒措施在信息核实期间暂不执行."""
    s = Scenario()
    _firm_with_entry(s, status="objection_pending", status_since="2024-04-01")
    assert subjects_of(derive(s, profile), "P1") == set()


def test_v2_objection_pending_is_flagged_and_continues_in_jiangsu(derive: Derive) -> None:
    """RGT-03/04: 不停止執行; 打上標識,但不影響其公示與應用."""
    s = Scenario()
    _firm, lr, _ = _firm_with_entry(s, status="objection_pending", status_since="2024-04-01")
    records = [r for r in derive(s, "jiangsu") if r["rule"] == "P1"]
    assert [r["subject_id"] for r in records] == [lr]
    assert records[0]["flags"] == "objection_pending"
    assert "objection pending" in records[0]["explanation"]


def test_v2_objection_filed_after_the_as_of_date_changes_nothing(derive: Derive) -> None:
    s = Scenario()
    _firm, lr, _ = _firm_with_entry(s, status="objection_pending", status_since="2024-09-01")
    records = [r for r in derive(s, "daqing", as_of="2024-06-30") if r["rule"] == "P1"]
    assert [r["subject_id"] for r in records] == [lr]
    assert records[0]["flags"] is None


# -- status history in valid time (statuses.csv) ---------------------------------------------------------------


def test_a_past_objection_window_still_suspends_after_it_was_resolved(derive: Derive) -> None:
    """RGT-02 (000-003: 信息核实期间暂不执行): the objection ran 1-20 April and was rejected; inside the window the
    measures were suspended, before and after it they apply, however the objection ended."""
    s = Scenario()
    _firm, lr, entry = _firm_with_entry(s)
    s.status(entry, "objection_pending", "2024-04-01", "异议申请")
    s.status(entry, "active", "2024-04-21", "异议不成立")
    assert subjects_of(derive(s, "daqing", as_of="2024-03-31"), "P1") == {lr}
    assert subjects_of(derive(s, "daqing", as_of="2024-04-10"), "P1") == set()
    assert subjects_of(derive(s, "daqing", as_of="2024-04-21"), "P1") == {lr}
    flagged = [r for r in derive(s, "jiangsu", as_of="2024-04-10") if r["rule"] == "P1"]
    assert [r["flags"] for r in flagged] == ["objection_pending"]  # RGT-04: flagged, measures continue


def test_status_history_ends_force_on_its_day_and_w4_starts_then(derive: Derive) -> None:
    """EXIT-02: an exit recorded in the history ends force on its date and starts post-exit monitoring."""
    s = Scenario()
    firm, lr, entry = _firm_with_entry(s)
    s.status(entry, "exited", "2024-05-15", "退出黑名单")
    assert subjects_of(derive(s, "jiangsu", as_of="2024-05-14"), "P1") == {lr}
    records = derive(s, "jiangsu", as_of="2024-05-15")
    assert subjects_of(records, "P1") == set()
    assert [(r["subject_id"], r["valid_from"]) for r in records if r["rule"] == "W4"] == [(firm, dt.date(2024, 5, 15))]


def test_a_status_before_the_listing_or_for_an_unknown_entry_is_refused(tmp_path: Path) -> None:
    s = Scenario()
    _firm, _lr, entry = _firm_with_entry(s)
    s.status(entry, "suspended", "2020-01-01")
    s.status("E99999", "active", "2024-05-01")
    s.status(entry, "paused", "2024-05-01")
    with EmbeddedStore(tmp_path / "s.duckdb") as store, pytest.raises(LoadRejected) as rejected:
        load_directory(s.write(tmp_path / "in"), store)
    reasons = {(p.row, p.column): p.reason for p in rejected.value.problems}
    assert "before the entry's determined_on" in reasons[2, "since"]
    assert "unknown entry E99999" in reasons[3, "entry_id"]
    assert "unknown status" in reasons[4, "status"]
