"""When a lifecycle step may be dated: lifecycle writes keep the past.

A step (an objection's filing or decision, an appeal, a complaint, a repair's application or decision, a notice,
a public notice, an activation, a status change) is dated in valid time: the day it took effect. Its date may not

- lie after the service date (``today``): a step is recorded when it is taken, never ahead of it;
- lie more than ``late_entry_days`` before the service date: a step taken on paper may be entered late, within
  that grace (its transaction time, ``recorded_at``, is still the day it is entered);
- lie before the entry's last recorded step (its latest lifecycle event, or its latest status taking effect on
  or before the service date; a deadline the calendar counted again is no step): a step may not rewrite what was
  recorded after it, e.g. an objection backdated to before an exit to take the entry out of force retroactively.

Status rows dated after the service date (a repair taking effect after its public notice) are scheduled
effects, not steps taken, so they do not count as the last step.

The API builds its clock from the service settings (``GRAPHSVC_AS_OF``, ``GRAPHSVC_LATE_ENTRY_DAYS``); the CLI
from ``--today`` and ``--late-entry-days``, else the same variables, else the real date and the default grace.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphsvc.errors import InputError
from graphsvc.lifecycle.cases import RECOUNTED, read_events
from graphsvc.stores.base import GraphStore

# Calendar days a step may be dated before the service date, unless the operator sets another grace: a step taken
# on paper (an objection by letter, a decision signed on paper) reaches the platform within a month as a rule.
# No seed states a period.
DEFAULT_LATE_ENTRY_DAYS = 30
LATE_ENTRY_ENV = "GRAPHSVC_LATE_ENTRY_DAYS"
AS_OF_ENV = "GRAPHSVC_AS_OF"


class StepDateRefused(InputError):
    """A step dated outside what the clock allows (the API answers 422)."""


@dataclass(frozen=True)
class LastStep:
    on: dt.date
    what: str


@dataclass(frozen=True)
class StepClock:
    """The service date and the grace for late entry (``GRAPHSVC_LATE_ENTRY_DAYS``, ``--late-entry-days``)."""

    today: dt.date
    late_entry_days: int = 0

    def __post_init__(self) -> None:
        if self.late_entry_days < 0:
            raise InputError(f"late entry days must be 0 or more, not {self.late_entry_days}")

    @property
    def earliest(self) -> dt.date:
        """The earliest day a step may be dated, before the entry's own history is considered."""
        return self.today - dt.timedelta(days=self.late_entry_days)

    def admit(self, store: GraphStore, entry: Mapping[str, Any], day: dt.date, what: str) -> None:
        """Refuse ``day`` as the date of a step on ``entry`` unless the clock and the entry's history allow it."""
        if day > self.today:
            raise StepDateRefused(
                f"{what} {day} is after the service date {self.today}: a step is recorded when it has been taken; "
                f"date it {self.today} or earlier"
            )
        if day < self.earliest:
            raise StepDateRefused(
                f"{what} {day} is more than {self.late_entry_days} day(s) before the service date {self.today}: "
                f"a step may be entered late back to {self.earliest} (late entry days: {self.late_entry_days}); "
                "an operator may allow more (GRAPHSVC_LATE_ENTRY_DAYS, --late-entry-days)"
            )
        last = last_step(store, entry, self.today)
        if last is not None and day < last.on:
            raise StepDateRefused(
                f"{what} {day} is before entry {entry['entry_id']}'s last recorded step ({last.what} on {last.on}): "
                f"a step may not rewrite what was recorded after it; date it {last.on} or later"
            )


def last_step(store: GraphStore, entry: Mapping[str, Any], today: dt.date) -> LastStep | None:
    """The entry's latest step on or before ``today``: its latest lifecycle event, status-history row or
    status shorthand (status / status_since) in effect by then."""
    found: list[LastStep] = [
        LastStep(e.on_date, f"status {e.detail['status']}" if e.detail.get("status") else f"{e.case_kind} {e.event}")
        for e in read_events(store.lifecycle_events(entry_id=str(entry["entry_id"])))
        if e.event != RECOUNTED  # the calendar counting a deadline again is no step of the entry's
    ]
    found += [
        LastStep(r["since"], f"status {r['status']}")
        for r in store.status_history(str(entry["entry_id"])).to_pylist()
        if r["since"] <= today
    ]
    since = entry.get("status_since")
    if since is not None and since <= today:
        found.append(LastStep(since, f"status {entry['status']}"))
    return max(found, key=lambda s: s.on) if found else None


def late_entry_days_from_env() -> int:
    """``GRAPHSVC_LATE_ENTRY_DAYS``, else the default."""
    text = os.environ.get(LATE_ENTRY_ENV, "").strip()
    if not text:
        return DEFAULT_LATE_ENTRY_DAYS
    try:
        days = int(text)
    except ValueError:
        days = -1
    if days < 0:
        raise InputError(f"{LATE_ENTRY_ENV}={text!r}: write a number of days, 0 or more")
    return days


def clock_for(today: dt.date | None = None, late_entry_days: int | None = None) -> StepClock:
    """The clock of a command: the date and grace given, else ``GRAPHSVC_AS_OF`` and ``GRAPHSVC_LATE_ENTRY_DAYS``,
    else the real date and the default grace."""
    if today is None:
        text = os.environ.get(AS_OF_ENV, "").strip()
        try:
            today = dt.date.fromisoformat(text) if text else dt.date.today()
        except ValueError:
            raise InputError(f"{AS_OF_ENV}={text!r} is not a date YYYY-MM-DD") from None
    days = late_entry_days_from_env() if late_entry_days is None else late_entry_days
    return StepClock(today, days)
