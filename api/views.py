"""In-memory read models of the store, one set per worker process, rebuilt when the store changes.

``Snapshot`` holds what does not depend on a date: current subjects, current entries (for their scope and
status) and the warning lifecycle. ``DateView`` holds, for one profile and date, the derived records (the
rules evaluated without persisting) and the entries in force. Both are rebuilt only when the part of the
store's generation they depend on moves: a warning decision does not re-run the rules, a load does, and so does
a store made anew at the same path (its generation names another store, whatever its counters).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import hashlib
import sys
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from api.facts import SubjectFacts
from api.storage import StoreAccess
from graphsvc.context import build_context
from graphsvc.disclosure import Audience, Disclosure, named_entries, scope_rank
from graphsvc.engine import evaluate
from graphsvc.identifiers import mask_id_number, mask_name
from graphsvc.profiles import load_profile
from graphsvc.stores.base import FactsVersion, Generation
from graphsvc.vocab import SubjectKind
from graphsvc.vocabulary import vocabulary

# Effect -> the warning list it appears on (graphsvc/data/effects.yaml); effects on no list are absent.
WARNING_LISTS: dict[str, str] = {
    code: effect.warning_list for code, effect in vocabulary().effects.items() if effect.warning_list is not None
}
WARNING_STATES = ("new", "confirmed", "dismissed")
_VIEWS_KEPT = 4


def record_id(row: dict[str, Any]) -> str:
    """A derived record's identity across re-evaluations: what it says, not when it was computed."""
    key = "|".join(
        str(row[name] or "")
        for name in ("rule", "subject_id", "source_entry_id", "related_id", "related_entry_id", "effect")
    )
    return "d-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Snapshot:
    generation: Generation
    subjects: pa.Table
    subject_rows: dict[str, int]
    entries: dict[str, dict[str, Any]]  # current entry versions by id
    warning_states: dict[str, dict[str, Any]]  # warning id -> latest decision

    def subject(self, subject_id: str) -> dict[str, Any] | None:
        row = self.subject_rows.get(subject_id)
        if row is None:
            return None
        return {name: self.subjects.column(name)[row].as_py() for name in self.subjects.column_names}

    def is_person(self, subject_id: str | None) -> bool:
        row = self.subject_rows.get(subject_id or "")
        return row is not None and self.subjects.column("kind")[row].as_py() == SubjectKind.PERSON

    def name_of(self, subject_id: str) -> str | None:
        row = self.subject_rows.get(subject_id)
        return None if row is None else self.subjects.column("name")[row].as_py()

    def shown_names(self, subject_ids: set[str], *, mask_persons: bool) -> dict[str, str | None]:
        """The names of these subjects (None for no current subject), persons' masked when asked: for the
        subjects of a page of roles, read together."""
        shown: dict[str, str | None] = dict.fromkeys(subject_ids)
        found = [(sid, row) for sid in subject_ids if (row := self.subject_rows.get(sid)) is not None]
        if not found:
            return shown
        rows = pa.array([row for _, row in found], pa.int64())
        names = self.subjects.column("name").take(rows).to_pylist()
        kinds = self.subjects.column("kind").take(rows).to_pylist()
        for (sid, _), name, kind in zip(found, names, kinds, strict=True):
            shown[sid] = mask_name(name) if mask_persons and kind == SubjectKind.PERSON else name
        return shown

    def entry_scope_rank(self, entry_id: str | None) -> int:
        if not entry_id:
            return 0
        entry = self.entries.get(entry_id)
        return scope_rank(entry["scope"] if entry else None)

    def warning_state(self, warning_id: str) -> dict[str, Any]:
        return self.warning_states.get(warning_id) or {
            "state": "new",
            "reason": None,
            "actor": None,
            "decided_at": None,
        }


