"""Provisional deadlines counted again when the calendar gains a year's official holiday notice.

A deadline counted over a year the calendar file lacks rests on the statutory holidays only (graphsvc/calendar.py)
and is marked provisional. :func:`recount` counts the provisional deadlines of every open step again on the current
calendar and records each change as a ``deadline_recounted`` event of its case (actor ``calendar``: the step, the
old and the new due day, the years still provisional, the calendar file and the notices it now has), all in one
batch through the store. Reading the events applies them (graphsvc/lifecycle/cases.py ``read_events``), so every
workflow, answer and announcement sees the new day, and the event keeps the old one. The service runs it at its
start, the CLI before each lifecycle command and as ``graphsvc calendar recount``; once done, it changes nothing.

Open steps: an objection or complaint not yet decided (its review and verification; a decided case keeps what it
had), a listing still in progress (its reply window, its public notice), a repair on public notice on the day (its
notice, and with it the day the repair takes effect, which moves in the entry's status history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graphsvc.calendar import WorkingCalendar
from graphsvc.lifecycle import objections, repairs
from graphsvc.lifecycle.cases import (
    RECOUNTED,
    CaseKind,
    Deadline,
    Event,
    is_pre_listing,
    read_events,
    record,
    status_on,
    stored_deadlines,
)
from graphsvc.stores.base import GraphStore
from graphsvc.vocab import EntryStatus

ACTOR = "calendar"


@dataclass(frozen=True)
class Recount:
    case_id: str
    case_kind: str
    entry_id: str
    deadline: str
    old_due: dt.date
    new_due: dt.date
    provisional_years: tuple[int, ...]  # still provisional after the recount (empty: official now)


def _open_steps(store: GraphStore, events: list[Event], on: dt.date) -> list[Event]:
    """The steps whose deadlines still run: see the module's docstring."""
    steps = [e for case in objections.fold(events).values() if case.is_open for e in case.events if e.event == "filed"]
    for case in repairs.fold(events).values():
        if repairs.state_on(case, on) == "notice":
            steps += [e for e in case.events if e.event == "approved"][-1:]
    for e in events:
        if e.case_kind == CaseKind.LISTING and e.event in ("notified", "public_notice") and _provisional(e):
            entry = store.current_entry(e.entry_id)
            if entry is not None and is_pre_listing(status_on(entry, store.status_history(e.entry_id), dt.date.max)[0]):
                steps.append(e)
    return steps


def _provisional(step: Event) -> bool:
    return any(d.provisional for d in stored_deadlines(step.detail))


def _fields(step: Event, new: Deadline) -> dict[str, str]:
    """The step's own fields that repeat the deadline: a listing's ``reply_by`` / ``notice_until`` (named as its
    deadline), a repair's notice end and the day it takes effect."""
    if step.case_kind == CaseKind.LISTING:
        return {new.name: new.due.isoformat()}
    if step.case_kind == CaseKind.REPAIR:
        return {"notice_until": new.due.isoformat(), "effective_on": (new.due + dt.timedelta(days=1)).isoformat()}
    return {}


def _repair_statuses(
    store: GraphStore, step: Event, old: Deadline, new: Deadline, basis: str
) -> list[tuple[str, str, dt.date, str]]:
    """The repair takes effect the day after its notice: from the new day; a later day also puts back, from the
    old day, the status the entry had before. (An earlier day leaves the old row, the same status, in place.)"""
    old_effective, new_effective = old.due + dt.timedelta(days=1), new.due + dt.timedelta(days=1)
    rows = [(step.entry_id, EntryStatus.REPAIRED.value, new_effective, basis)]
    entry = store.current_entry(step.entry_id)
    if new_effective > old_effective and entry is not None:
        before, _ = status_on(entry, store.status_history(step.entry_id), old_effective - dt.timedelta(days=1))
        rows.append((step.entry_id, before, old_effective, f"{basis}; not yet in effect"))
    return rows


def recount(store: GraphStore, calendar: WorkingCalendar, *, on: dt.date, write: bool = True) -> list[Recount]:
    """Count the open steps' provisional deadlines again on ``calendar`` and record what changed (``write``)."""
    events: list[Event] = []
    statuses: list[tuple[str, str, dt.date, str]] = []
    changes: list[Recount] = []
    for step in _open_steps(store, read_events(store.lifecycle_events()), on):
        for old in stored_deadlines(step.detail):
            new = old.recounted(calendar) if old.provisional else old
            if (new.due, new.provisional_years) == (old.due, old.provisional_years):
                continue
            fields = _fields(step, new)
            detail: dict[str, Any] = {
                "step": step.event,
                "deadline": old.name,
                "old_due": old.due.isoformat(),
                "new_due": new.due.isoformat(),
                "old_provisional_years": list(old.provisional_years),
                "provisional_years": list(new.provisional_years),
                "calendar": calendar.origin,
                "sources": {str(y): calendar.source(y) for y in old.provisional_years},
                "fields": fields,
            }
            events.append(Event(step.case_id, step.case_kind, step.entry_id, RECOUNTED, on, ACTOR, detail))
            if step.case_kind == CaseKind.REPAIR and new.due != old.due:
                basis = f"repair {step.case_id}: public notice recounted on {calendar.origin}, until {new.due}"
                statuses += _repair_statuses(store, step, old, new, basis)
            changes.append(
                Recount(step.case_id, step.case_kind, step.entry_id, old.name, old.due, new.due, new.provisional_years)
            )
    if events and write:
        record(store, f"lifecycle:{ACTOR}:recount", events, statuses)
    return changes
