"""Jurisdiction profiles: one YAML file per seed (design.md §5).

A profile names its seed, switches rules on and sets their parameters, chooses the objection policy (V2),
the default validity of entries without ``valid_until`` (V1), role timing, and its working-day calendar.
Profiles are data; this module only reads and checks them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from graphsvc import yamlio
from graphsvc.errors import ProfileError
from graphsvc.rules.shapes import SHAPES, TRIGGER_PARAMETERS
from graphsvc.rules.table import RULES, SEED_ALIASES, RuleTable
from graphsvc.vocab import RoleType, Severity, SubjectKind, values
from graphsvc.vocabulary import Vocabulary, vocabulary

PROFILE_NAMES: tuple[str, ...] = ("default", "lianping", "daqing", "kunming", "zhoucun", "jiangsu")


class ObjectionPolicy(StrEnum):
    SUSPEND = "suspend"  # RGT-02: 联合惩戒措施在信息核实期间暂不执行 (000-003)
    CONTINUE = "continue"  # RGT-03: 信息核实期间不停止执行联合惩戒措施 (004 JI)
    FLAG_AND_CONTINUE = "flag_and_continue"  # RGT-04: 打上标识,但不影响其公示与应用 (004 MB)


class ValidityMode(StrEnum):
    OPEN_ENDED = "open_ended"  # no numeric validity in the seed: an entry without valid_until never lapses
    BY_SEVERITY = "by_severity"  # VAL-01: general 1 year, serious 3 years from determined_on


class RoleTiming(StrEnum):
    ACT_DATE = "act_date"  # role held on the act date, falling back to the determination date
    DETERMINED_ON = "determined_on"  # role held on the determination date (认定之日)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSettings(_Strict):
    """Switch and parameters of one rule in one profile; which parameters apply depends on the rule."""

    enabled: bool = False
    trigger_kinds: tuple[str, ...] | None = None  # subject kinds whose entries trigger the rule
    list_types: tuple[str, ...] | None = None  # list types that trigger the rule
    ban_years: int | None = Field(default=None, ge=1, le=50)  # appointment bans
    min_domains: int | None = Field(default=None, ge=2, le=50)  # domain counts
    monitoring_years: int | None = Field(default=None, ge=1, le=50)  # post-exit monitoring; None: open-ended
    reach_requires_finding: bool | None = None  # propagation: LR / main person in charge only with a finding
    own_controllers: bool | None = None  # controllers: the listed organisation's own actual controllers
    related_controllers: bool | None = None  # controllers: the related enterprises' actual controllers

    @field_validator("trigger_kinds")
    @classmethod
    def _kinds(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        unknown = sorted(set(v or ()) - values(SubjectKind))
        if unknown:
            raise ValueError(f"unknown subject kind(s) {unknown}; expected some of {sorted(values(SubjectKind))}")
        return v

    @field_validator("list_types")
    @classmethod
    def _list_types(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        known = vocabulary().list_types
        unknown = sorted(set(v or ()) - set(known))
        if unknown:
            raise ValueError(f"unknown list type(s) {unknown}; expected some of {sorted(known)}")
        return v

    def parameters(self) -> dict[str, object]:
        """The parameters this setting gives a value (enabled aside)."""
        return {name: value for name, value in self.model_dump().items() if name != "enabled" and value is not None}


class Validity(_Strict):
    mode: ValidityMode
    general_years: int = Field(default=1, ge=1, le=50)
    fairly_serious_years: int = Field(default=1, ge=1, le=50)
    serious_years: int = Field(default=3, ge=1, le=50)


class Calendar(_Strict):
    """Working-day calendar for the working-day deadlines (PUB-01, RGT-04, RGT-06)."""

    weekend: tuple[int, ...] = (5, 6)  # ISO weekday - 1: Saturday, Sunday
    holidays: tuple[dt.date, ...] = ()
    adjusted_working_days: tuple[dt.date, ...] = ()  # 调休: weekend days that are working days


class ObjectionDeadlines(_Strict):
    """Working days an objection may take (RGT-04, 004 MB 第三十二条: 10 to review, 5 to verify, 3 to correct)."""

    review_days: int = Field(default=10, ge=1, le=60)  # from filing: the platform or provider reviews it
    verify_days: int = Field(default=5, ge=1, le=60)  # from filing: the provider verifies it when asked
    correct_days: int = Field(default=3, ge=1, le=60)  # from an upheld decision: corrected and republished
    # Calendar days after an entry left force (its validity ended, or it was exited, repaired, revoked, expired)
    # during which an objection or complaint is still taken in; 0: only while it is in force.
    after_force_days: int = Field(default=0, ge=0, le=3650)


class RepairRules(_Strict):
    """Credit repair (RGT-06, VAL-07; 004 MB 第三十四、三十五条)."""

    notice_days: int = Field(default=5, ge=0, le=60)  # working days of public notice before it takes effect
    clean_years: int = Field(default=1, ge=0, le=10)  # years since correction without an act of the same type
    within_validity: bool = True  # only while the entry may still be used (在其失信信息使用期限内)


class ListingRules(_Strict):
    """Notice before listing (事前告知) and public notice (公示) (004 JI(六); 001 三(一), 四(六))."""

    reply_days: int = Field(default=5, ge=0, le=60)  # working days the notified subject has to reply
    public_notice_days: int = Field(default=5, ge=0, le=60)  # working days a red candidate is on public notice
    red_needs_public_notice: bool = True  # 004 JI(六): 经公示无异议的，可认定为红名单
    validity_told: bool = False  # 001 四(六) 提示重点关注有效期: list types marked validity_told need a valid_until


class PublicationRules(_Strict):
    """What is published after an entry leaves force (004 MB 第三十条, 第三十五条; JI(十七))."""

    exit_announcement_days: int = Field(default=30, ge=0, le=3650)  # calendar days an exit is announced publicly
    archive_years: int | None = Field(default=None, ge=1, le=100)  # years archived entries are kept; None: always
    # effect -> the lowest tier that sees its derived records, where the profile's seed says who is told
    # (graphsvc/disclosure.py); effects not named keep their audience in graphsvc/data/effects.yaml
    effect_audience: dict[str, Literal["public", "government", "authorised"]] = Field(default_factory=dict)


class LifecycleSettings(_Strict):
    objection: ObjectionDeadlines = ObjectionDeadlines()
    repair: RepairRules = RepairRules()
    listing: ListingRules = ListingRules()
    publication: PublicationRules = PublicationRules()


DEFAULT_SEVERITY_WEIGHT: dict[str, float] = {"general": 1.0, "fairly_serious": 2.0, "serious": 4.0}
DEFAULT_ROLE_WEIGHT: dict[str, float] = {
    "legal_representative": 1.0,
    "main_person_in_charge": 1.0,
    "person_in_charge": 0.9,
    "actual_controller": 1.0,
    "shareholder": 1.0,  # the ownership ratio applies on top
    "director": 0.6,
    "supervisor": 0.4,
    "senior_manager": 0.6,
    "registered_practitioner": 0.5,
    "branch_of": 0.8,
    "related_enterprise": 0.7,
}


class ExposureSettings(_Strict):
    """Related-party exposure scoring (graphsvc/analytics/exposure.py); not stated in the seeds: graphsvc's own.

    Keys left out of ``severity_weight`` or ``role_weight`` keep their default weight.
    """

    decay: float = Field(default=0.5, gt=0.0, le=1.0)  # per hop
    severity_weight: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY_WEIGHT))
    role_weight: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_ROLE_WEIGHT))
    yellow_threshold: float = Field(default=1.0, ge=0.0)
    red_threshold: float = Field(default=4.0, ge=0.0)

    @field_validator("severity_weight")
    @classmethod
    def _severities(cls, v: dict[str, float]) -> dict[str, float]:
        return _weights(v, DEFAULT_SEVERITY_WEIGHT, values(Severity), "severity")

    @field_validator("role_weight")
    @classmethod
    def _roles(cls, v: dict[str, float]) -> dict[str, float]:
        return _weights(v, DEFAULT_ROLE_WEIGHT, values(RoleType), "role")

    @model_validator(mode="after")
    def _thresholds(self) -> ExposureSettings:
        if self.red_threshold < self.yellow_threshold:
            raise ValueError(f"red_threshold {self.red_threshold} is below yellow_threshold {self.yellow_threshold}")
        return self


def _weights(given: dict[str, float], default: dict[str, float], known: frozenset[str], what: str) -> dict[str, float]:
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValueError(f"unknown {what}(s) {unknown}; expected some of {sorted(known)}")
    negative = sorted(k for k, w in given.items() if w < 0)
    if negative:
        raise ValueError(f"negative weight for {negative}; weights must be at least 0")
    return {**default, **given}


class Profile(_Strict):
    name: str
    title: str
    seed: str | None  # the policy text followed (000 … 004, DOCUMENTS in graphsvc/rules/table.py); None: all
    objection_policy: ObjectionPolicy
    validity: Validity
    role_timing: RoleTiming
    rules: dict[str, RuleSettings]
    # List type -> severity of its entries that state none, where the seed reads it otherwise than the
    # list-type table (graphsvc/data/list_types.yaml default_severity).
    severity_defaults: dict[str, str] = Field(default_factory=dict)
    # The seed's key domains (重点领域) -> the domains they cover; domain-count rules (W1) count key domains.
    # Empty: every domain but `other` counts as its own key domain.
    key_domains: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    calendar: Calendar = Calendar()
    exposure: ExposureSettings = ExposureSettings()
    lifecycle: LifecycleSettings = LifecycleSettings()

    @field_validator("seed")
    @classmethod
    def _seed(cls, v: str | None) -> str | None:
        if v is not None and v not in SEED_ALIASES:
            raise ValueError(f"unknown seed {v!r}; expected one of {', '.join(SEED_ALIASES)}")
        return v

    @field_validator("severity_defaults")
    @classmethod
    def _severity_defaults(cls, v: dict[str, str]) -> dict[str, str]:
        known = vocabulary().list_types
        for list_type, severity in v.items():
            if list_type not in known or known[list_type].incentive:
                raise ValueError(f"unknown punitive list type {list_type!r}; expected some of {sorted(known)}")
            if severity not in values(Severity):
                raise ValueError(f"{list_type}: unknown severity {severity!r}; expected {sorted(values(Severity))}")
        return v

    @field_validator("key_domains")
    @classmethod
    def _key_domains(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        known = vocabulary().domains
        seen: dict[str, str] = {}
        for key, domains in v.items():
            for domain in domains:
                if domain not in known or domain == "other":
                    raise ValueError(f"key domain {key}: {domain!r} is not a domain that can count")
                if seen.setdefault(domain, key) != key:
                    raise ValueError(f"domain {domain} is in key domains {seen[domain]} and {key}")
        return v

    def setting(self, rule_id: str) -> RuleSettings:
        return self.rules.get(rule_id, RuleSettings())

    def enabled(self, rule_id: str) -> bool:
        return self.setting(rule_id).enabled


def check_rules(profile: Profile, table: RuleTable = RULES, vocab: Vocabulary | None = None) -> None:
    """Every rule the profile names is in the table; every enabled one has a compilable shape, parameters
    of that shape and effects the vocabulary knows. Raises ProfileError naming what to fix."""
    vocab = vocab or vocabulary()
    problems: list[str] = []
    unknown = sorted(set(profile.rules) - set(table))
    if unknown:
        problems.append(f"unknown rule id(s) {unknown}; the rule table has {', '.join(table)}")
    for rule_id, setting in profile.rules.items():
        spec = table.get(rule_id)
        if spec is None or not setting.enabled:
            continue
        shape = SHAPES.get(spec.shape)
        if shape is None:
            problems.append(f"rule {rule_id} has shape {spec.shape!r}, which no store compiles")
            continue
        allowed = set(shape.parameters) | (set(TRIGGER_PARAMETERS) if shape.needs_trigger else set())
        foreign = sorted(set(setting.parameters()) - allowed)
        if foreign:
            problems.append(
                f"rule {rule_id} ({spec.shape.value}) takes no {', '.join(foreign)}; "
                f"it takes {', '.join(sorted(allowed)) or 'no parameters'}"
            )
        missing = sorted(code for code in spec.effects.values() if code not in vocab.effects)
        if missing:
            problems.append(
                f"rule {rule_id} emits unknown effect(s) {missing}: add them to graphsvc/data/effects.yaml "
                "with labels, warning list and verdicts"
            )
    strangers = sorted(set(profile.lifecycle.publication.effect_audience) - set(vocab.effects))
    if strangers:
        problems.append(
            f"lifecycle.publication.effect_audience names unknown effect(s) {strangers}; "
            f"graphsvc/data/effects.yaml has {', '.join(vocab.effects)}"
        )
    if problems:
        raise ProfileError(f"profile {profile.name!r}: " + "; ".join(problems))


def parse_profile(
    name: str, text: str, origin: str, *, table: RuleTable = RULES, vocab: Vocabulary | None = None
) -> Profile:
    """A profile from YAML text, checked against a rule table (the bundled one unless given)."""
    try:
        raw: Any = yamlio.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"profile {name!r} ({origin}) is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"profile {name!r} ({origin}) must be a YAML mapping")
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ProfileError(f"profile {name!r} ({origin}) is invalid: {problems}") from exc
    check_rules(profile, table, vocab)
    return profile


@cache
def load_profile(name: str) -> Profile:
    """A bundled profile by name, or a profile YAML file by path."""
    path = Path(name)
    if path.suffix in {".yaml", ".yml"}:
        if not path.is_file():
            raise ProfileError(f"profile file {name} does not exist")
        return parse_profile(path.stem, path.read_text(encoding="utf-8"), str(path))
    if name not in PROFILE_NAMES:
        raise ProfileError(f"unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)} or a .yaml path")
    resource = resources.files("graphsvc").joinpath(f"profiles/{name}.yaml")
    return parse_profile(name, resource.read_text(encoding="utf-8"), f"graphsvc/profiles/{name}.yaml")