@dataclass
class DateView:
    """What is in force under one profile on one date, read through the profile's disclosure policy: every
    method answers only what the audience may see (graphsvc/disclosure.py)."""

    profile: str
    as_of: dt.date
    facts: FactsVersion  # the store and batch the records were evaluated from
    disclosure: Disclosure
    # derived records, each with record_id, warning_list, scope_rank (the most restricted scope of the entries it
    # names) and archive_departments (the department of the archived entry it names; None: it names none)
    records: list[dict[str, Any]]
    entries: list[dict[str, Any]]  # entries in force, each with status and status_since on the date
    records_by_subject: dict[str, list[int]] = field(default_factory=dict)
    entries_by_subject: dict[str, list[int]] = field(default_factory=dict)
    entry_ids: frozenset[str] = frozenset()  # the entries in force on the date

    def shows_record(self, record: dict[str, Any], audience: Audience) -> bool:
        return self.disclosure.record_visible(
            audience,
            effect=record["effect"],
            subject_id=record["subject_id"],
            scope_rank=record["scope_rank"],
            archive_departments=record["archive_departments"],
        )

    def shows_entry(self, entry: dict[str, Any], audience: Audience) -> bool:
        """An entry in force on the date."""
        return self.disclosure.entry_visible(
            audience,
            scope=entry["scope"],
            subject_id=entry["subject_id"],
            department=entry["department"],
            archived=False,
        )

    def visible_records(self, audience: Audience) -> list[dict[str, Any]]:
        return [r for r in self.records if self.shows_record(r, audience)]

    def visible_entries(self, audience: Audience) -> list[dict[str, Any]]:
        return [e for e in self.entries if self.shows_entry(e, audience)]

    def subject_records(self, subject_id: str, audience: Audience) -> list[dict[str, Any]]:
        rows = (self.records[i] for i in self.records_by_subject.get(subject_id, []))
        return [r for r in rows if self.shows_record(r, audience)]

    def subject_entries(self, subject_id: str, audience: Audience) -> list[dict[str, Any]]:
        rows = (self.entries[i] for i in self.entries_by_subject.get(subject_id, []))
        return [e for e in rows if self.shows_entry(e, audience)]


