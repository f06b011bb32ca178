"""Who sees what: one disclosure policy for the API, the dashboard and ``graphsvc export``.

Every answer that shows entries, derived records or persons asks this module, never a router of its own.

- **Entries in force** on the date: by publication scope (PRV-03, 004 MB 第十九条): the public reads 社会公开,
  the government tier also 政府共享, the authorised tier also 授权查询 of the subject its authorisation covers
  (PRV-04), admin everything.
- **The archive**: entries out of force (expired, repaired, revoked, exited) and every record naming one are for the
  authorised and admin tiers (004 MB 第三十条 有效期届满的 … 不再公开发布; 第三十五条 原始失信信息应当转为档案保存),
  and for the department that provided the entry (PRV-02 谁提供谁负责: it keeps its own records).
- **Derived records**: only where the effect's audience admits the tier (``audience`` in graphsvc/data/effects.yaml,
  a profile's ``lifecycle.publication.effect_audience`` where its seed says who is told), and the caller may see
  every entry the record names.
- **Dates and profiles**: the public sees what is published on the service's date under the service's profile;
  other dates and profiles are for the government tier and above.
- **Persons**: the public sees a person only while something visible about them is in force on the date, names and
  id numbers masked; id numbers are masked below the authorised tier. An unknown id and a hidden one get the same
  answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from graphsvc.errors import InputError
from graphsvc.profiles import Profile
from graphsvc.rules.shapes import SHAPES
from graphsvc.rules.table import RULES
from graphsvc.vocab import Scope
from graphsvc.vocabulary import vocabulary


class Tier(IntEnum):
    """The audiences of the service, each seeing at least what the one below it sees."""

    PUBLIC = 0
    GOVERNMENT = 1
    AUTHORISED = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @staticmethod
    def parse(text: str) -> Tier:
        try:
            return Tier[text.upper()]
        except KeyError:
            raise InputError(f"unknown tier {text!r}; choose one of {', '.join(t.label for t in Tier)}") from None


# Publication scopes, least restricted first; an unknown scope counts as the most restricted.
SCOPE_RANK: dict[str, int] = {Scope.PUBLIC.value: 0, Scope.GOVERNMENT.value: 1, Scope.AUTHORISED.value: 2}

# Which publication scopes each tier may read (PRV-03); the authorised tier reads 授权查询 items only of the subjects
# its authorisation covers (``Audience.scopes_for``).
VISIBLE_SCOPES: dict[Tier, frozenset[str]] = {
    Tier.PUBLIC: frozenset({Scope.PUBLIC}),
    Tier.GOVERNMENT: frozenset({Scope.PUBLIC, Scope.GOVERNMENT}),
    Tier.AUTHORISED: frozenset({Scope.PUBLIC, Scope.GOVERNMENT, Scope.AUTHORISED}),
    Tier.ADMIN: frozenset({Scope.PUBLIC, Scope.GOVERNMENT, Scope.AUTHORISED}),
}


def scope_rank(scope: str | None) -> int:
    return SCOPE_RANK.get(scope or "", SCOPE_RANK[Scope.AUTHORISED])


@dataclass(frozen=True)
class Audience:
    """Who is asking: a tier, the departments it speaks for (its own and those its key is delegated for) and, on
    the authorised tier, the subjects its authorisation covers (``None``: every subject, as for an operator's
    export at the authorised scope)."""

    tier: Tier
    departments: frozenset[str] = frozenset()
    authorised_subjects: frozenset[str] | None = frozenset()

    def scopes_for(self, subject_id: str | None) -> frozenset[str]:
        """The scopes this audience may read about one subject."""
        if self.tier is Tier.AUTHORISED and not self.covers(subject_id):
            return VISIBLE_SCOPES[Tier.GOVERNMENT]
        return VISIBLE_SCOPES[self.tier]

    def covers(self, subject_id: str | None) -> bool:
        return self.authorised_subjects is None or (subject_id is not None and subject_id in self.authorised_subjects)

    def scope_rank_for(self, subject_id: str | None) -> int:
        return max(SCOPE_RANK[s] for s in self.scopes_for(subject_id))

    @property
    def masks_names(self) -> bool:
        return self.tier is Tier.PUBLIC

    @property
    def masks_id_numbers(self) -> bool:
        return self.tier < Tier.AUTHORISED

    @property
    def sees_archive(self) -> bool:
        """Entries out of force are the archive (004 MB 第三十五条), for the authorised and admin tiers."""
        return self.tier >= Tier.AUTHORISED

    @staticmethod
    def of_scope(scope: Scope) -> Audience:
        """The audience an operator's export at ``scope`` is written for (``graphsvc export --scope``)."""
        tier = {Scope.PUBLIC: Tier.PUBLIC, Scope.GOVERNMENT: Tier.GOVERNMENT}.get(scope, Tier.AUTHORISED)
        return Audience(tier, authorised_subjects=None)


