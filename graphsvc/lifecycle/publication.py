"""What is published, and to whom: entries in force, the archive, and the announcements with their windows.

- The public and government tiers see an entry while it is in force only (004 MB 第三十条: 有效期届满的 … 不再公开
  发布); an entry that left force (expired, repaired, revoked, exited) goes to the archive, shown to the authorised
  and admin tiers (004 MB 第三十五条: 原始失信信息应当转为档案保存), for the profile's retention period if it has one
  (``publication.archive_years``; no seed states one, so every bundled profile keeps the archive).
- The public also sees exit announcements for the profile's announcement period (EXIT-02, 004 JI(十七) 通过原公布
  渠道发布退出公告), and every notice in its window: listing notices (事前告知), public notices of red candidates (公示)
  and repair notices (修复公示).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from graphsvc.lifecycle.cases import CaseKind, read_events, status_on, stored_deadlines
from graphsvc.lifecycle.repairs import fold as fold_repairs
from graphsvc.lifecycle.validity import add_years, validity_end
from graphsvc.profiles import Profile
from graphsvc.stores.base import GraphStore
from graphsvc.vocab import EntryStatus

# Statuses with which an entry leaves the lists for good (its exit is announced).
LEAVING = frozenset({EntryStatus.EXITED, EntryStatus.REPAIRED, EntryStatus.REVOKED, EntryStatus.EXPIRED})


@dataclass(frozen=True)
class Announcement:
    kind: str  # listing_notice | public_notice | repair_notice | exit
    entry_id: str
    subject_id: str
    list_type: str
    scope: str
    department: str | None
    shown_from: dt.date
    shown_until: dt.date
    text: str
    provisional: bool = False  # its window was counted over a year without the official holiday notice


def retained(entry: Mapping[str, Any], on: dt.date, profile: Profile) -> bool:
    """Whether an archived entry is still kept on ``on``: for ``publication.archive_years`` after its validity
    ended or its last status change took effect (whichever is later); always when the profile sets no period."""
    years = profile.lifecycle.publication.archive_years
    if years is None:
        return True
    ends = [d for d in (validity_end(entry, profile), entry.get("status_since")) if d is not None]
    return not ends or on <= add_years(max(ends), years)


def archived_on(entry: Mapping[str, Any], history: pa.Table, day: dt.date, profile: Profile) -> bool:
    """Whether the entry is in the archive on ``day``: it left the lists for good (expired, repaired, revoked,
    exited) or its validity ended. A listing in progress (candidate, notified, public notice) is not archived."""
    status, _ = status_on(entry, history, day)
    if status in LEAVING:
        return True
    end = validity_end(entry, profile)
    return end is not None and day > end


def _provisional(detail: Mapping[str, Any]) -> bool:
    return any(d.provisional for d in stored_deadlines(detail))


def announcements(store: GraphStore, on: dt.date, profile: Profile) -> list[Announcement]:
    """Every announcement whose window holds ``on``, oldest first."""
    events = read_events(store.lifecycle_events())
    out: list[Announcement] = []
    entries: dict[str, dict[str, object] | None] = {}

    def add(kind: str, entry_id: str, start: dt.date, until: dt.date, text: str, provisional: bool = False) -> None:
        if not start <= on <= until:
            return
        if entry_id not in entries:
            entries[entry_id] = store.current_entry(entry_id)
        entry = entries[entry_id]
        if entry is None:
            return
        department = None if entry["department"] is None else str(entry["department"])
        subject, list_type, scope = str(entry["subject_id"]), str(entry["list_type"]), str(entry["scope"])
        out.append(Announcement(kind, entry_id, subject, list_type, scope, department, start, until, text, provisional))

    days = dt.timedelta(days=profile.lifecycle.publication.exit_announcement_days)
    for e in events:
        if e.case_kind == CaseKind.LISTING and e.event == "notified":
            until = dt.date.fromisoformat(e.detail["reply_by"])
            text = f"事前告知: the subject may reply until {until}"
            add("listing_notice", e.entry_id, e.on_date, until, text, _provisional(e.detail))
        elif e.case_kind == CaseKind.LISTING and e.event == "public_notice":
            until = dt.date.fromisoformat(e.detail["notice_until"])
            text = f"公示 until {until}; objections to the department"
            add("public_notice", e.entry_id, e.on_date, until, text, _provisional(e.detail))
        elif e.case_kind == CaseKind.STATUS and e.detail.get("status") in LEAVING:
            add("exit", e.entry_id, e.on_date, e.on_date + days, f"{e.detail['status']} from {e.on_date}")
        elif (
            e.case_kind in (CaseKind.OBJECTION, CaseKind.COMPLAINT)
            and e.event == "decided"
            and e.detail.get("outcome") == "upheld"
            and not e.detail.get("correction")
        ):
            add("exit", e.entry_id, e.on_date, e.on_date + days, f"revoked on {e.on_date} (objection upheld)")
    for case in fold_repairs(events).values():
        if case.state == "notice":
            start = dt.date.fromisoformat(case.detail["notice_from"])
            until = dt.date.fromisoformat(case.detail["notice_until"])
            effective = dt.date.fromisoformat(case.detail["effective_on"])
            provisional = any(d.provisional for d in case.deadlines)
            text = f"信用修复公示 until {until}; repaired from {effective}"
            add("repair_notice", case.entry_id, start, until, text, provisional)
            add("exit", case.entry_id, effective, effective + days, f"repaired from {effective}", provisional)
    return sorted(out, key=lambda a: (a.shown_from, a.entry_id, a.kind))
