"""Objections (异议), appeals (申诉) and complaints (投诉): RGT-01..05.

- Filing an objection or complaint against an entry in force makes it ``objection_pending`` from the filing day
  (valid time): the profile's V2 decides what that does to the measures (suspend in 000-003, flag and continue in
  004). Against an entry still in its listing (candidate, notified, public notice) the objection is recorded
  without a status: the listing cannot complete while it is open or upheld.
- Deadlines are working days from the profile (004 MB 第三十二条: 10 to review, 5 to verify; after an upheld
  decision 3 to correct and republish in the original scope).
- The decision: ``upheld`` corrects the entry (a new version with the correction, republished in the entry's own
  scope) or, without a correction, revokes it (错误信息 撤销); ``partly_upheld`` corrects it; ``rejected`` removes
  the flag and keeps the information (去除标识，维持原信息). Either way the status before the objection returns,
  from the decision day.
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
from graphsvc.profiles import Profile
from graphsvc.stores.base import ENTRY_SCHEMA, GraphStore
from graphsvc.vocab import EntryStatus, Severity, values
from graphsvc.vocabulary import resolvers


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


# Fields a correction may change (the identity, subject and list stay; a different list is a new entry).
CORRECTABLE = ("domain", "severity", "act_date", "determined_on", "valid_until", "legal_basis", "department")
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


def _corrected(entry: Mapping[str, Any], correction: Mapping[str, Any]) -> pa.Table:
    """The entry's new version: the correction's values, checked like the loaders check them."""
    fixed: dict[str, Any] = dict(entry)
    for name, value in correction.items():
        if name in ("act_date", "determined_on", "valid_until") and value is not None:
            try:
                value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            except ValueError:
                raise InputError(f"correction {name}: {value!r} is not a date; write YYYY-MM-DD") from None
        elif name == "domain":
            slug = resolvers()["domain"].resolve(str(value))
            if slug is None:
                raise InputError(f"correction domain: {resolvers()['domain'].refusal(str(value))}")
            value = slug
        elif name == "severity" and value is not None and value not in values(Severity):
            raise InputError(f"correction severity: {value!r}; expected one of {', '.join(sorted(values(Severity)))}")
        fixed[name] = value
    determined = fixed["determined_on"]
    if fixed["valid_until"] is not None and fixed["valid_until"] < determined:
        raise InputError(f"correction: valid_until {fixed['valid_until']} is before determined_on {determined}")
    if fixed["act_date"] is not None and fixed["act_date"] > determined:
        raise InputError(f"correction: act_date {fixed['act_date']} is after determined_on {determined}")
    return pa.Table.from_pylist([fixed], schema=ENTRY_SCHEMA)


def get(store: GraphStore, objection_id: str) -> Case:
    case = fold(read_events(store.lifecycle_events(case_id=objection_id))).get(objection_id)
    if case is None:
        raise UnknownCase(f"no objection, appeal or complaint {objection_id!r}")
    return case


def file(store: GraphStore, filing: Filing, *, actor: str, profile: Profile, calendar: WorkingCalendar) -> Case:
    entry = entry_or_unknown(store, filing.entry_id)
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
    if filing.kind is not CaseKind.APPEAL and status_now not in (
        EntryStatus.ACTIVE,
        EntryStatus.SUSPENDED,
        EntryStatus.OBJECTION_PENDING,
        *(s for s in EntryStatus if is_pre_listing(s)),
    ):
        raise CaseConflict(f"entry {filing.entry_id} is {status_now} on {filing.filed_on}: nothing to object to")
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
    if filing.kind is not CaseKind.APPEAL and not is_pre_listing(status_now):
        basis = f"{filing.kind.value} {cid} filed by {filing.filer}"
        statuses.append((filing.entry_id, EntryStatus.OBJECTION_PENDING.value, filing.filed_on, basis))
    event = Event(cid, filing.kind.value, filing.entry_id, "filed", filing.filed_on, actor, detail)
    record(store, f"lifecycle:{actor}:{cid}", [event], statuses)
    return get(store, cid)


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
) -> Case:
    case = get(store, objection_id)
    if not case.is_open:
        raise CaseConflict(f"{case.kind.value} {objection_id} was decided on {case.detail.get('decided_on')}")
    not_before(decided_on, case.opened_on, "decided_on", "the filing date")
    entry = entry_or_unknown(store, case.entry_id)
    unknown = sorted(set(correction or {}) - set(CORRECTABLE))
    if unknown:
        raise InputError(f"a correction may change {', '.join(CORRECTABLE)}; not {', '.join(unknown)}")
    if outcome is Outcome.PARTLY_UPHELD and not correction:
        raise InputError("a partly upheld objection names its correction")
    statuses: list[tuple[str, str, dt.date, str]] = []
    entries: pa.Table | None = None
    deadlines = []
    basis = f"{case.kind.value} {objection_id} {outcome.value}: {reason}"
    restore = str(case.detail.get("status_before") or EntryStatus.ACTIVE.value)
    listing = is_pre_listing(restore)
    if case.kind is not CaseKind.APPEAL:
        if outcome is Outcome.UPHELD and not correction:
            statuses.append((case.entry_id, EntryStatus.REVOKED.value, decided_on, basis))
        elif not listing:
            statuses.append((case.entry_id, restore, decided_on, basis))
        if correction:
            entries = _corrected(entry, correction)  # same scope: republished where it was published
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


def list_cases(
    store: GraphStore, *, state: str | None = None, overdue_on: dt.date | None = None, entry_id: str | None = None
) -> list[Case]:
    """Objections, appeals and complaints, oldest first; ``overdue_on``: only open ones with a passed deadline."""
    cases = list(fold(read_events(store.lifecycle_events(entry_id=entry_id))).values())
    if state is not None:
        cases = [c for c in cases if c.state == state]
    if overdue_on is not None:
        cases = [c for c in cases if c.overdue_on(overdue_on)]
    return sorted(cases, key=lambda c: (c.opened_on, c.case_id))
