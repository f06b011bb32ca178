"""Cases of the credit lifecycle and the statuses they set: the records every workflow shares.

A case (an objection, appeal, complaint, repair or listing) is a sequence of events appended to the store, never
edited (LIFECYCLE_EVENT_SCHEMA); its state is the fold of its events. What a case does to an entry is a row of
the entry's status history (statuses.csv): a status from a date, in valid time, so that the lists on any past
date stay answerable however the case ended.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pyarrow as pa

from graphsvc.calendar import WorkingCalendar
from graphsvc.errors import GraphsvcError, InputError
from graphsvc.stores.base import LIFECYCLE_EVENT_SCHEMA, STATUS_SCHEMA, Batch, GraphStore, LoadResult
from graphsvc.vocab import PRE_LISTING_STATUSES, EntryStatus


class CaseKind(StrEnum):
    OBJECTION = "objection"  # 异议 (RGT-01..04, 004 MB 第三十一、三十二条)
    APPEAL = "appeal"  # 申诉 against an objection's decision (004 MB 第三十三条)
    COMPLAINT = "complaint"  # 投诉 revealing untrue information (004 JI(二十四))
    REPAIR = "repair"  # 信用修复 (RGT-06, 004 MB 第三十四、三十五条)
    LISTING = "listing"  # 事前告知 and 公示 before an entry is in force (004 JI(六))
    STATUS = "status"  # a department's own status change (suspension, exit, revocation, expiry)


class UnknownCase(InputError):
    """No case with that id."""


class CaseConflict(GraphsvcError):
    """The case or entry is not in a state that allows the step (the API answers 409)."""


class NotEligible(GraphsvcError):
    """A request the policy refuses, with every unmet condition (the API answers 422)."""

    def __init__(self, what: str, conditions: list[str]) -> None:
        self.conditions = conditions
        super().__init__(f"{what}: " + "; ".join(conditions))


@dataclass(frozen=True)
class Deadline:
    name: str
    due: dt.date
    basis: str  # the rule behind it, e.g. "RGT-04, 004 MB 第三十二条: 10 working days to review"
    # Years counted without their official holiday notice (statutory holidays only): the deadline is provisional
    # and is counted again when the notice is added (graphsvc/lifecycle/deadlines.py).
    provisional_years: tuple[int, ...] = ()
    counted_from: dt.date | None = None  # how it was counted: working_days after counted_from
    working_days: int | None = None
    provisional: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "provisional", bool(self.provisional_years))

    @classmethod
    def counted(cls, name: str, start: dt.date, days: int, basis: str, calendar: WorkingCalendar) -> Deadline:
        due = calendar.due(start, days)
        return cls(name, due.on, basis, due.provisional_years, start, days)

    def recounted(self, calendar: WorkingCalendar) -> Deadline:
        """The same count on ``calendar`` (itself when it does not say how it was counted)."""
        if self.counted_from is None or self.working_days is None:
            return self
        return Deadline.counted(self.name, self.counted_from, self.working_days, self.basis, calendar)

    def stored(self) -> dict[str, Any]:
        """The deadline as a step's event detail keeps it."""
        kept: dict[str, Any] = {"name": self.name, "due": self.due.isoformat(), "basis": self.basis}
        if self.counted_from is not None:
            kept.update(counted_from=self.counted_from.isoformat(), working_days=self.working_days)
        if self.provisional_years:
            kept["provisional_years"] = list(self.provisional_years)
        return kept

    @classmethod
    def from_stored(cls, kept: Mapping[str, Any]) -> Deadline:
        start = kept.get("counted_from")
        return cls(
            kept["name"],
            dt.date.fromisoformat(kept["due"]),
            kept["basis"],
            tuple(kept.get("provisional_years") or ()),
            dt.date.fromisoformat(start) if start else None,
            kept.get("working_days"),
        )


def stored_deadlines(detail: Mapping[str, Any]) -> list[Deadline]:
    """The deadlines a step's event detail keeps (its ``deadlines``)."""
    return [Deadline.from_stored(d) for d in detail.get("deadlines", [])]


@dataclass(frozen=True)
class Event:
    case_id: str
    case_kind: str
    entry_id: str
    event: str
    on_date: dt.date
    actor: str
    detail: dict[str, Any]
    recorded_at: dt.datetime | None = None


@dataclass
class Case:
    case_id: str
    kind: CaseKind
    entry_id: str
    state: str
    opened_on: dt.date
    detail: dict[str, Any] = field(default_factory=dict)
    deadlines: list[Deadline] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def deadline(self, name: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.name == name), None)

    def overdue_on(self, day: dt.date) -> list[Deadline]:
        """Deadlines of an open case that have passed on ``day``."""
        return [d for d in self.deadlines if d.due < day] if self.is_open else []

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


