"""What a store needs to evaluate the rules: the as-of date and the profile's rules, resolved.

Resolving here (profile values over rule-table defaults, role names through the role hierarchy, list-type
classes through the vocabulary) keeps both stores free of profile and vocabulary logic: a store compiles
each ``ResolvedRule`` by its shape and binds the values it carries.

Layering: vocab, vocabulary → rules (table, shapes) → profiles → context → stores, engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graphsvc.profiles import ObjectionPolicy, Profile, RoleTiming, RuleSettings, ValidityMode, check_rules
from graphsvc.rules.shapes import TRIGGER_PARAMETERS, Shape
from graphsvc.rules.table import RULES, RuleSpec, RuleTable
from graphsvc.vocabulary import Vocabulary, vocabulary


@dataclass(frozen=True)
class ResolvedTrigger:
    subject_kinds: tuple[str, ...]
    list_types: tuple[str, ...]  # never empty: the list types whose entries trigger the rule
    severity: str | None


@dataclass(frozen=True)
class ResolvedReach:
    roles: tuple[str, ...]  # stored roles reached without a finding (hierarchy applied)
    roles_with_finding: tuple[str, ...]  # stored roles reached with a finding
    finding_alone: bool


@dataclass(frozen=True)
class ResolvedRule:
    id: str
    shape: Shape
    spec: RuleSpec
    effects: dict[str, str]  # the shape's outputs -> effect codes
    trigger: ResolvedTrigger | None
    reach: ResolvedReach | None
    ban_years: int | None = None
    appointment_roles: tuple[str, ...] = ()
    appointment_kinds: tuple[str, ...] = ()
    own_controllers: bool = False
    related_controllers: bool = False
    related_kinds: tuple[str, ...] = ()
    min_domains: int | None = None
    counted_list_types: tuple[str, ...] = ()
    monitoring_years: int | None = None

    def effect(self, output: str) -> str:
        return self.effects[output]

    @property
    def outputs(self) -> dict[str, str]:
        """Effect code -> the shape's output name."""
        return {code: output for output, code in self.effects.items()}


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
    black_class: tuple[str, ...]  # joint-punishment list types (W3, W4, P7)
    incentive: tuple[str, ...]  # red list types
    severity_defaults: tuple[tuple[str, str], ...]  # list type -> severity when the entry states none
    key_domains: tuple[tuple[str, str], ...]  # domain -> key domain counted by DOMAIN_COUNT rules
    remove_conflicting_red: bool  # a red/black-conflict rule is on: conflicting red entries leave force

    @property
    def objection_in_force(self) -> bool:
        """V2: whether an entry with a pending objection keeps its effects."""
        return self.objection_policy is not ObjectionPolicy.SUSPEND

    @property
    def objection_flagged(self) -> bool:
        return self.objection_policy is ObjectionPolicy.FLAG_AND_CONTINUE

    def validity_parameters(self) -> dict[str, Any]:
        """The in-force parameters every store binds (same names on both stores): V1, V2, severity, W3."""
        return {
            "as_of": self.as_of,
            "by_severity": self.validity_mode is ValidityMode.BY_SEVERITY,
            "general_years": self.general_years,
            "fairly_serious_years": self.fairly_serious_years,
            "serious_years": self.serious_years,
            "objection_in_force": self.objection_in_force,
            "objection_flagged": self.objection_flagged,
            "default_types": [t for t, _ in self.severity_defaults],
            "default_severities": [s for _, s in self.severity_defaults],
            "incentive_types": list(self.incentive),
            "black_types": list(self.black_class),
            "remove_conflicting_red": self.remove_conflicting_red,
        }


def resolve_rule(spec: RuleSpec, setting: RuleSettings, vocab: Vocabulary) -> ResolvedRule:
    """A rule row with a profile's setting: parameters, roles through the hierarchy, list types by class."""
    given = {k: v for k, v in setting.parameters().items() if k not in TRIGGER_PARAMETERS}
    values: dict[str, Any] = {**spec.defaults, **given}
    trigger = None
    if spec.trigger is not None:
        list_types = setting.list_types or spec.trigger.list_types
        if list_types is None:
            punitive = [s for s in vocab.list_types if s not in vocab.incentive()]
            list_types = vocab.black_class() if spec.trigger.black_class else tuple(punitive)
        trigger = ResolvedTrigger(
            subject_kinds=tuple(setting.trigger_kinds or spec.trigger.subject_kinds),
            list_types=tuple(list_types),
            severity=spec.trigger.severity,
        )
    reach = None
    if spec.reach is not None:
        direct = vocab.roles_reaching(spec.reach.roles)
        with_finding = vocab.roles_reaching(spec.reach.roles_with_finding)
        if values.get("reach_requires_finding"):
            direct, with_finding = (), tuple(dict.fromkeys((*direct, *with_finding)))
        reach = ResolvedReach(direct, tuple(r for r in with_finding if r not in direct), spec.reach.finding_alone)
    return ResolvedRule(
        id=spec.id,
        shape=spec.shape,
        spec=spec,
        effects=dict(spec.effects),
        trigger=trigger,
        reach=reach,
        ban_years=values.get("ban_years"),
        appointment_roles=vocab.roles_reaching(values.get("appointment_roles", ())),
        appointment_kinds=tuple(values.get("appointment_kinds", ())),
        own_controllers=bool(values.get("own_controllers", False)),
        related_controllers=bool(values.get("related_controllers", False)),
        related_kinds=tuple(values.get("related_kinds", ())),
        min_domains=values.get("min_domains"),
        counted_list_types=tuple(values.get("counted_list_types", ())),
        monitoring_years=values.get("monitoring_years"),
    )


def resolve_rules(profile: Profile, table: RuleTable = RULES, vocab: Vocabulary | None = None) -> list[ResolvedRule]:
    """The profile's enabled rules, resolved; a rule the table or the vocabulary does not know is an error."""
    vocab = vocab or vocabulary()
    check_rules(profile, table, vocab)
    return [
        resolve_rule(spec, profile.setting(rule_id), vocab)
        for rule_id, spec in table.items()
        if profile.setting(rule_id).enabled
    ]


def build_context(
    profile: Profile,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    *,
    table: RuleTable = RULES,
    vocab: Vocabulary | None = None,
) -> EvaluationContext:
    vocab = vocab or vocabulary()
    rules = tuple(resolve_rules(profile, table, vocab))
    key_domains = tuple((d, key) for key, domains in profile.key_domains.items() for d in domains)
    if not profile.key_domains:
        key_domains = tuple((d, d) for d in vocab.domains if d != "other")
    return EvaluationContext(
        profile=profile.name,
        seed_alias=profile.seed,
        as_of=as_of,
        known_at=known_at,
        objection_policy=profile.objection_policy,
        validity_mode=profile.validity.mode,
        general_years=profile.validity.general_years,
        fairly_serious_years=profile.validity.fairly_serious_years,
        serious_years=profile.validity.serious_years,
        role_timing=profile.role_timing,
        rules=rules,
        black_class=vocab.black_class(),
        incentive=vocab.incentive(),
        severity_defaults=tuple(sorted(vocab.severity_defaults(profile.severity_defaults).items())),
        key_domains=tuple(sorted(key_domains)),
        remove_conflicting_red=any(r.shape is Shape.RED_BLACK_CONFLICT for r in rules),
    )
