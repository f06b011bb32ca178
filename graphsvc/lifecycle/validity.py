"""Whether one entry is in force on a day, read as the rules read it (V1, V2), for the workflows' checks.

The rules compute this set-wise in each store; the workflows need it for a single entry they looked up by id.
Both follow the same definition: the entry's status on the day (its status history, else its shorthand), its
validity end (valid_until, else the profile's default by severity, the severity defaulting by list type).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from graphsvc.lifecycle.cases import is_pre_listing, status_on
from graphsvc.profiles import ObjectionPolicy, Profile, ValidityMode
from graphsvc.vocab import EntryStatus, Severity
from graphsvc.vocabulary import vocabulary


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the same day of the later year is 28 February
        return day.replace(year=day.year + years, day=28)


def validity_end(entry: Mapping[str, Any], profile: Profile) -> dt.date | None:
    """V1: valid_until, else (by-severity profiles) 1 or 3 years from determined_on; None: open-ended."""
    if entry["valid_until"] is not None:
        return entry["valid_until"]  # type: ignore[no-any-return]
    vocab = vocabulary()
    if profile.validity.mode is not ValidityMode.BY_SEVERITY or entry["list_type"] in vocab.incentive():
        return None
    severity = entry["severity"] or vocab.severity_defaults(profile.severity_defaults).get(entry["list_type"])
    by_severity: dict[str, int] = {
        Severity.SERIOUS: profile.validity.serious_years,
        Severity.FAIRLY_SERIOUS: profile.validity.fairly_serious_years,
    }
    years = by_severity.get(str(severity or ""), profile.validity.general_years)
    return add_years(entry["determined_on"], years)


def in_force_on(entry: Mapping[str, Any], history: pa.Table, day: dt.date, profile: Profile) -> bool:
    if entry["determined_on"] > day:
        return False
    until = validity_end(entry, profile)
    if until is not None and day > until:
        return False
    status, _ = status_on(entry, history, day)
    if status == EntryStatus.OBJECTION_PENDING:
        return profile.objection_policy is not ObjectionPolicy.SUSPEND
    return status == EntryStatus.ACTIVE


# Statuses of an entry on a list: in force, flagged by an objection, or with its measures suspended.
_ON_LIST = frozenset({EntryStatus.ACTIVE, EntryStatus.OBJECTION_PENDING, EntryStatus.SUSPENDED})


def on_list(entry: Mapping[str, Any], history: pa.Table, day: dt.date, profile: Profile) -> bool:
    """Whether the entry is on its list on ``day``: in its listing (candidate, notified, public notice), or
    determined, within its validity (V1) and active, flagged or suspended; not once it left force (closed, or
    its validity ended). What an objection may be filed against (RGT-01)."""
    status, _ = status_on(entry, history, day)
    if is_pre_listing(status):
        return True
    if entry["determined_on"] > day:
        return False
    until = validity_end(entry, profile)
    if until is not None and day > until:
        return False
    return status in _ON_LIST
