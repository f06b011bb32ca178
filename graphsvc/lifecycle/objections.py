"""Objections (异议), appeals (申诉) and complaints (投诉): RGT-01..05.

- Filing an objection or complaint against an entry in force makes it ``objection_pending`` from the filing day
  (valid time): the profile's V2 decides what that does to the measures (suspend in 000-003, flag and continue in
  004). Against an entry still in its listing (candidate, notified, public notice) the objection is recorded
  without a status: the listing cannot complete while it is open or upheld. An entry that left force (closed, or
  its validity ended) takes objections only within the profile's ``lifecycle.objection.after_force_days`` after
  it left (0 in every bundled profile: no seed states a period), and they set no status.
- Every step is dated by the clock (graphsvc/lifecycle/clock.py): not after the service date, not before the
  entry's last recorded step, and within the late-entry grace.
- Deadlines are working days from the profile (004 MB 第三十二条: 10 to review, 5 to verify; after an upheld
  decision 3 to correct and republish in the original scope).
- The decision: ``upheld`` corrects the entry (a new version with the correction, republished in the entry's own
  scope) or, without a correction, revokes it (错误信息 撤销); ``partly_upheld`` corrects it; ``rejected`` removes
  the flag and keeps the information (去除标识，维持原信息). Either way the status before the objection returns,
  from the decision day, if the entry is still flagged then: a closed entry never returns to force. A correction
  is checked as intake checks an entry (graphsvc/lifecycle/corrections.py), keeps the department, and may not
  put an entry that left force back in force.
- An appeal (004 MB 第三十三条) is a case against a decided objection; it changes no status itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pyarrow as pa

from graphsvc.calendar import WorkingCalendar
from graphsvc.errors import InputError
from graphsvc.lifecycle.cases import (
    Case,
    CaseConflict,
    CaseKind,
    Deadline,
    Event,
    UnknownCase,
    case_id,
    entry_or_unknown,
    is_pre_listing,
    not_before,
    read_events,
    record,
    status_on,
    stored_deadlines,
)
from graphsvc.lifecycle.clock import StepClock
from graphsvc.lifecycle.corrections import CORRECTABLE, EntryCheck, corrected
from graphsvc.lifecycle.validity import on_list, validity_end
from graphsvc.profiles import Profile
from graphsvc.stores.base import GraphStore
from graphsvc.vocab import EntryStatus


class Ground(StrEnum):
    """004 MB 第三十一条: why the information is contested."""

    INACCURATE = "inaccurate"  # (一) 与事实不符，存在记载错误或者遗漏
    PROHIBITED_DATA = "prohibited_data"  # (二) 归集本办法第十四条禁止归集信息
    OVERDUE_USE = "overdue_use"  # (三) 失信信息超期限使用
    OTHER = "other"  # complaints and local plans' objections on other grounds (RGT-01)


class Outcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    REJECTED = "rejected"


_KINDS = (CaseKind.OBJECTION, CaseKind.APPEAL, CaseKind.COMPLAINT)


@dataclass(frozen=True)
class Filing:
    entry_id: str
    filed_on: dt.date
    filer: str
    grounds: Ground
    statement: str
    evidence: tuple[str, ...] = ()
    kind: CaseKind = CaseKind.OBJECTION
    against: str | None = None  # an appeal's objection


def _deadlines(profile: Profile, calendar: WorkingCalendar, filed_on: dt.date) -> list[Deadline]:
    rules = profile.lifecycle.objection
    return [
        Deadline.counted(
            "review",
            filed_on,
            rules.review_days,
            f"RGT-04: reviewed within {rules.review_days} working days of filing (004 MB 第三十二条)",
            calendar,
        ),
        Deadline.counted(
            "verify",
            filed_on,
            rules.verify_days,
            f"RGT-04: verified by the information provider within {rules.verify_days} working days (004 MB 第三十二条)",
            calendar,
        ),
    ]


def fold(events: list[Event]) -> dict[str, Case]:
    """Objection, appeal and complaint cases from their events."""
    cases: dict[str, Case] = {}
    for e in events:
        if e.case_kind not in _KINDS:
            continue
        if e.event == "filed":
            cases[e.case_id] = Case(
                case_id=e.case_id,
                kind=CaseKind(e.case_kind),
                entry_id=e.entry_id,
                state="open",
                opened_on=e.on_date,
                detail=dict(e.detail),
                deadlines=stored_deadlines(e.detail),
                events=[e],
            )
        elif e.case_id in cases:
            case = cases[e.case_id]
            case.events.append(e)
            if e.event == "decided":
                case.state = "decided"
                case.detail.update({f"decision_{k}": v for k, v in e.detail.items() if k != "deadlines"})
                case.detail["decided_on"] = e.on_date.isoformat()
                case.deadlines += stored_deadlines(e.detail)
    return cases




def get(store: GraphStore, objection_id: str) -> Case:
    case = fold(read_events(store.lifecycle_events(case_id=objection_id))).get(objection_id)
    if case is None:
        raise UnknownCase(f"no objection, appeal or complaint {objection_id!r}")
    return case


def file(
    store: GraphStore,
    filing: Filing,
    *,
    actor: str,
    profile: Profile,
    calendar: WorkingCalendar,
    clock: StepClock,
) -> Case:
    entry = entry_or_unknown(store, filing.entry_id)
    clock.admit(store, entry, filing.filed_on, "filed_on")
    not_before(filing.filed_on, entry["determined_on"], "filed_on", "the entry's determination date")
    if not filing.statement.strip():
        raise InputError("an objection needs a statement of what is wrong (004 MB 第三十一条: 提供相关证明材料)")
    open_cases = [c for c in fold(read_events(store.lifecycle_events(entry_id=filing.entry_id))).values()]
    if filing.kind is CaseKind.APPEAL:
        decided = next((c for c in open_cases if c.case_id == filing.against and c.state == "decided"), None)
        if decided is None:
            raise CaseConflict(
                f"an appeal (004 MB 第三十三条) is against a decided objection of entry {filing.entry_id}; "
                f"{filing.against!r} is not one"
            )
    elif any(c.is_open and c.kind is not CaseKind.APPEAL for c in open_cases):
        raise CaseConflict(f"entry {filing.entry_id} already has an open objection; decide it first")
    history = store.status_history(filing.entry_id)
    before, _ = status_on(entry, history, filing.filed_on - dt.timedelta(days=1))
    status_now, _ = status_on(entry, history, filing.filed_on)
    on_list_now = on_list(entry, history, filing.filed_on, profile)
    if filing.kind is not CaseKind.APPEAL and not on_list_now:
        _refuse_after_force(entry, history, filing, status_now, profile)
    deadlines = _deadlines(profile, calendar, filing.filed_on) if filing.kind is not CaseKind.APPEAL else []
    cid = case_id(filing.kind, filing.entry_id, filing.filed_on, f"{filing.filer}|{filing.statement}")
    detail: dict[str, Any] = {
        "filer": filing.filer,
        "grounds": filing.grounds.value,
        "statement": filing.statement,
        "evidence": list(filing.evidence),
        "against": filing.against,
        "status_before": before,
        "department": entry["department"],
        "deadlines": [d.stored() for d in deadlines],
    }
    statuses = []
    # Only an entry in force is flagged (RGT-02..04); one in its listing, or one that left force, keeps its status.
    if filing.kind is not CaseKind.APPEAL and on_list_now and not is_pre_listing(status_now):
        basis = f"{filing.kind.value} {cid} filed by {filing.filer}"
        statuses.append((filing.entry_id, EntryStatus.OBJECTION_PENDING.value, filing.filed_on, basis))
    event = Event(cid, filing.kind.value, filing.entry_id, "filed", filing.filed_on, actor, detail)
    record(store, f"lifecycle:{actor}:{cid}", [event], statuses)
    return get(store, cid)


def _refuse_after_force(
    entry: Mapping[str, Any], history: pa.Table, filing: Filing, status: str, profile: Profile
) -> None:
    """An objection or complaint to an entry not in force on the filing day is taken in only within the profile's
    period after it left force (lifecycle.objection.after_force_days); otherwise there is nothing to object to."""
    days = profile.lifecycle.objection.after_force_days
    for back in range(1, days + 1):
        day = filing.filed_on - dt.timedelta(days=back)
        if day >= entry["determined_on"] and on_list(entry, history, day, profile):
            return
    window = (
        f"profile {profile.name} takes objections up to {days} day(s) after an entry left force"
        if days
        else f"profile {profile.name} takes objections only while the entry is in force"
    )
    why = _why_out(entry, history, filing.filed_on, status, profile)
    raise CaseConflict(
        f"entry {filing.entry_id} is not in force on {filing.filed_on} ({why}); {window} "
        "(lifecycle.objection.after_force_days): there is nothing to object to"
    )


def _why_out(entry: Mapping[str, Any], history: pa.Table, day: dt.date, status: str, profile: Profile) -> str:
    if entry["determined_on"] > day:
        return f"it is determined on {entry['determined_on']}"
    until = validity_end(entry, profile)
    if until is not None and day > until:
        return f"its validity ended on {until}"
    _, since = status_on(entry, history, day)
    return f"it is {status} since {since}"


def decide(
    store: GraphStore,
    objection_id: str,
    *,
    decided_on: dt.date,
    outcome: Outcome,
    reason: str,
    correction: Mapping[str, Any] | None,
    actor: str,
    profile: Profile,
    calendar: WorkingCalendar,
    clock: StepClock,
    check: EntryCheck | None = None,
) -> Case:
    """``check``: how a correction is checked (intake's entry check); None: the installed one."""
    case = get(store, objection_id)
    if not case.is_open:
        raise CaseConflict(f"{case.kind.value} {objection_id} was decided on {case.detail.get('decided_on')}")
    entry = entry_or_unknown(store, case.entry_id)
    clock.admit(store, entry, decided_on, "decided_on")
    not_before(decided_on, case.opened_on, "decided_on", "the filing date")
    unknown = sorted(set(correction or {}) - set(CORRECTABLE))
    if unknown:
        raise InputError(f"a correction may change {', '.join(CORRECTABLE)}; not {', '.join(unknown)}")
    if outcome is Outcome.PARTLY_UPHELD and not correction:
        raise InputError("a partly upheld objection names its correction")
    history = store.status_history(case.entry_id)
    status_then, _ = status_on(entry, history, decided_on)
    statuses: list[tuple[str, str, dt.date, str]] = []
    entries: pa.Table | None = None
    deadlines = []
    basis = f"{case.kind.value} {objection_id} {outcome.value}: {reason}"
    restore = str(case.detail.get("status_before") or EntryStatus.ACTIVE.value)
    if case.kind is not CaseKind.APPEAL:
        if outcome is Outcome.UPHELD and not correction:
            statuses.append((case.entry_id, EntryStatus.REVOKED.value, decided_on, basis))
        elif status_then == EntryStatus.OBJECTION_PENDING and not is_pre_listing(restore):
            # The flag goes and the status before it returns; an entry that left force meanwhile stays out.
            statuses.append((case.entry_id, restore, decided_on, basis))
        if correction:
            entries = corrected(store, entry, correction, check)  # same scope: republished where it was published
            _stays_out(entry, entries.to_pylist()[0], history, decided_on, profile)
        if outcome is not Outcome.REJECTED:
            days = profile.lifecycle.objection.correct_days
            deadlines.append(
                Deadline.counted(
                    "republish",
                    decided_on,
                    days,
                    f"RGT-04: corrected and republished in the original scope within {days} working days "
                    "(004 MB 第三十二条)",
                    calendar,
                )
            )
    detail: dict[str, Any] = {
        "outcome": outcome.value,
        "reason": reason,
        "correction": dict(correction or {}),
        "deadlines": [d.stored() for d in deadlines],
    }
    event = Event(objection_id, case.kind.value, case.entry_id, "decided", decided_on, actor, detail)
    record(store, f"lifecycle:{actor}:{objection_id}", [event], statuses, entries)
    return get(store, objection_id)


def _stays_out(
    entry: Mapping[str, Any], fixed: Mapping[str, Any], history: pa.Table, day: dt.date, profile: Profile
) -> None:
    """A correction may not put an entry that left force back in force (a later valid_until, say): a new
    designation is a new entry."""
    if on_list(entry, history, day, profile) or not on_list(fixed, history, day, profile):
        return
    raise CaseConflict(
        f"the correction would put entry {entry['entry_id']} back in force on {day}, which it left; a correction "
        "fixes what was recorded, and a new designation is a new entry id"
    )


def list_cases(
    store: GraphStore,
    *,
    state: str | None = None,
    overdue_on: dt.date | None = None,
    entry_id: str | None = None,
    on: dt.date | None = None,
) -> list[Case]:
    """Objections, appeals and complaints, oldest first; ``overdue_on``: only open ones with a passed deadline;
    ``on``: only those filed by then (an inbox never shows a case before its filing date)."""
    cases = list(fold(read_events(store.lifecycle_events(entry_id=entry_id))).values())
    if on is not None:
        cases = [c for c in cases if c.opened_on <= on]
    if state is not None:
        cases = [c for c in cases if c.state == state]
    if overdue_on is not None:
        cases = [c for c in cases if c.overdue_on(overdue_on)]
    return sorted(cases, key=lambda c: (c.opened_on, c.case_id))


__all__ = ["CORRECTABLE", "Filing", "Ground", "Outcome", "decide", "file", "fold", "get", "list_cases"]
