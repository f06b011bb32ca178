"""What a store needs to evaluate the rules: the as-of date and the profile's resolved parameters.

Resolving here (profile overrides over rule-table defaults) keeps both stores free of profile logic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graphsvc.profiles import ObjectionPolicy, Profile, RoleTiming, ValidityMode
from graphsvc.rules.table import RULES, SEED_FILES, Reach, Trigger


@dataclass(frozen=True)
class ResolvedRule:
    id: str
    trigger: Trigger | None
    reach: Reach | None
    ban_years: int | None = None
    min_domains: int | None = None
    monitoring_years: int | None = None

    def trigger_list_types(self) -> list[str] | None:
        return None if self.trigger is None or self.trigger.list_types is None else list(self.trigger.list_types)


@dataclass(frozen=True)
class EvaluationContext:
    profile: str
    seed_alias: str | None
    as_of: dt.date
    known_at: dt.datetime | None  # None: what the store knows now
    objection_policy: ObjectionPolicy
    validity_mode: ValidityMode
    general_years: int
    fairly_serious_years: int
    serious_years: int
    role_timing: RoleTiming
    rules: tuple[ResolvedRule, ...]

    @property
    def objection_in_force(self) -> bool:
        """V2: whether an entry with a pending objection keeps its effects."""
        return self.objection_policy is not ObjectionPolicy.SUSPEND

    @property
    def objection_flagged(self) -> bool:
        return self.objection_policy is ObjectionPolicy.FLAG_AND_CONTINUE

    def validity_parameters(self) -> dict[str, Any]:
        """The V1/V2 parameters every store's in-force test binds (same names on both stores)."""
        return {
            "as_of": self.as_of,
            "by_severity": self.validity_mode is ValidityMode.BY_SEVERITY,
            "general_years": self.general_years,
            "fairly_serious_years": self.fairly_serious_years,
            "serious_years": self.serious_years,
            "objection_in_force": self.objection_in_force,
            "objection_flagged": self.objection_flagged,
        }


def build_context(profile: Profile, as_of: dt.date, known_at: dt.datetime | None = None) -> EvaluationContext:
    resolved: list[ResolvedRule] = []
    for rule_id, spec in RULES.items():
        setting = profile.setting(rule_id)
        if not setting.enabled:
            continue
        trigger = spec.trigger
        if trigger is not None:
            trigger = Trigger(
                subject_kinds=setting.trigger_kinds or trigger.subject_kinds,
                list_types=setting.list_types or trigger.list_types,
                severity=trigger.severity,
            )
        resolved.append(
            ResolvedRule(
                id=rule_id,
                trigger=trigger,
                reach=spec.reach,
                ban_years=setting.ban_years or (3 if rule_id == "P5" else None),
                min_domains=setting.min_domains or (3 if rule_id == "W1" else None),
                monitoring_years=setting.monitoring_years,
            )
        )
    seed_alias = next((alias for alias, f in SEED_FILES.items() if f == profile.seed), None)
    return EvaluationContext(
        profile=profile.name,
        seed_alias=seed_alias,
        as_of=as_of,
        known_at=known_at,
        objection_policy=profile.objection_policy,
        validity_mode=profile.validity.mode,
        general_years=profile.validity.general_years,
        fairly_serious_years=profile.validity.fairly_serious_years,
        serious_years=profile.validity.serious_years,
        role_timing=profile.role_timing,
        rules=tuple(resolved),
    )
