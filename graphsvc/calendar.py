"""Working days (工作日) as data: the deadlines of the lifecycle count them (RGT-04: 10/5/3, RGT-06: 5, PUB-01: 7).

The calendar is a YAML file of years (graphsvc/data/calendar.yaml, replaceable with ``--calendar FILE`` or
``GRAPHSVC_CALENDAR``): each year's official holidays and adjusted working days (调休). A profile may add local
holidays and working days (its ``calendar``). A date in a year the file lacks is an error naming the year, never
a silent count of weekdays.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from graphsvc import yamlio
from graphsvc.errors import InputError
from graphsvc.profiles import Calendar

CALENDAR_ENV = "GRAPHSVC_CALENDAR"


class CalendarError(InputError):
    """A calendar file that cannot be read, or a date in a year it does not cover."""


@dataclass(frozen=True)
class WorkingCalendar:
    years: dict[int, str]  # year -> source of its holidays
    holidays: frozenset[dt.date]
    working_days: frozenset[dt.date]  # 调休: weekend days that are working days
    weekend: tuple[int, ...] = (5, 6)
    origin: str = "graphsvc/data/calendar.yaml"

    def is_working_day(self, day: dt.date) -> bool:
        if day.year not in self.years:
            known = ", ".join(str(y) for y in sorted(self.years)) or "none"
            raise CalendarError(
                f"the working-day calendar ({self.origin}) has no year {day.year} (it has {known}); add {day.year}'s "
                f"holidays and adjusted working days to it, or give another file with --calendar / {CALENDAR_ENV}"
            )
        if day in self.working_days:
            return True
        if day in self.holidays:
            return False
        return day.weekday() not in self.weekend

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


@cache
def load_calendar(path: str | None = None) -> WorkingCalendar:
    """The calendar file given, else ``GRAPHSVC_CALENDAR``, else the bundled one."""
    chosen = path or os.environ.get(CALENDAR_ENV)
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise CalendarError(f"calendar file {file} does not exist")
        return parse_calendar(file.read_text(encoding="utf-8"), str(file))
    text = resources.files("graphsvc").joinpath("data/calendar.yaml").read_text(encoding="utf-8")
    return parse_calendar(text, "graphsvc/data/calendar.yaml")


def add_working_days(start: dt.date, days: int, calendar: Calendar) -> dt.date:
    """``days`` working days after ``start`` on the bundled calendar with a profile's local days on top."""
    return load_calendar().with_profile(calendar).add_working_days(start, days)
