"""Jurisdiction profiles: the rule matrix of the core-engine issue, comments citing requirements, calendars."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import pytest

from graphsvc.calendar import CalendarError, Due, load_calendar
from graphsvc.errors import ProfileError
from graphsvc.profiles import PROFILE_NAMES, Calendar, ObjectionPolicy, ValidityMode, load_profile
from graphsvc.rules.table import DOCUMENTS, RULES, SEED_ALIASES

MATRIX = {
    "lianping": {"P1"},
    "daqing": {"P1", "P3", "P4", "P5", "P6", "W1", "W2", "W3"},
    "kunming": {"P1", "P3", "P4"},
    "zhoucun": {"P1", "P3", "P4", "P7", "P8"},
    "jiangsu": {"P1", "P3", "W3", "W4"},
    "default": set(RULES),
}


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_rule_matrix(name: str) -> None:
    profile = load_profile(name)
    assert {r for r in RULES if profile.enabled(r)} == MATRIX[name]


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_objection_policy_and_validity(name: str) -> None:
    profile = load_profile(name)
    if name == "jiangsu":
        assert profile.objection_policy is ObjectionPolicy.FLAG_AND_CONTINUE
    else:
        assert profile.objection_policy is ObjectionPolicy.SUSPEND
    if name in ("jiangsu", "default"):
        assert profile.validity.mode is ValidityMode.BY_SEVERITY
        assert (profile.validity.general_years, profile.validity.serious_years) == (1, 3)
    else:
        assert profile.validity.mode is ValidityMode.OPEN_ENDED


def test_daqing_parameters() -> None:
    daqing = load_profile("daqing")
    assert daqing.setting("P5").ban_years == 3
    assert daqing.setting("W1").min_domains == 3


@pytest.mark.parametrize("name", [n for n in PROFILE_NAMES if n != "default"])
def test_each_seed_profile_names_its_seed(name: str) -> None:
    seed = load_profile(name).seed
    assert seed in SEED_ALIASES


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_parameter_line_cites_a_requirement_or_says_not_stated(name: str) -> None:
    text = resources.files("graphsvc").joinpath(f"profiles/{name}.yaml").read_text(encoding="utf-8")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or (stripped.endswith(":") and "#" not in stripped):
            continue
        if re.match(r"^(name|title|seed|enabled|trigger_kinds|list_types|ban_years|min_domains):", stripped):
            continue
        if stripped.startswith(("P", "W")) and "{" not in stripped and "#" not in stripped:
            continue
        assert "#" in stripped, f"{name}.yaml: parameter without a comment: {stripped}"
        comment = stripped.split("#", 1)[1]
        assert re.search(r"[A-Z]{3,4}-\d\d|not stated in the seed|requirements\.md", comment), (
            f"{name}.yaml: comment cites no requirement id: {stripped}"
        )


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(ProfileError, match="lianping, daqing, kunming, zhoucun, jiangsu"):
        load_profile("beijing")


def test_malformed_profile_file_is_refused_with_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: x\nseed: null\nobjection_policy: ignore\nvalidity: {mode: open_ended}\n"
        "role_timing: act_date\nrules: {P9: {enabled: true}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as err:
        load_profile(str(bad))
    assert "objection_policy" in str(err.value)
    bad.write_text(
        "name: bad\ntitle: x\nseed: null\nobjection_policy: suspend\nvalidity: {mode: open_ended}\n"
        "role_timing: act_date\nrules: {P9: {enabled: true}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match=r"unknown rule id.*P9"):
        load_profile(str(bad))


def test_custom_profile_file_loads(tmp_path: Path) -> None:
    custom = tmp_path / "custom.yaml"
    custom.write_text(
        "name: custom\ntitle: x\nseed: null\nobjection_policy: continue\nvalidity: {mode: open_ended}\n"
        "role_timing: determined_on\nrules: {P1: {enabled: true}}\n",
        encoding="utf-8",
    )
    profile = load_profile(str(custom))
    assert profile.enabled("P1") and not profile.enabled("P3")


def test_working_days_skip_weekends_holidays_and_count_adjusted_working_days() -> None:
    calendar = load_calendar()
    # PUB-01: 7 working days from Friday 27 September 2024: Sunday 29 September (调休), Monday 30 September, then
    # after the National Day holiday (1-7 October) 8, 9, 10, 11 October and Saturday 12 October (调休)
    assert calendar.add_working_days(dt.date(2024, 9, 27), 7) == dt.date(2024, 10, 12)
    assert calendar.working_days_between(dt.date(2024, 9, 27), dt.date(2024, 10, 12)) == 7
    assert calendar.add_working_days(dt.date(2024, 10, 11), 1) == dt.date(2024, 10, 12)  # 调休 Saturday
    assert calendar.add_working_days(dt.date(2024, 10, 11), 0) == dt.date(2024, 10, 11)
    local = calendar.with_profile(Calendar(holidays=(dt.date(2024, 10, 14),)))
    assert local.add_working_days(dt.date(2024, 10, 12), 1) == dt.date(2024, 10, 15)
    with pytest.raises(ValueError):
        calendar.add_working_days(dt.date(2024, 10, 11), -1)


def test_a_year_without_its_notice_counts_its_statutory_holidays_and_says_it_is_provisional() -> None:
    """The bundled calendar stops at 2026: 2027 rests on weekends and the statutory holidays only (no 调休)."""
    calendar = load_calendar()
    # 10 working days from Monday 28 December 2026: 元旦 Friday 1 January 2027 and the weekend rest
    assert calendar.due(dt.date(2026, 12, 28), 10) == Due(dt.date(2027, 1, 12), (2027,))
    assert calendar.due(dt.date(2026, 12, 1), 10) == Due(dt.date(2026, 12, 15), ())  # 2026 has its notice
    assert calendar.due(dt.date(2026, 12, 31), 0) == Due(dt.date(2026, 12, 31), ())
    year = calendar.year(2027)
    assert not year.official and "statutory" in year.source and year.working_days == ()
    # 元旦 1, 春节 4 (农历除夕 and 初一..初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3
    statutory = "01-01 02-05 02-06 02-07 02-08 04-05 05-01 05-02 06-09 09-15 10-01 10-02 10-03"
    assert year.holidays == tuple(dt.date.fromisoformat(f"2027-{day}") for day in statutory.split())
    # Spring Festival: Friday 5 (除夕) and Monday 8 February rest; Tuesday 9, the package's guess of an observed
    # day, is a working day until the notice says otherwise; Saturdays and Sundays rest
    assert [calendar.is_working_day(dt.date(2027, 2, d)) for d in range(4, 11)] == [
        True, False, False, False, False, True, True
    ]  # fmt: skip
    assert calendar.add_working_days(dt.date(2027, 2, 4), 1) == dt.date(2027, 2, 9)
    assert calendar.year(2026).official and calendar.year(2026).source == "国务院办公厅关于2026年部分节假日安排的通知"


def test_a_calendar_file_replaces_the_bundled_one(tmp_path: Path) -> None:
    own = tmp_path / "calendar.yaml"
    own.write_text("2030:\n  source: test\n  holidays: [2030-01-01..2030-01-03]\n  working_days: []\n", "utf-8")
    calendar = load_calendar(str(own))
    assert calendar.due(dt.date(2029, 12, 31), 1) == Due(dt.date(2030, 1, 4), ())
    assert calendar.due(dt.date(2024, 9, 30), 1) == Due(dt.date(2024, 10, 4), (2024,))  # 国庆 1-3 October only
    own.write_text("2030:\n  holidays: [2030-13-01]\n", "utf-8")
    with pytest.raises(CalendarError, match="impossible date"):
        load_calendar(str(own))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("2027:\n  holidays: [2026-12-31]\n", "2026-12-31.* is not a range of dates within 2027"),
        ("2027:\n  holidays: [2027-02-11..2027-02-05]\n", "is not a range of dates within 2027"),
        ("2027:\n  holidays: [5 February]\n", "is not a date or a FIRST..LAST range"),
        ("2027:\n  rest_days: [2027-02-05]\n", r"unknown field\(s\) \['rest_days'\]"),
        ("year 2027:\n  holidays: []\n", "is not a year with holidays and working_days"),
        ("[2027]\n", "must map years to their holidays and working_days"),
    ],
)
def test_a_calendar_file_that_cannot_be_read_says_what_to_fix(tmp_path: Path, text: str, error: str) -> None:
    own = tmp_path / "calendar.yaml"
    own.write_text(text, "utf-8")
    with pytest.raises(CalendarError, match=error):
        load_calendar(str(own))
    with pytest.raises(CalendarError, match="does not exist"):
        load_calendar(str(tmp_path / "none.yaml"))


def test_citations_name_the_profile_seed() -> None:
    daqing = "《大庆市建立完善守信联合激励和失信联合惩戒制度实施方案》"
    assert RULES["P1"].citation("001") == f"PROP-01/PROP-02; {daqing}三(七)"
    assert all(title in RULES["P1"].citation(None) for key, title in DOCUMENTS.items() if key != "004-GI")
