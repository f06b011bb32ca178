"""Credit repair (信用修复): RGT-06, RGT-07, VAL-07 (004 MB 第三十四、三十五条).

An application is checked against every condition of the profile, and refused with each unmet one:

- it is made while the entry may still be used (在其失信信息使用期限内: the entry is in force on the day);
- the act has been corrected (已对失信行为进行了纠正), on a stated day: not before the act (act_date, else the
  determination) and not after the application;
- at least ``clean_years`` have passed since the correction without an act of the same type (同类: the same
  subject, list type and domain) (自纠正之日起，1年内未再发生同类失信行为);
- it carries a written commitment (承诺不再失信).

The department's approval starts a public notice of ``notice_days`` working days (公示期为5个工作日); the repair takes
effect the day after the notice ends: the entry is ``repaired`` from then, in valid time, leaves force, and its
original version is kept as an archive (原始失信信息应当转为档案保存), shown to the authorised and admin tiers only.
Repair is a reference for leaving a black list (004 JI(二十三)), which the department decides as an exit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graphsvc.calendar import WorkingCalendar
from graphsvc.lifecycle.cases import (
    Case,
    CaseConflict,
    CaseKind,
    Deadline,
    Event,
    NotEligible,
    UnknownCase,
    case_id,
    entry_or_unknown,
    not_before,
    read_events,
    record,
    status_on,
    stored_deadlines,
)
from graphsvc.lifecycle.clock import StepClock
from graphsvc.lifecycle.validity import add_years, in_force_on
from graphsvc.profiles import Profile
from graphsvc.stores.base import GraphStore
from graphsvc.vocab import EntryStatus


@dataclass(frozen=True)
class Application:
    entry_id: str
    applied_on: dt.date
    commitment: str  # the written commitment not to break trust again
    corrected_on: dt.date | None  # the day the act was corrected
    evidence: tuple[str, ...] = ()


def unmet_conditions(store: GraphStore, application: Application, profile: Profile) -> list[str]:
    """Every condition of the profile the application does not meet (empty: eligible)."""
    rules = profile.lifecycle.repair
    entry = entry_or_unknown(store, application.entry_id)
    unmet: list[str] = []
    history = store.status_history(entry["entry_id"])
    if rules.within_validity and not in_force_on(entry, history, application.applied_on, profile):
        unmet.append(
            f"the entry is not in force on {application.applied_on}: repair is applied for while the information "
            "may still be used (RGT-06, 004 MB 第三十四条)"
        )
    corrected = application.corrected_on
    act = entry["act_date"] or entry["determined_on"]
    if corrected is None or corrected > application.applied_on:
        unmet.append("the act must have been corrected, on a stated day before the application (RGT-06 (一))")
    elif corrected < act:
        unmet.append(
            f"corrected_on {corrected} is before the act ({'act_date' if entry['act_date'] else 'determined_on'} "
            f"{act}): an act is corrected after it happened (RGT-06 (一))"
        )
    else:
        clean_until = add_years(corrected, rules.clean_years)
        if application.applied_on < clean_until:
            unmet.append(
                f"{rules.clean_years} year(s) must pass after the correction on {corrected} without an act of the "
                f"same type: not before {clean_until} (VAL-07, 004 MB 第三十四条 (二))"
            )
        facts = store.subject_facts(entry["subject_id"], roles=False)["entries"].to_pylist()
        repeated = sorted(
            {
                e["entry_id"]
                for e in facts
                if e["superseded_at"] is None
                and e["entry_id"] != entry["entry_id"]
                and e["list_type"] == entry["list_type"]
                and e["domain"] == entry["domain"]
                and (e["act_date"] or e["determined_on"]) > corrected
            }
        )
        if repeated:
            unmet.append(
                f"an act of the same type ({entry['list_type']}, {entry['domain']}) happened after the correction: "
                f"{', '.join(repeated)} (VAL-07)"
            )
    if not application.commitment.strip():
        unmet.append("a written commitment not to break trust again is required (RGT-06 (三) 承诺不再失信)")
    return unmet


def fold(events: list[Event]) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for e in events:
        if e.case_kind != CaseKind.REPAIR:
            continue
        if e.event == "applied":
            cases[e.case_id] = Case(
                e.case_id, CaseKind.REPAIR, e.entry_id, "applied", e.on_date, dict(e.detail), [], [e]
            )
            continue
        case = cases.get(e.case_id)
        if case is None:
            continue
        case.events.append(e)
        if e.event == "approved":
            notice_until = dt.date.fromisoformat(e.detail["notice_until"])
            case.state = "notice"
            case.detail.update(e.detail)
            case.deadlines = stored_deadlines(e.detail) or [
                Deadline("notice_ends", notice_until, e.detail["notice_basis"]),
            ]
        elif e.event == "refused":
            case.state = "refused"
            case.detail.update(e.detail)
    return cases


def state_on(case: Case, day: dt.date) -> str:
    """An approved repair is on notice until it ends, then in effect."""
    if case.state == "notice" and day > dt.date.fromisoformat(case.detail["notice_until"]):
        return "repaired"
    return case.state


def get(store: GraphStore, repair_id: str) -> Case:
    case = fold(read_events(store.lifecycle_events(case_id=repair_id))).get(repair_id)
    if case is None:
        raise UnknownCase(f"no repair {repair_id!r}")
    return case


def apply(store: GraphStore, application: Application, *, actor: str, profile: Profile, clock: StepClock) -> Case:
    entry = entry_or_unknown(store, application.entry_id)
    clock.admit(store, entry, application.applied_on, "applied_on")
    not_before(application.applied_on, entry["determined_on"], "applied_on", "the entry's determination date")
    open_cases = fold(read_events(store.lifecycle_events(entry_id=application.entry_id))).values()
    if any(c.state in ("applied", "notice") for c in open_cases):
        raise CaseConflict(f"entry {application.entry_id} already has a repair under way")
    unmet = unmet_conditions(store, application, profile)
    if unmet:
        raise NotEligible(f"entry {application.entry_id} cannot be repaired on {application.applied_on}", unmet)
    cid = case_id(CaseKind.REPAIR, application.entry_id, application.applied_on, application.commitment)
    detail: dict[str, Any] = {
        "commitment": application.commitment,
        "corrected_on": application.corrected_on.isoformat() if application.corrected_on else None,
        "evidence": list(application.evidence),
        "department": entry["department"],
    }
    record(
        store,
        f"lifecycle:{actor}:{cid}",
        [Event(cid, CaseKind.REPAIR.value, entry["entry_id"], "applied", application.applied_on, actor, detail)],
    )
    return get(store, cid)


def decide(
    store: GraphStore,
    repair_id: str,
    *,
    decided_on: dt.date,
    approve: bool,
    reason: str,
    actor: str,
    profile: Profile,
    calendar: WorkingCalendar,
    clock: StepClock,
) -> Case:
    case = get(store, repair_id)
    if case.state != "applied":
        raise CaseConflict(f"repair {repair_id} is {case.state}: it was decided already")
    clock.admit(store, entry_or_unknown(store, case.entry_id), decided_on, "decided_on")
    not_before(decided_on, case.opened_on, "decided_on", "the application date")
    if not approve:
        detail: dict[str, Any] = {"reason": reason}
        record(
            store,
            f"lifecycle:{actor}:{repair_id}",
            [Event(repair_id, "repair", case.entry_id, "refused", decided_on, actor, detail)],
        )
        return get(store, repair_id)
    entry = entry_or_unknown(store, case.entry_id)
    status, _ = status_on(entry, store.status_history(case.entry_id), decided_on)
    if status not in (EntryStatus.ACTIVE, EntryStatus.OBJECTION_PENDING, EntryStatus.SUSPENDED):
        raise CaseConflict(f"entry {case.entry_id} is {status} on {decided_on}: there is nothing left to repair")
    days = profile.lifecycle.repair.notice_days
    notice_basis = (
        f"RGT-06: public notice of {days} working days before the repair takes effect "
        "(004 MB 第三十五条 公示期为5个工作日)"
    )
    notice = Deadline.counted("notice_ends", decided_on, days, notice_basis, calendar)
    notice_until = notice.due
    effective = notice_until + dt.timedelta(days=1)
    detail = {
        "reason": reason,
        "notice_from": decided_on.isoformat(),
        "notice_until": notice_until.isoformat(),
        "effective_on": effective.isoformat(),
        "notice_basis": notice_basis,
        "deadlines": [notice.stored()],
    }
    basis = f"repair {repair_id} approved on {decided_on}, public notice until {notice_until}"
    record(
        store,
        f"lifecycle:{actor}:{repair_id}",
        [Event(repair_id, "repair", case.entry_id, "approved", decided_on, actor, detail)],
        [(case.entry_id, EntryStatus.REPAIRED.value, effective, basis)],
    )
    return get(store, repair_id)


def list_cases(store: GraphStore, *, state: str | None = None, on: dt.date | None = None) -> list[Case]:
    """Repairs, oldest first; ``on``: only those applied for by then (an inbox never shows a case before its
    filing date), each in its state on that day."""
    cases = list(fold(read_events(store.lifecycle_events())).values())
    if on is not None:
        cases = [c for c in cases if c.opened_on <= on]
    if state is not None:
        cases = [c for c in cases if (state_on(c, on) if on else c.state) == state]
    return sorted(cases, key=lambda c: (c.opened_on, c.case_id))