OPEN_STATES = frozenset({"open", "applied", "notice", "notified", "public_notice"})


def case_id(kind: CaseKind, entry_id: str, on: dt.date, salt: str) -> str:
    digest = hashlib.sha1(f"{kind}|{entry_id}|{on.isoformat()}|{salt}".encode()).hexdigest()[:12]
    return f"{kind.value[:3]}-{digest}"


def events_table(events: Iterable[Event]) -> pa.Table:
    rows = [
        {
            "case_id": e.case_id,
            "case_kind": e.case_kind,
            "entry_id": e.entry_id,
            "event": e.event,
            "on_date": e.on_date,
            "actor": e.actor,
            "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True, default=str),
            "recorded_at": None,
        }
        for e in events
    ]
    return pa.Table.from_pylist(rows, schema=LIFECYCLE_EVENT_SCHEMA)


# A step's deadline counted again on a changed calendar (graphsvc/lifecycle/deadlines.py): an event of the case
# naming the step and the deadline, with the old and new due day; the step reads as recounted from then on.
RECOUNTED = "deadline_recounted"


def read_events(table: pa.Table) -> list[Event]:
    """The events in their order, each step's deadlines as last recounted (the recount events stay in the list)."""
    return _recounted(_events(table))


def _recounted(events: list[Event]) -> list[Event]:
    out = list(events)
    for i, recount in enumerate(events):
        if recount.event != RECOUNTED:
            continue
        step = recount.detail["step"]
        j = next((k for k in range(i - 1, -1, -1) if out[k].case_id == recount.case_id and out[k].event == step), None)
        if j is None:
            continue
        detail = dict(out[j].detail)
        name = recount.detail["deadline"]
        detail["deadlines"] = [
            {**d, "due": recount.detail["new_due"], "provisional_years": recount.detail["provisional_years"]}
            if d["name"] == name
            else d
            for d in detail.get("deadlines", [])
        ]
        detail.update(recount.detail.get("fields") or {})
        out[j] = dataclasses.replace(out[j], detail=detail)
    return out


def _events(table: pa.Table) -> list[Event]:
    return [
        Event(
            case_id=r["case_id"],
            case_kind=r["case_kind"],
            entry_id=r["entry_id"],
            event=r["event"],
            on_date=r["on_date"],
            actor=r["actor"],
            detail=json.loads(r["detail"] or "{}"),
            recorded_at=r["recorded_at"],
        )
        for r in table.to_pylist()
    ]


def status_rows(rows: Iterable[tuple[str, str, dt.date, str]]) -> pa.Table:
    """(entry_id, status, since, basis) → a statuses table."""
    return pa.Table.from_pylist(
        [{"entry_id": e, "status": s, "since": d, "basis": b} for e, s, d, b in rows], schema=STATUS_SCHEMA
    )


def record(
    store: GraphStore,
    source: str,
    events: list[Event],
    statuses: Iterable[tuple[str, str, dt.date, str]] = (),
    entries: pa.Table | None = None,
) -> LoadResult:
    """Write a step: its events, the statuses it sets and any corrected entry version, in one batch."""
    tables: dict[str, pa.Table] = {}
    rows = list(statuses)
    if rows:
        tables["statuses"] = status_rows(rows)
    if entries is not None:
        tables["entries"] = entries
    return store.apply_batch(Batch(source=source, tables=tables, events=events_table(events)))


def status_on(entry: Mapping[str, Any], history: pa.Table, day: dt.date) -> tuple[str, dt.date]:
    """The entry's status on ``day`` and since when: the latest history row on or before the day, unless the
    entry's own status / status_since shorthand took effect later (the rules read it the same way)."""
    taken = entry["status_since"] is None or entry["status_since"] <= day
    status = entry["status"] if taken else EntryStatus.ACTIVE.value
    since = (entry["status_since"] or entry["determined_on"]) if taken else entry["determined_on"]
    rows = [r for r in history.to_pylist() if r["since"] <= day]
    if rows:
        latest = max(rows, key=lambda r: r["since"])
        if latest["since"] >= since:
            return str(latest["status"]), latest["since"]
    return str(status), since


def entry_or_unknown(store: GraphStore, entry_id: str) -> dict[str, Any]:
    entry = store.current_entry(entry_id)
    if entry is None:
        raise UnknownCase(f"no current entry {entry_id!r}")
    return entry


def not_before(day: dt.date, earliest: dt.date, what: str, earliest_what: str) -> None:
    if day < earliest:
        raise InputError(f"{what} {day} is before {earliest_what} {earliest}")


def is_pre_listing(status: str) -> bool:
    return status in PRE_LISTING_STATUSES
