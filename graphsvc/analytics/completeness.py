"""Whether an analytics answer is whole, and if not, which cap or limit cut it.

Every paths, exposure, ownership and groups answer carries ``complete`` (true when no cap or limit left
anything out of what was asked) and ``cut_by``: one record per cap or limit that did, with its value and, where
it cut at particular subjects (an expanded node capped at ``expand_cap`` edges, an owner at ``max_depth`` with
owners of its own), the first of them by subject id and how many more. Pages are not cuts: a page says ``more``
and gives a cursor for the rest. A search that was cut never says "no path": it says it does not know.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SUBJECTS_SHOWN = 20  # subjects named per cut ("more_subjects" beyond)

# The caps and limits an answer can be cut by, and what each means for it.
LIMITS: dict[str, str] = {
    "expand_cap": "a node was expanded along only its first expand_cap edges (by neighbour id, then edge)",
    "max_length": "the search stopped at max_length steps: a longer path may exist",
    "max_depth": "penetration stopped at max_depth: owners further up (or holdings further down) were not followed",
    "max_visited": "the breadth-first search stopped after reaching its node budget",
    "max_explored": "the path enumeration stopped after extending its budget of partial paths",
    "max_found": "the path enumeration stopped after collecting its budget of paths",
    "max_paths_explored": "penetration stopped after following its budget of paths",
    "max_paths_per_holder": "only the first paths are shown per holder (more_paths says how many are left off)",
    "max_group_links": "only the first links are shown for a group (more_links says how many are left off)",
    "max_member_links": "only the first links are shown per member (more_links says how many are left off)",
    "max_member_entries": "only the first entries are shown per member (more_entries says how many are left off)",
}


@dataclass(frozen=True)
class Cut:
    """One cap or limit that cut an answer: which (a key of LIMITS), its value, and where it cut."""

    limit: str
    value: float
    subjects: tuple[str, ...] = ()  # where it cut, in subject id order (all of them)

    def __post_init__(self) -> None:
        if self.limit not in LIMITS:
            raise ValueError(f"unknown limit {self.limit!r}; one of {', '.join(LIMITS)}")

    def as_dict(self) -> dict[str, Any]:
        shown = sorted(self.subjects)[:SUBJECTS_SHOWN]
        return {
            "limit": self.limit,
            "value": self.value,
            "meaning": LIMITS[self.limit],
            "subjects": shown,
            "more_subjects": len(self.subjects) - len(shown),
        }


def completeness(cuts: Iterable[Cut | None]) -> dict[str, Any]:
    """The ``complete`` and ``cut_by`` fields of an answer from the cuts that happened (None: that one did not)."""
    found = [c for c in cuts if c is not None]
    return {"complete": not found, "cut_by": [c.as_dict() for c in found]}
