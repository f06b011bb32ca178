"""Working-day arithmetic for the profile's calendar (PUB-01: 7 working days; RGT-04: 10/5/3; RGT-06: 5)."""

from __future__ import annotations

import datetime as dt

from graphsvc.profiles import Calendar


def is_working_day(day: dt.date, calendar: Calendar) -> bool:
    if day in calendar.adjusted_working_days:  # 调休: a weekend day worked in exchange for a holiday
        return True
    if day in calendar.holidays:
        return False
    return day.weekday() not in calendar.weekend


def add_working_days(start: dt.date, days: int, calendar: Calendar) -> dt.date:
    """The date ``days`` working days after ``start`` (start itself not counted; 民法典 第二百零一條)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current, calendar):
            remaining -= 1
    return current
