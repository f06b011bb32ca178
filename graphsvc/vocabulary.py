"""The vocabulary as data: list types, roles, effects, warning lists and domains (graphsvc/data/*.yaml).

One typed model, read by the loaders (allowed values, aliases, role shapes, severities), the rule compilers
(black-class and incentive lists, the role hierarchy), the decision check (verdicts per effect and action),
the API (``GET /v1/vocabulary``) and the dashboard. Every value that crosses a boundary is a slug of one of
these tables; an alias (a seed's Chinese term, a registry's job title) is turned into its slug on the way in.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graphsvc import yamlio
from graphsvc.errors import ProfileError
from graphsvc.vocab import EntryStatus, Scope, Severity, SubjectKind, values

ACTIONS: tuple[str, ...] = (
    "check",
    "appoint_legal_representative",
    "appoint_person_in_charge",
    "grant_red_incentive",
    "award_honour",
    "admit_to_tender",
)
Verdict = Literal["blocked", "review", "info"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labelled(_Strict):
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


class ListTypeInfo(Labelled):
    incentive: bool = False  # a 守信 (red) list: no severity
    black_class: bool = False  # a joint-punishment list (W3, W4, P7, tender check)
    always_serious: bool = False  # LST-08, LST-09
    max_severity: str | None = None  # LST-12
    default_severity: str | None = None  # when the file leaves severity empty (profiles may override)
    subject_kinds: tuple[str, ...] | None = None  # None: any subject
    validity_told: bool = False  # told to the subject before listing (LST-13), where the profile requires it

    @model_validator(mode="after")
    def _consistent(self) -> ListTypeInfo:
        for name in ("max_severity", "default_severity"):
            value = getattr(self, name)
            if value is not None and value not in values(Severity):
                raise ValueError(f"{name} {value!r} is not a severity; expected one of {sorted(values(Severity))}")
        if self.incentive and (self.black_class or self.default_severity is not None):
            raise ValueError("an incentive list carries no severity and is not black-class")
        if not self.incentive and self.default_severity is None:
            raise ValueError("a punitive list type needs a default_severity")
        unknown = sorted(set(self.subject_kinds or ()) - values(SubjectKind))
        if unknown:
            raise ValueError(f"unknown subject kind(s) {unknown}")
        return self


class RoleInfo(Labelled):
    holders: Literal["person", "any"]
    between: Literal["organisations"] | None = None
    is_a: str | None = None
    ratio: bool = False
    symmetric: bool = False


class TargetVerdict(_Strict):
    """A verdict that depends on the organisation of an appointment."""

    verdict: Verdict
    target_kinds: tuple[str, ...]
    other_than_listed: bool = False  # the listed subject itself gets ``else``
    else_: Verdict = Field(alias="else")


class EffectInfo(Labelled):
    warning_list: str | None = None
    verdicts: dict[str, Verdict | TargetVerdict]
    # The lowest tier that sees the effect's derived records (graphsvc/disclosure.py), and why.
    audience: Literal["public", "government", "authorised"]
    audience_basis: str

    @model_validator(mode="after")
    def _actions(self) -> EffectInfo:
        unknown = sorted(set(self.verdicts) - {*ACTIONS, "otherwise"})
        if unknown:
            raise ValueError(f"unknown action(s) {unknown}; expected some of {[*ACTIONS, 'otherwise']}")
        missing = [a for a in ACTIONS if a not in self.verdicts] if "otherwise" not in self.verdicts else []
        if missing:
            raise ValueError(f"no verdict for action(s) {missing}; name them or give `otherwise`")
        return self

    def verdict(self, action: str) -> Verdict | TargetVerdict:
        return self.verdicts.get(action) or self.verdicts["otherwise"]


class Vocabulary(_Strict):
    list_types: dict[str, ListTypeInfo]
    roles: dict[str, RoleInfo]
    effects: dict[str, EffectInfo]
    warning_lists: dict[str, Labelled]
    domains: dict[str, Labelled]

    @model_validator(mode="after")
    def _references(self) -> Vocabulary:
        for slug, role in self.roles.items():
            if role.is_a is not None and role.is_a not in self.roles:
                raise ValueError(f"role {slug}: is_a {role.is_a!r} is not a role")
        for slug, effect in self.effects.items():
            if effect.warning_list is not None and effect.warning_list not in self.warning_lists:
                raise ValueError(f"effect {slug}: warning_list {effect.warning_list!r} is not a warning list")
        for table in ("list_types", "roles", "domains"):
            seen: dict[str, str] = {}
            for slug, item in getattr(self, table).items():
                for alias in (slug, item.zh, *item.aliases):
                    key = _fold(alias)
                    if seen.setdefault(key, slug) != slug:
                        raise ValueError(f"{table}: {alias!r} names both {seen[key]} and {slug}")
        return self

    # -- the sets rules and checks ask for ------------------------------------------------------------------
    def black_class(self) -> tuple[str, ...]:
        return tuple(s for s, t in self.list_types.items() if t.black_class)

    def incentive(self) -> tuple[str, ...]:
        return tuple(s for s, t in self.list_types.items() if t.incentive)

    def always_serious(self) -> tuple[str, ...]:
        return tuple(s for s, t in self.list_types.items() if t.always_serious)

    def person_only_roles(self) -> tuple[str, ...]:
        return tuple(s for s, r in self.roles.items() if r.holders == "person")

    def organisation_pair_roles(self) -> tuple[str, ...]:
        return tuple(s for s, r in self.roles.items() if r.between == "organisations")

    def symmetric_roles(self) -> tuple[str, ...]:
        return tuple(s for s, r in self.roles.items() if r.symmetric)

    def ratio_roles(self) -> tuple[str, ...]:
        return tuple(s for s, r in self.roles.items() if r.ratio)

    def roles_reaching(self, named: Iterable[str]) -> tuple[str, ...]:
        """The roles a rule that names ``named`` reaches: each named role and every role that is a kind of it."""
        wanted = set(named)
        unknown = sorted(wanted - set(self.roles))
        if unknown:
            raise ProfileError(f"unknown role(s) {unknown}; expected some of {sorted(self.roles)}")
        out = []
        for slug in self.roles:
            chain: str | None = slug
            seen: set[str] = set()
            while chain is not None and chain not in seen:
                if chain in wanted:
                    out.append(slug)
                    break
                seen.add(chain)
                chain = self.roles[chain].is_a
        return tuple(out)

    def severity_defaults(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        """List type → severity of an entry whose file leaves it empty (incentive lists have none)."""
        out = {s: t.default_severity for s, t in self.list_types.items() if t.default_severity is not None}
        out.update(overrides or {})
        return out

    def with_effects(self, extra: Mapping[str, EffectInfo]) -> Vocabulary:
        """This vocabulary with more effects (for a rule table extended by a deployment or a test)."""
        return self.model_copy(update={"effects": {**self.effects, **extra}})

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


def _fold(text: str) -> str:
    """The form aliases are compared in: NFKC (full-width letters and brackets), case-folded, no blanks."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split()).replace("-", "_")


