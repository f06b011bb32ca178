"""Who may write what (design.md §8: writes are authorised like reads, by the scope of every version touched
and by the caller's department).

A write (a new entry, a new version of an entry, a status change, a finding, a warning decision) is allowed
only when

- the caller may read the scope of every version it touches: the current version it replaces and the new one,
- and the entry belongs to the caller's department or to one its key is delegated for. An entry without a
  department is no one's: any key that may write may write it. A key without a department may write only such
  entries.

Admin keys may write everything. Where the caller may not even see that an entry exists, the answer is the
one for an id that does not exist (404), so that refusals do not reveal restricted entries; where it may see
the entry, 403 says why. Every refusal is written to the audit log (``Service.refuse``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from api.tiers import Caller, Tier
from graphsvc.vocab import Scope

NO_SUCH_ENTRY = "No such entry"


@dataclass(frozen=True)
class Refusal:
    """Why a write is not allowed: the HTTP status, title and detail of the answer."""

    status: int
    title: str
    detail: str


def may_read(caller: Caller, scope: str | None, subject_id: str | None) -> bool:
    """An unknown scope counts as the most restricted one (authorised)."""
    return (scope or Scope.AUTHORISED) in caller.scopes_for(subject_id)


def may_write_for(caller: Caller, department: str | None) -> bool:
    if caller.tier is Tier.ADMIN:
        return True
    if caller.tier < Tier.GOVERNMENT:
        return False
    return department is None or department in caller.departments


def unknown_entry(entry_id: str) -> Refusal:
    """The answer for an entry that does not exist, and for one the caller may not see: the same words."""
    return Refusal(404, NO_SUCH_ENTRY, f"no current entry {entry_id!r}")


def _not_yours(caller: Caller, department: str | None) -> str:
    own = ", ".join(sorted(caller.departments)) or "no department"
    return (
        f"the entry belongs to {department}; your key ({caller.key_id}) writes for {own}. Ask that department, "
        "or an administrator to delegate your key for it"
    )


def existing_entry_write(caller: Caller, entry_id: str, current: dict[str, Any] | None) -> Refusal | None:
    """A write that changes an existing entry (status change, finding, warning decision on it)."""
    if current is None or not may_read(caller, current.get("scope"), current.get("subject_id")):
        return unknown_entry(entry_id)
    department = current.get("department")
    if not may_write_for(caller, department):
        return Refusal(
            403, "Not your department", f"you may not change entry {entry_id}: " + _not_yours(caller, department)
        )
    return None


def entry_version_write(caller: Caller, new: dict[str, Any], current: dict[str, Any] | None) -> Refusal | None:
    """Intake of one entry: a new entry, or a new version of ``current`` (same id)."""
    entry_id = str(new.get("entry_id"))
    # Whether the id is taken cannot be hidden from a writer (its entry would be created otherwise), but nothing
    # about the entry may show: one answer for "not visible to you" and "another department's".
    if current is not None and not (
        may_read(caller, current.get("scope"), current.get("subject_id"))
        and may_write_for(caller, current.get("department"))
    ):
        return Refusal(
            403,
            "Entry id not yours",
            f"entry id {entry_id} is already used by an entry you may not change; choose another id, or ask "
            "the department that designated it",
        )
    scope = new.get("scope")
    if scope and not may_read(caller, str(scope), new.get("subject_id")):
        return Refusal(
            403,
            "Scope not allowed",
            f"entry {entry_id}: your key ({caller.key_id}, {caller.tier.label} tier) may not write {scope}-scope "
            f"entries, only {', '.join(sorted(caller.scopes_for(new.get('subject_id'))))}",
        )
    department = new.get("department") or None
    if not may_write_for(caller, department):
        return Refusal(403, "Not your department", f"entry {entry_id}: " + _not_yours(caller, department))
    return None


def upload_write(
    caller: Caller, tables: Mapping[str, pa.Table], current: Mapping[str, dict[str, Any]]
) -> Refusal | None:
    """A loaded file's entries, findings and status rows, each as its own write would be: every entry as a new
    entry or version (its department and scope), every finding and status row as a write on its entry (one the
    same file adds counts as the caller's). ``current``: the current entry versions by id. Registry facts
    (subjects, roles) are guarded by the store (Batch.protected), not here."""
    written: set[str] = set()
    entries = tables.get("entries")
    if entries is not None:
        for row in entries.to_pylist():
            refusal = entry_version_write(caller, row, current.get(str(row["entry_id"])))
            if refusal is not None:
                return refusal
            written.add(str(row["entry_id"]))
    for name in ("findings", "statuses"):
        table = tables.get(name)
        if table is None:
            continue
        for entry_id in sorted({str(e) for e in table.column("entry_id").to_pylist()} - written):
            refusal = existing_entry_write(caller, entry_id, current.get(entry_id))
            if refusal is not None:
                return refusal
    return None


def record_write(caller: Caller, record_id: str, department: str | None) -> Refusal | None:
    """A decision on a warning: the department the warning is for (its source entry's, for W2 the focus
    entry's department) decides it."""
    if not may_write_for(caller, department):
        return Refusal(
            403, "Not your department", f"you may not decide warning {record_id}: " + _not_yours(caller, department)
        )
    return None