class Views:
    """The worker's cache of the snapshot and the date views, checked against the store on every use."""

    def __init__(self, access: StoreAccess) -> None:
        self.access = access
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._views: OrderedDict[tuple[str, dt.date], DateView] = OrderedDict()
        self._facts_lock = threading.Lock()
        self._facts: SubjectFacts | None = None

    def snapshot(self) -> Snapshot:
        generation = self.access.generation()
        with self._lock:
            current = self._snapshot
            if current is None or current.generation != generation:
                current = self._rebuild(current, generation)
                self._snapshot = current
            return current

    def _rebuild(self, old: Snapshot | None, generation: Generation) -> Snapshot:
        if old is not None and old.generation.store != generation.store:
            old = None  # another store at the same path: nothing of the old one's holds
        with self.access.read() as store:
            if old is None or old.generation.batch != generation.batch:
                subjects = store.current_subjects().combine_chunks()  # one chunk a column: quick takes by row
                rows = {str(sid): i for i, sid in enumerate(subjects.column("subject_id").to_pylist())}
                entries = {e["entry_id"]: e for e in store.current_entries().to_pylist()}
            else:
                subjects, rows, entries = old.subjects, old.subject_rows, old.entries
            if old is None or old.generation.warnings != generation.warnings:
                states: dict[str, dict[str, Any]] = {}
                for event in store.warning_events().to_pylist():  # in decision order: the last one wins
                    states[event["warning_id"]] = event
            else:
                states = old.warning_states
        return Snapshot(generation, subjects, rows, entries, states)

    def subject_facts(self, snapshot: Snapshot, subject_id: str) -> SubjectFacts:
        """The facts a subject profile shows. On the embedded store, every subject's, read and indexed once per
        load (at the first profile or by the warm-up) and shared by the worker's requests: no request opens the
        store, and none holds it open between requests, so a load can always take it. On a server store, this
        subject's entries and findings, asked per request, without its roles (read a page at a time by
        ``subject_roles``)."""
        if not self.access.embedded:
            with self.access.read() as store:
                return SubjectFacts.of_subject(subject_id, store.subject_facts(subject_id, roles=False))
        with self._facts_lock:
            facts = self._facts
            # The index numbers subjects by the rows of the newest snapshot (a request holding an older one
            # does not rebuild it backwards), and is rebuilt with them, after every load.
            latest = self._snapshot or snapshot
            if facts is None or facts.subject_rows is not latest.subject_rows:
                self._facts = None  # let the old index go before the new one is read
                ids = latest.subjects.column("subject_id").combine_chunks()
                with self.access.building_facts():  # one worker at a time: what a build reads is large
                    facts = SubjectFacts(self.access.fact_versions(), ids, latest.subject_rows)
                    self._facts = facts
                    release_freed_memory()
            return facts

    def subject_roles(
        self, snapshot: Snapshot, subject_id: str, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the subject's role versions (at most ``limit`` from ``offset``) and how many it has: on the
        embedded store a slice of the index; on a server store the page the server sorts, skips and limits, with
        its count (``subject_roles_page``), so that a hub's other roles are never read for it."""
        if not self.access.embedded:
            with self.access.read() as store:
                page, total = store.subject_roles_page(subject_id, offset, limit)
            return page.to_pylist(), total
        return self.subject_facts(snapshot, subject_id).roles(subject_id, offset, limit)

    def warm_facts(self) -> None:
        """Build the subject-facts index now (the embedded store), so that the first profile need not wait."""
        if self.access.embedded:
            self.subject_facts(self.snapshot(), "")

    def view(self, profile_name: str, as_of: dt.date) -> tuple[Snapshot, DateView]:
        snapshot = self.snapshot()
        key = (profile_name, as_of)
        with self._lock:
            found = self._views.get(key)
            if found is not None and found.facts == snapshot.generation.facts:
                self._views.move_to_end(key)
                return snapshot, found
            built = self._build_view(snapshot, profile_name, as_of)
            self._views[key] = built
            while len(self._views) > _VIEWS_KEPT:
                self._views.popitem(last=False)
            return snapshot, built

    def _build_view(self, snapshot: Snapshot, profile_name: str, as_of: dt.date) -> DateView:
        profile = load_profile(profile_name)
        with self.access.read() as store:
            evaluation = evaluate(store, profile, as_of, persist=False)
            in_force = store.entries_in_force(build_context(profile, as_of)).to_pylist()
        records = evaluation.records.to_pylist()
        view = DateView(profile_name, as_of, snapshot.generation.facts, Disclosure.of(profile), records, in_force)
        view.entry_ids = frozenset(e["entry_id"] for e in in_force)
        by_subject: defaultdict[str, list[int]] = defaultdict(list)
        for i, record in enumerate(records):
            record["record_id"] = record_id(record)
            record["scope_rank"], record["archive_departments"] = named_entries(record, snapshot.entries)
            record["warning_list"] = WARNING_LISTS.get(record["effect"])
            by_subject[record["subject_id"]].append(i)
        entries_by_subject: defaultdict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(in_force):
            current = snapshot.entries.get(entry["entry_id"], {})
            entry["status"] = entry.get("status") or current.get("status")  # in force on the date (its history)
            entry["status_since"] = current.get("status_since")
            entry["act_date"] = current.get("act_date")
            entries_by_subject[entry["subject_id"]].append(i)
        view.records_by_subject = dict(by_subject)
        view.entries_by_subject = dict(entries_by_subject)
        return view


def release_freed_memory() -> None:
    """Give the memory a rebuild read and let go back to the system: Arrow's pool and the C heap keep freed
    blocks (at 1M subjects, some 250 MB after the subject-facts index is built), which would otherwise stay
    in every worker's resident set until reused."""
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc; other C libraries have no such call


# -- masking (PRV-03: personal data is masked below the tier that may see it) -----------------------------
def masked_subject(subject: dict[str, Any], *, names: bool, id_numbers: bool) -> dict[str, Any]:
    shown = dict(subject)
    if subject["kind"] == SubjectKind.PERSON:
        if names:
            shown["name"] = mask_name(subject["name"])
        if id_numbers:
            shown["id_number"] = mask_id_number(subject["id_number"])
    return shown


def mask_text(text: str | None, snapshot: Snapshot, subject_ids: list[str | None]) -> str | None:
    """Replace the names of the persons among ``subject_ids`` in ``text`` with their masked form."""
    if text is None:
        return None
    for sid in subject_ids:
        if sid and snapshot.is_person(sid):
            name = snapshot.name_of(sid)
            if name:
                text = text.replace(name, mask_name(name) or "*")
    return text