@dataclass(frozen=True)
class Disclosure:
    """The policy bound to one profile: each effect's audience, from ``effects.yaml`` and the profile."""

    profile: str
    effect_tiers: dict[str, Tier]

    @staticmethod
    def of(profile: Profile) -> Disclosure:
        tiers = {code: Tier.parse(effect.audience) for code, effect in vocabulary().effects.items()}
        for code, audience in profile.lifecycle.publication.effect_audience.items():
            tiers[code] = Tier.parse(audience)
        return Disclosure(profile.name, tiers)

    def effect_tier(self, effect: str) -> Tier:
        tier = self.effect_tiers.get(effect)
        if tier is None:  # every effect a rule emits is in effects.yaml (checked when a profile is loaded)
            raise KeyError(f"effect {effect!r} is not in graphsvc/data/effects.yaml")
        return tier

    def entry_visible(
        self, audience: Audience, *, scope: str | None, subject_id: str | None, department: str | None, archived: bool
    ) -> bool:
        """An entry (in force, or ``archived``: out of force on the date) and whatever is about it alone."""
        if scope_rank(scope) > audience.scope_rank_for(subject_id):
            return False
        return not archived or archive_visible(audience, (department,))

    def record_visible(
        self,
        audience: Audience,
        *,
        effect: str,
        subject_id: str | None,
        scope_rank: int,
        archive_departments: Iterable[str | None] | None,
    ) -> bool:
        """A derived record: its effect's audience, the most restricted scope of the entries it names
        (``scope_rank``) and, when it names entries out of force (``archive_departments``: their departments),
        the archive rule."""
        if audience.tier < self.effect_tier(effect):
            return False
        if scope_rank > audience.scope_rank_for(subject_id):
            return False
        return archive_departments is None or archive_visible(audience, archive_departments)


def named_entries(
    record: Mapping[str, Any], entries: Mapping[str, Mapping[str, Any]]
) -> tuple[int, tuple[str | None, ...] | None]:
    """What a derived record reveals of the entries it names (its source and related entry): the most restricted
    of their scopes, and, when its rule's shape names an entry that has left force (W4 after an exit), that entry's
    department (None: it names none). ``entries``: the current entry versions by id."""
    named = [e for e in (record.get("source_entry_id"), record.get("related_entry_id")) if e]
    rank = max((scope_rank((entries.get(e) or {}).get("scope")) for e in named), default=0)
    spec = RULES.get(str(record.get("rule")))
    if spec is None or not SHAPES[spec.shape].source_archived:
        return rank, None
    return rank, ((entries.get(str(record.get("source_entry_id"))) or {}).get("department"),)


def archive_visible(audience: Audience, departments: Iterable[str | None]) -> bool:
    """The archive: the authorised and admin tiers, and the department that provided every archived entry concerned
    (PRV-02 谁提供谁负责: it keeps its own records)."""
    if audience.sees_archive:
        return True
    return all(d is not None and d in audience.departments for d in departments)


def reading_refusal(
    audience: Audience, *, as_of: dt.date, profile: str, service_date: dt.date, service_profile: str
) -> str | None:
    """Why this audience may not read the lists as of ``as_of`` under ``profile`` (None: it may). The public sees
    what is published on the service's date under the service's profile (004 MB 第三十条: what left force is no
    longer published); other dates and profiles are for the government tier and above."""
    if audience.tier > Tier.PUBLIC:
        return None
    if as_of != service_date:
        return (
            f"the public sees the lists as published on the service's date ({service_date}); as_of={as_of} needs "
            "a government key or above"
        )
    if profile != service_profile:
        return (
            f"the public sees the lists under the service's profile ({service_profile}); profile={profile} needs a "
            "government key or above"
        )
    return None


def person_shown(audience: Audience, *, is_person: bool, anything_visible: bool) -> bool:
    """Organisations are registry data, shown to everyone; the public sees a person only while something visible
    about them is in force on the date, so that it cannot walk the registry of persons (PRV-03)."""
    return not is_person or audience.tier > Tier.PUBLIC or anything_visible


__all__ = [
    "SCOPE_RANK",
    "VISIBLE_SCOPES",
    "Audience",
    "Disclosure",
    "Tier",
    "archive_visible",
    "named_entries",
    "person_shown",
    "reading_refusal",
    "scope_rank",
]