class Resolver:
    """Turns slugs and aliases of one table into slugs; refuses the rest with the nearest match."""

    def __init__(self, what: str, table: Mapping[str, Labelled] | Iterable[str]) -> None:
        self.what = what
        self._slugs: tuple[str, ...] = tuple(table) if isinstance(table, Mapping) else tuple(sorted(table))
        self._by_key: dict[str, str] = {}
        for slug in self._slugs:
            self._by_key[_fold(slug)] = slug
            item = table.get(slug) if isinstance(table, Mapping) else None
            if item is not None:
                for alias in (item.zh, *item.aliases):
                    self._by_key.setdefault(_fold(alias), slug)

    @property
    def slugs(self) -> tuple[str, ...]:
        return self._slugs

    def resolve(self, text: str) -> str | None:
        return self._by_key.get(_fold(text))

    def refusal(self, text: str) -> str:
        """Why ``text`` is refused: the allowed values and, where one is close, the nearest."""
        close = difflib.get_close_matches(_fold(text), list(self._by_key), n=1, cutoff=0.6)
        hint = f"did you mean {self._by_key[close[0]]}? " if close else ""
        return f"unknown {self.what}; {hint}expected one of {', '.join(self._slugs)}"


def _read(name: str) -> Any:
    text = resources.files("graphsvc").joinpath(f"data/{name}.yaml").read_text(encoding="utf-8")
    return yamlio.safe_load(text)


@cache
def vocabulary() -> Vocabulary:
    """The bundled vocabulary (graphsvc/data/list_types.yaml, roles.yaml, effects.yaml, domains.yaml)."""
    effects = _read("effects")
    raw = {
        "list_types": _read("list_types")["list_types"],
        "roles": _read("roles")["roles"],
        "effects": effects["effects"],
        "warning_lists": effects["warning_lists"],
        "domains": _read("domains")["domains"],
    }
    try:
        return Vocabulary.model_validate(raw)
    except ValidationError as exc:  # pragma: no cover - the bundled tables are tested
        raise ProfileError(f"the bundled vocabulary is invalid: {exc}") from exc


@cache
def resolvers() -> dict[str, Resolver]:
    """One resolver per enumerated input column."""
    v = vocabulary()
    return {
        "kind": Resolver("subject kind", values(SubjectKind)),
        "role": Resolver("role", v.roles),
        "list_type": Resolver("list type", v.list_types),
        "domain": Resolver("domain", v.domains),
        "severity": Resolver("severity", values(Severity)),
        "status": Resolver("status", values(EntryStatus)),
        "scope": Resolver("scope", values(Scope)),
    }
