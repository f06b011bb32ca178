"""Before an entry is in force: notice before listing (事前告知), public notice (公示), activation; and the
department's own status changes after it (suspension, exit, revocation, expiry).

- A ``candidate`` entry is not in force. ``notify`` tells the subject (事前告知; LST-10, 004 JI(六), 001 三(一)) and
  gives it the profile's reply window; for a focus entry under a profile whose seed requires it (001 四(六)
  提示重点关注有效期) the entry must carry the validity told to the subject.
- ``public_notice`` puts a red candidate on public notice (公示; LST-07a, 004 JI(六) 经公示无异议的，可认定为红名单).
- ``activate`` puts the entry in force: a red entry only after its public notice ended with no objection open or
  upheld; a punitive entry only after the subject was notified and the reply window passed with no objection open.
- ``change_status`` records the department's later changes, each from its own day, as status history; a closed
  entry (repaired, revoked, exited, expired) never changes again.
- Every step is dated by the clock (graphsvc/lifecycle/clock.py): not after the service date, not before the
  entry's last recorded step, and within the late-entry grace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graphsvc.calendar import WorkingCalendar
from graphsvc.lifecycle import objections
from graphsvc.lifecycle.cases import (
    CaseConflict,
    CaseKind,
    Deadline,
    Event,
    NotEligible,
    entry_or_unknown,
    not_before,
    read_events,
    record,
    status_on,
)
from graphsvc.lifecycle.clock import StepClock
from graphsvc.profiles import Profile
from graphsvc.stores.base import GraphStore, LoadResult
from graphsvc.vocab import EntryStatus
from graphsvc.vocabulary import vocabulary

# The department's status changes on an entry in force (RGT-02..06, EXIT-02/05): closed statuses stay closed
# (a new designation is a new entry); objections and repairs go through their own workflows.
TRANSITIONS: dict[str, frozenset[str]] = {
    EntryStatus.ACTIVE: frozenset({"objection_pending", "suspended", "repaired", "revoked", "exited", "expired"}),
    EntryStatus.OBJECTION_PENDING: frozenset({"active", "suspended", "repaired", "revoked", "exited", "expired"}),
    EntryStatus.SUSPENDED: frozenset({"active", "objection_pending", "repaired", "revoked", "exited", "expired"}),
    EntryStatus.CANDIDATE: frozenset({"notified", "public_notice", "revoked"}),
    EntryStatus.NOTIFIED: frozenset({"public_notice", "revoked"}),
    EntryStatus.PUBLIC_NOTICE: frozenset({"revoked"}),
}


def _listing_id(entry_id: str) -> str:
    return f"lis-{entry_id}"


def _events(store: GraphStore, entry_id: str) -> list[Event]:
    return [e for e in read_events(store.lifecycle_events(entry_id=entry_id)) if e.case_kind == CaseKind.LISTING]


def _marked(deadline: Deadline) -> dict[str, Any]:
    """Whether the step's deadline was counted over a year without its official holiday notice."""
    return {"provisional": deadline.provisional, "provisional_years": list(deadline.provisional_years)}


def _status(store: GraphStore, entry: dict[str, Any], day: dt.date) -> str:
    status, _ = status_on(entry, store.status_history(entry["entry_id"]), day)
    return status


def notify(
    store: GraphStore,
    entry_id: str,
    *,
    notified_on: dt.date,
    actor: str,
    profile: Profile,
    calendar: WorkingCalendar,
    clock: StepClock,
) -> dict[str, Any]:
    entry = entry_or_unknown(store, entry_id)
    clock.admit(store, entry, notified_on, "the notice date")
    status = _status(store, entry, notified_on)
    if status != EntryStatus.CANDIDATE:
        raise CaseConflict(f"entry {entry_id} is {status} on {notified_on}: only a candidate is notified")
    rules = profile.lifecycle.listing
    told = vocabulary().list_types[entry["list_type"]].validity_told
    if rules.validity_told and told and entry["valid_until"] is None:
        raise NotEligible(
            f"entry {entry_id} cannot be notified",
            [
                f"a {entry['list_type']} entry tells the subject its validity (LST-13, 001 四(六) 提示重点关注有效期): "
                "set valid_until"
            ],
        )
    reply_basis = f"LST-10 事前告知: {rules.reply_days} working days to reply"
    deadline = Deadline.counted("reply_by", notified_on, rules.reply_days, reply_basis, calendar)
    reply_by = deadline.due
    detail = {
        "reply_by": reply_by.isoformat(),
        "valid_until": entry["valid_until"],
        "basis": "LST-10 事前告知",
        "deadlines": [deadline.stored()],
    }
    event = Event(_listing_id(entry_id), CaseKind.LISTING.value, entry_id, "notified", notified_on, actor, detail)
    basis = f"事前告知 on {notified_on}; reply by {reply_by}"
    record(store, f"lifecycle:{actor}:notify", [event], [(entry_id, EntryStatus.NOTIFIED.value, notified_on, basis)])
    return {"entry_id": entry_id, "status": "notified", "since": notified_on, "reply_by": reply_by, **_marked(deadline)}


