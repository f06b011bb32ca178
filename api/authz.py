"""Who may write what (design.md §8: writes are authorised like reads, by the scope of every version touched
and by the caller's department).

A write (a new entry, a new version of an entry, a status change, a finding, a warning decision) is allowed
only when

- the caller may read the scope of every version it touches: the current version it replaces and the new one,
- and the entry belongs to the caller's department or to one its key is delegated for. An entry without a
  department is no one's: any key that may write may write it. A key without a department may write only such
  entries;
- and, for a key with a region, the subject of the entry lies in that region or a subregion of it
  (``within_region``). A key without a region is not limited by region.

Admin keys may write everything (their region, if any, does not limit them). Where the caller may not even see
that an entry exists, the answer is the one for an id that does not exist (404), so that refusals do not reveal
restricted entries; where it may see the entry, 403 says why. Every refusal is written to the audit log
(``Service.refuse``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from api.tiers import Caller, Tier
from graphsvc.vocab import Scope

NO_SUCH_ENTRY = "No such entry"


@dataclass(frozen=True)
class Place:
    """Where a subject is, for region limits: ``known`` False for a subject the store does not hold (nothing can
    be written about it: intake refuses an entry of an unknown subject in its own words)."""

    known: bool
    region: str | None = None


# A subject's place by its id.
RegionOf = Callable[[str], Place]


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


# Administrative division codes (GB/T 2260): 2 digits of province, 2 of prefecture, 2 of county; the statistical
# codes (统计用区划代码) add 3 of township and 3 of village. A division's code ends in zeros for the levels below it.
_DIVISION = re.compile(r"\d{6}(\d{3}(\d{3})?)?")


def _division_prefix(code: str) -> str:
    """What every code inside the division begins with: 230000 → 23, 230600 → 2306, 230602 → 230602,
    230602001000 → 230602001."""
    kept = code
    while len(kept) > 6 and kept.endswith("000"):
        kept = kept[:-3]
    if len(kept) == 6:
        for zeros in ("0000", "00"):
            if kept.endswith(zeros):
                return kept[: -len(zeros)]
    return kept


def within_region(region: str, subject_region: str | None) -> bool:
    """Whether a subject's region lies in ``region`` (a key's): the same region, or a subregion of it. Regions
    written as division codes (GB/T 2260, 6 digits; or 9 and 12 for townships and villages) nest by prefix:
    230602 (萨尔图区) and 230602001 lie in 230600 (大庆市), which lies in 230000 (黑龙江省). Regions written as names
    do not nest (大庆市 says nothing of 萨尔图区): a name matches only itself. A code never matches a name, and a
    subject without a region lies in no region."""
    if subject_region is None or not subject_region.strip():
        return False
    key, subject = region.strip(), subject_region.strip()
    if _DIVISION.fullmatch(key) and _DIVISION.fullmatch(subject):
        return subject.startswith(_division_prefix(key))
    return key == subject


def subject_region(subject: Mapping[str, Any] | None) -> str | None:
    """Where a subject is, for region limits: its recorded region, else the division its identifier names (an
    organisation's 统一社会信用代码 carries its registration authority's division in characters 3-8, GB 32100; a
    person's 居民身份证号码 its household registration's county in the first six, GB 11643), else None."""
    if subject is None:
        return None
    region = subject.get("region")
    if region is not None and str(region).strip():
        return str(region)
    uscc, id_number = str(subject.get("uscc") or ""), str(subject.get("id_number") or "")
    if len(uscc) == 18 and uscc[2:8].isdigit():
        return uscc[2:8]
    if len(id_number) == 18 and id_number[:6].isdigit():
        return id_number[:6]
    return None


def place_of(subject: Mapping[str, Any] | None) -> Place:
    return Place(False) if subject is None else Place(True, subject_region(subject))


def region_write(caller: Caller, what: str, subject_id: str | None, region_of: RegionOf) -> Refusal | None:
    """A key with a region writes only about subjects within it (admin keys are not limited)."""
    if caller.region is None or caller.tier is Tier.ADMIN or not subject_id:
        return None
    place = region_of(subject_id)
    if not place.known or within_region(caller.region, place.region):
        return None
    found = place.region
    where = f"region {found}" if found else "no recorded region"
    return Refusal(
        403,
        "Not your region",
        f"{what}: subject {subject_id} has {where}; your key ({caller.key_id}) writes for region {caller.region} "
        "and its subregions only. Ask a key of that region, or an administrator",
    )


def unknown_entry(entry_id: str) -> Refusal:
    """The answer for an entry that does not exist, and for one the caller may not see: the same words."""
    return Refusal(404, NO_SUCH_ENTRY, f"no current entry {entry_id!r}")


def _not_yours(caller: Caller, department: str | None) -> str:
    own = ", ".join(sorted(caller.departments)) or "no department"
    return (
        f"the entry belongs to {department}; your key ({caller.key_id}) writes for {own}. Ask that department, "
        "or an administrator to delegate your key for it"
    )


def existing_entry_write(
    caller: Caller, entry_id: str, current: dict[str, Any] | None, region_of: RegionOf
) -> Refusal | None:
    """A write that changes an existing entry (status change, finding, lifecycle step on it)."""
    if current is None or not may_read(caller, current.get("scope"), current.get("subject_id")):
        return unknown_entry(entry_id)
    department = current.get("department")
    if not may_write_for(caller, department):
        return Refusal(
            403, "Not your department", f"you may not change entry {entry_id}: " + _not_yours(caller, department)
        )
    return region_write(caller, f"you may not change entry {entry_id}", current.get("subject_id"), region_of)


def entry_version_write(
    caller: Caller, new: dict[str, Any], current: dict[str, Any] | None, region_of: RegionOf
) -> Refusal | None:
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
    subjects = [new.get("subject_id")] + ([current.get("subject_id")] if current is not None else [])
    for subject_id in dict.fromkeys(subjects):
        refusal = region_write(caller, f"entry {entry_id}", subject_id, region_of)
        if refusal is not None:
            return refusal
    return None


def upload_write(
    caller: Caller, tables: Mapping[str, pa.Table], current: Mapping[str, dict[str, Any]], region_of: RegionOf
) -> Refusal | None:
    """A loaded file's entries, findings and status rows, each as its own write would be: every entry as a new
    entry or version (its department, scope and subject's region), every finding and status row as a write on
    its entry (one the same file adds counts as the caller's). ``current``: the current entry versions by id;
    ``region_of``: the stored subjects' regions (the file's own subjects' regions come first). Registry facts
    (subjects, roles) are guarded by the store (Batch.protected), not here."""
    subjects = tables.get("subjects")
    loaded: dict[str, Place] = {}
    if subjects is not None:
        loaded = {str(r["subject_id"]): place_of(r) for r in subjects.to_pylist()}

    def regions(subject_id: str) -> Place:
        return loaded[subject_id] if subject_id in loaded else region_of(subject_id)

    written: set[str] = set()
    entries = tables.get("entries")
    if entries is not None:
        for row in entries.to_pylist():
            refusal = entry_version_write(caller, row, current.get(str(row["entry_id"])), regions)
            if refusal is not None:
                return refusal
            written.add(str(row["entry_id"]))
    for name in ("findings", "statuses"):
        table = tables.get(name)
        if table is None:
            continue
        for entry_id in sorted({str(e) for e in table.column("entry_id").to_pylist()} - written):
            refusal = existing_entry_write(caller, entry_id, current.get(entry_id), regions)
            if refusal is not None:
                return refusal
    return None


def record_write(
    caller: Caller, record_id: str, department: str | None, subject_id: str | None, region_of: RegionOf
) -> Refusal | None:
    """A decision on a warning: the department the warning is for (its source entry's, for W2 the focus
    entry's department) decides it, with a key whose region holds the warning's subject."""
    if not may_write_for(caller, department):
        return Refusal(
            403, "Not your department", f"you may not decide warning {record_id}: " + _not_yours(caller, department)
        )
    return region_write(caller, f"you may not decide warning {record_id}", subject_id, region_of)
