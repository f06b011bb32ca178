"""Working days (工作日) as data: the deadlines of the lifecycle count them (RGT-04: 10/5/3, RGT-06: 5, PUB-01: 7).

The calendar is a YAML file of years (graphsvc/data/calendar.yaml, replaceable with ``--calendar FILE`` or
``GRAPHSVC_CALENDAR``): each year's official arrangement, holidays and adjusted working days (调休), from the State
Council General Office's notice (国务院办公厅关于<year>年部分节假日安排的通知). A profile may add local holidays and
working days (its ``calendar``).

A year the file lacks is never refused: the notice appears weeks before its year, later than deadlines need it.
Such a year is *provisional*: its rest days are the weekends and the statutory holidays of 《全国年节及纪念日放假
办法》 as the ``holidays`` package computes them (the lunar festivals of any year), without 调休 and without the
package's own guesses of observed days. A deadline counted over a provisional year says so
(:class:`Due`.provisional_years) and is counted again when the year's notice is added
(graphsvc/lifecycle/deadlines.py).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml
from holidays import country_holidays

from graphsvc import yamlio
from graphsvc.errors import InputError
from graphsvc.profiles import Calendar

CALENDAR_ENV = "GRAPHSVC_CALENDAR"


# The statutory holidays (法定节假日) of 《全国年节及纪念日放假办法》 第二条 (2024 revision, from 2025: 元旦 1 day,
# 春节 4 days with 农历除夕, 清明节 1, 劳动节 2, 端午节 1, 中秋节 1, 国庆节 3), by the holidays package's zh_CN names;
# the package knows which days each year's revision gave. Its other days (休息日（由 … 调休）, observed days) are the
# notices' arrangements, which only the calendar file supplies.
STATUTORY_NAMES = frozenset({"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"})
_ESTIMATED = "（推定）"  # the package's mark on a lunar date outside its tables


class CalendarError(InputError):
    """A calendar file that cannot be read."""


@cache
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The statutory holidays of ``year`` alone: no 调休, no observed days (a provisional year's rest days)."""
    table = country_holidays("CN", years=year, observed=False, language="zh_CN")
    return frozenset(
        day
        for day in table
        if any(name.removesuffix(_ESTIMATED).strip() in STATUTORY_NAMES for name in table.get_list(day))
    )


def statutory_source() -> str:
    return f"statutory holidays only (holidays {metadata.version('holidays')}); provisional until the year's notice"


@dataclass(frozen=True)
class Due:
    """A counted deadline: its day, and the years counted without their official notice (empty: official)."""

    on: dt.date
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@dataclass(frozen=True)
class YearDays:
    year: int
    official: bool  # False: provisional, statutory holidays only
    source: str
    holidays: tuple[dt.date, ...]
    working_days: tuple[dt.date, ...]


@dataclass(frozen=True)
class WorkingCalendar:
    years: dict[int, str]  # the years with their official notice -> its source
    holidays: frozenset[dt.date]
    working_days: frozenset[dt.date]  # 调休: weekend days that are working days
    weekend: tuple[int, ...] = (5, 6)
    origin: str = "graphsvc/data/calendar.yaml"

    def is_official(self, year: int) -> bool:
        return year in self.years

    def source(self, year: int) -> str:
        """The notice a year's days come from, or that they are statutory only (provisional)."""
        return self.years[year] if year in self.years else statutory_source()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.working_days:
            return True
        if day in self.holidays:
            return False
        if day.year not in self.years and day in statutory_holidays(day.year):
            return False
        return day.weekday() not in self.weekend

    def due(self, start: dt.date, days: int) -> Due:
        """``days`` working days after ``start`` (start itself not counted; 民法典 第二百零一条), and which of the
        years counted are provisional."""
        end = self.add_working_days(start, days)
        counted = range((start + dt.timedelta(days=1)).year, end.year + 1) if end > start else range(0)
        return Due(end, tuple(y for y in counted if y not in self.years))

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (start itself not counted; 民法典 第二百零一条)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current, remaining = start, days
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when end is before start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def year(self, year: int) -> YearDays:
        """A year's rest days and adjusted working days as this calendar counts them."""
        rest = {d for d in self.holidays if d.year == year}
        if year not in self.years:
            rest |= statutory_holidays(year)
        working = {d for d in self.working_days if d.year == year}
        official = year in self.years
        return YearDays(year, official, self.source(year), tuple(sorted(rest - working)), tuple(sorted(working)))

    def with_profile(self, calendar: Calendar) -> WorkingCalendar:
        """This calendar with a profile's weekend and local holidays / working days on top."""
        return WorkingCalendar(
            years=self.years,
            holidays=self.holidays | frozenset(calendar.holidays),
            working_days=self.working_days | frozenset(calendar.adjusted_working_days),
            weekend=tuple(calendar.weekend),
            origin=self.origin,
        )


def _dates(items: list[Any] | None, year: int, where: str) -> set[dt.date]:
    out: set[dt.date] = set()
    for item in items or []:
        text = item.isoformat() if isinstance(item, dt.date) else str(item)
        first_text, _, last_text = text.partition("..")
        try:
            first = dt.date.fromisoformat(first_text.strip())
            last = dt.date.fromisoformat(last_text.strip()) if last_text else first
        except ValueError as exc:
            raise CalendarError(f"{where}: {text!r} is not a date or a FIRST..LAST range of ISO dates") from exc
        if first.year != year or last.year != year or last < first:
            raise CalendarError(f"{where}: {text!r} is not a range of dates within {year}")
        out.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return out


def parse_calendar(text: str, origin: str) -> WorkingCalendar:
    try:
        raw = yamlio.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # PyYAML raises ValueError for an impossible date
        raise CalendarError(f"calendar {origin} is not valid YAML or holds an impossible date: {exc}") from exc
    if not isinstance(raw, dict) or not raw:
        raise CalendarError(f"calendar {origin} must map years to their holidays and working_days")
    years: dict[int, str] = {}
    holidays: set[dt.date] = set()
    working: set[dt.date] = set()
    for key, body in raw.items():
        if not isinstance(key, int) or not isinstance(body, dict):
            raise CalendarError(f"calendar {origin}: {key!r} is not a year with holidays and working_days")
        unknown = sorted(set(body) - {"source", "holidays", "working_days"})
        if unknown:
            raise CalendarError(f"calendar {origin}, {key}: unknown field(s) {unknown}")
        years[key] = str(body.get("source") or "")
        holidays |= _dates(body.get("holidays"), key, f"calendar {origin}, {key} holidays")
        working |= _dates(body.get("working_days"), key, f"calendar {origin}, {key} working_days")
    return WorkingCalendar(years=years, holidays=frozenset(holidays), working_days=frozenset(working), origin=origin)


def load_calendar(path: str | None = None) -> WorkingCalendar:
    """The calendar file given, else ``GRAPHSVC_CALENDAR``, else the bundled one (read again when it changed)."""
    chosen = path or os.environ.get(CALENDAR_ENV)
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise CalendarError(f"calendar file {file} does not exist")
        return _parsed(file.read_text(encoding="utf-8"), str(file))
    text = resources.files("graphsvc").joinpath("data/calendar.yaml").read_text(encoding="utf-8")
    return _parsed(text, "graphsvc/data/calendar.yaml")


@cache
def _parsed(text: str, origin: str) -> WorkingCalendar:
    return parse_calendar(text, origin)


def add_working_days(start: dt.date, days: int, calendar: Calendar) -> dt.date:
    """``days`` working days after ``start`` on the bundled calendar with a profile's local days on top."""
    return load_calendar().with_profile(calendar).add_working_days(start, days)