def public_notice(
    store: GraphStore,
    entry_id: str,
    *,
    from_on: dt.date,
    actor: str,
    profile: Profile,
    calendar: WorkingCalendar,
    clock: StepClock,
) -> dict[str, Any]:
    entry = entry_or_unknown(store, entry_id)
    clock.admit(store, entry, from_on, "the public notice's first day")
    status = _status(store, entry, from_on)
    if status not in (EntryStatus.CANDIDATE, EntryStatus.NOTIFIED):
        raise CaseConflict(f"entry {entry_id} is {status} on {from_on}: only a candidate goes on public notice")
    days = profile.lifecycle.listing.public_notice_days
    deadline = Deadline.counted("notice_until", from_on, days, f"LST-07a 公示: {days} working days", calendar)
    until = deadline.due
    detail = {
        "notice_from": from_on.isoformat(),
        "notice_until": until.isoformat(),
        "basis": "LST-07a 公示",
        "deadlines": [deadline.stored()],
    }
    event = Event(_listing_id(entry_id), CaseKind.LISTING.value, entry_id, "public_notice", from_on, actor, detail)
    basis = f"公示 from {from_on} until {until}"
    record(store, f"lifecycle:{actor}:notice", [event], [(entry_id, EntryStatus.PUBLIC_NOTICE.value, from_on, basis)])
    answer = {"entry_id": entry_id, "status": "public_notice", "since": from_on, "notice_until": until}
    return {**answer, **_marked(deadline)}


def activate(
    store: GraphStore, entry_id: str, *, on: dt.date, actor: str, profile: Profile, clock: StepClock
) -> dict[str, Any]:
    entry = entry_or_unknown(store, entry_id)
    clock.admit(store, entry, on, "the activation date")
    status = _status(store, entry, on)
    events = _events(store, entry_id)
    cases = objections.list_cases(store, entry_id=entry_id)
    unmet: list[str] = []
    incentive = entry["list_type"] in vocabulary().incentive()
    if status not in (EntryStatus.CANDIDATE, EntryStatus.NOTIFIED, EntryStatus.PUBLIC_NOTICE):
        raise CaseConflict(f"entry {entry_id} is {status} on {on}: only a listing in progress is activated")
    if incentive and profile.lifecycle.listing.red_needs_public_notice:
        notice = next((e for e in reversed(events) if e.event == "public_notice"), None)
        if notice is None:
            unmet.append("a red entry is activated after public notice (LST-07a, 004 JI(六) 经公示无异议的)")
        else:
            start = notice.on_date
            until = dt.date.fromisoformat(notice.detail["notice_until"])
            if on <= until:
                unmet.append(f"the public notice runs until {until}")
            for case in cases:
                during = start <= case.opened_on <= until
                upheld = case.detail.get("decision_outcome") in ("upheld", "partly_upheld")
                if during and (case.is_open or upheld):
                    unmet.append(
                        f"objection {case.case_id} filed on {case.opened_on} during the public notice is "
                        + ("open" if case.is_open else "upheld")
                    )
    elif not incentive:
        notice = next((e for e in reversed(events) if e.event == "notified"), None)
        if notice is None:
            unmet.append("the subject is notified before listing (事前告知; LST-10, 004 JI(六))")
        elif on <= dt.date.fromisoformat(notice.detail["reply_by"]):
            unmet.append(f"the subject may reply until {notice.detail['reply_by']}")
        unmet += [f"objection {c.case_id} is open" for c in cases if c.is_open]
    if unmet:
        raise NotEligible(f"entry {entry_id} cannot be activated on {on}", unmet)
    event = Event(_listing_id(entry_id), CaseKind.LISTING.value, entry_id, "activated", on, actor, {})
    record(store, f"lifecycle:{actor}:activate", [event], [(entry_id, EntryStatus.ACTIVE.value, on, "activated")])
    return {"entry_id": entry_id, "status": "active", "since": on}


@dataclass(frozen=True)
class StatusChange:
    entry_id: str
    status: str
    since: dt.date
    previous: str
    result: LoadResult


def change_status(
    store: GraphStore, entry_id: str, *, status: str, since: dt.date, note: str, actor: str, clock: StepClock
) -> StatusChange:
    """A department's status change from ``since`` (valid time), recorded as status history and an event."""
    entry = entry_or_unknown(store, entry_id)
    clock.admit(store, entry, since, "since")
    not_before(since, entry["determined_on"], "since", "the entry's determination date")
    current = _status(store, entry, since)
    allowed = TRANSITIONS.get(current, frozenset())
    if status not in allowed:
        raise CaseConflict(
            f"entry {entry_id} is {current} on {since}: "
            + (f"it may become {', '.join(sorted(allowed))}" if allowed else "a closed entry does not change")
        )
    detail = {"status": status, "from": current, "note": note}
    event = Event(f"sta-{entry_id}", CaseKind.STATUS.value, entry_id, "changed", since, actor, detail)
    result = record(store, f"lifecycle:{actor}:status", [event], [(entry_id, status, since, note or f"set by {actor}")])
    return StatusChange(entry_id, status, since, current, result)
