"""The rule table: one authoritative row per rule (docs/policy.md).

Each row names its *shape* (graphsvc/rules/shapes.py), what triggers it, whom it reaches, the effects it
derives, its parameters with their defaults, its explanation and path templates, and the sections of the
policy texts behind it. Both stores compile the rules from these rows through one compiler per shape, so a
new rule of a known shape is a row here and a line in a profile; nothing dispatches on a rule id.

Guard-rails: propagation is one hop and role-scoped (no transitive closure);
directors, shareholders and registered practitioners are never reached by topology alone, only with a
responsibility finding (负有直接责任) for the entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from graphsvc.errors import ProfileError
from graphsvc.rules.shapes import SHAPES, Shape
from graphsvc.vocab import ListType, RoleType, Severity, SubjectKind

# The policy texts (seeds), by alias; 004 bundles three documents under 苏政发〔2018〕23号.
DOCUMENTS: Mapping[str, str] = MappingProxyType(
    {
        "000": "《连平县建立完善守信联合激励和失信联合惩戒制度的实施方案（征求意见稿）》",
        "001": "《大庆市建立完善守信联合激励和失信联合惩戒制度实施方案》",
        "002": "《昆明市关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的工作方案》",
        "003": "周村区《关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的实施意见》"
        "（周政发〔2017〕72号）",
        "004-GI": "《江苏省关于加强政务诚信建设的实施意见》（苏政发〔2018〕23号）",
        "004-JI": "《江苏省关于建立完善守信联合激励和失信联合惩戒制度的实施意见》（苏政发〔2018〕23号）",
        "004-MB": "《江苏省公共信用信息管理办法（试行）》（苏政发〔2018〕23号）",
    }
)
SEED_ALIASES: tuple[str, ...] = ("000", "001", "002", "003", "004")

_ORGANISATIONS: tuple[str, ...] = (
    SubjectKind.ENTERPRISE,
    SubjectKind.SOCIAL_ORG,
    SubjectKind.PUBLIC_INSTITUTION,
    SubjectKind.GOVERNMENT,
)


@dataclass(frozen=True)
class Reach:
    """Whom an organisation → person rule reaches, one hop from the listed organisation.

    Roles are the seeds' words; the role hierarchy (graphsvc/data/roles.yaml ``is_a``) decides which stored
    roles they reach (a 负责人 rule reaches the 主要负责人 too).
    """

    roles: tuple[str, ...]  # holders of these roles on the role date are reached
    roles_with_finding: tuple[str, ...] = ()  # holders reached only with a finding for the entry
    finding_alone: bool = False  # any person with a finding for the entry is reached, whatever their role


@dataclass(frozen=True)
class Trigger:
    """Which in-force entries set the rule off (profiles may override kinds and list types)."""

    subject_kinds: tuple[str, ...]
    list_types: tuple[str, ...] | None = None  # None: see ``black_class``, else any punitive list type
    black_class: bool = False  # the black-class list types of the vocabulary (when list_types is None)
    severity: str | None = None  # required severity, or None for any


@dataclass(frozen=True)
class RuleSpec:
    id: str
    shape: Shape
    title: str
    title_zh: str
    trigger_text: str
    targets_text: str
    effects: Mapping[str, str]  # the shape's outputs -> effect codes (graphsvc/data/effects.yaml)
    requirements: tuple[str, ...]
    sources: Mapping[str, str]  # document key (DOCUMENTS) -> section
    explanation: str  # str.format template over a derived record's fields and the shape's words
    path: str  # str.format template of the edge or path that carried the record, subject first
    trigger: Trigger | None = None
    reach: Reach | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)  # parameter -> default (the shape's parameters)
    parameters: Mapping[str, str] = field(default_factory=dict)  # parameter -> meaning, for users

    def __post_init__(self) -> None:
        shape = SHAPES[self.shape]
        if set(self.effects) != set(shape.outputs):
            raise ProfileError(
                f"rule {self.id}: shape {self.shape.value} emits {list(shape.outputs)}, "
                f"but the row maps {sorted(self.effects)}"
            )
        unknown = sorted(set(self.defaults) - set(shape.parameters))
        if unknown:
            raise ProfileError(f"rule {self.id}: shape {self.shape.value} takes no parameter(s) {unknown}")
        if shape.needs_trigger and self.trigger is None:
            raise ProfileError(f"rule {self.id}: shape {self.shape.value} needs a trigger")
        if shape.needs_reach and self.reach is None:
            raise ProfileError(f"rule {self.id}: shape {self.shape.value} needs a reach")
        unknown_docs = sorted(set(self.sources) - set(DOCUMENTS))
        if unknown_docs:
            raise ProfileError(f"rule {self.id}: unknown source document(s) {unknown_docs}")

    def citation(self, seed_alias: str | None) -> str:
        """Requirement ids plus the document title and section(s) behind them, for one profile's seed."""
        ids = "/".join(self.requirements)
        chosen = [(k, s) for k, s in self.sources.items() if seed_alias is None or k.split("-")[0] == seed_alias]
        if not chosen:
            chosen = list(self.sources.items())
        return ids + "; " + "; ".join(f"{DOCUMENTS[k]}{s}" for k, s in sorted(chosen))


class RuleTable(Mapping[str, RuleSpec]):
    """The rules by id; ``with_rules`` gives a table with more rows (a deployment's or a test's)."""

    def __init__(self, rules: Iterable[RuleSpec]) -> None:
        self._rules: dict[str, RuleSpec] = {}
        for rule in rules:
            if rule.id in self._rules:
                raise ProfileError(f"rule {rule.id} is in the rule table twice")
            self._rules[rule.id] = rule

    def __getitem__(self, rule_id: str) -> RuleSpec:
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def with_rules(self, *rules: RuleSpec) -> RuleTable:
        return RuleTable([*self._rules.values(), *rules])


# Explanation and path pieces every shape provides (graphsvc/rules/shapes.py): {via_text}, {entry} ("[list
# entry]"), {violation_text}, {violation_path}, {domain_count}, {domains}, {conflict_text}, {own_text}.
_PERSON_PATH = "{subject_id} -{via}-> {related_id} {entry}"
_PROPAGATED = "{subject_name} ({subject_id}) {via_text} {related_name} ({related_id}) on {role_date}; "

_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        id="P1",
        shape=Shape.PROPAGATION,
        title="Organisation's serious entry recorded in responsible persons' credit records",
        title_zh="严重失信行为记入法定代表人、主要负责人和其他负有直接责任人员的个人信用记录",
        trigger_text="an organisation has an in-force serious entry",
        targets_text="its legal representative and main person in charge on the role date, and every person "
        "with a responsibility finding for the entry",
        effects={"record": "personal_credit_record"},
        requirements=("PROP-01", "PROP-02"),
        sources={
            "000": "(十五)",
            "001": "三(七)",
            "002": "任务12",
            "003": "三(六)",
            "004-JI": "(十一)",
            "004-MB": "第二十九条",
        },
        trigger=Trigger(
            subject_kinds=(SubjectKind.ENTERPRISE, SubjectKind.SOCIAL_ORG, SubjectKind.PUBLIC_INSTITUTION),
            severity=Severity.SERIOUS,
        ),
        reach=Reach(roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.MAIN_PERSON_IN_CHARGE), finding_alone=True),
        defaults={"reach_requires_finding": False},
        parameters={
            "trigger_kinds": "organisation kinds whose serious entries propagate (SUB-03)",
            "reach_requires_finding": "legal representatives and main persons in charge only with a finding",
        },
        explanation=_PROPAGATED + "{related_name}'s {list_type} entry {source_entry_id} ({severity}) is recorded "
        "in the personal credit record",
        path=_PERSON_PATH,
    ),
    RuleSpec(
        id="P3",
        shape=Shape.PROPAGATION,
        title="Market and industry ban on responsible persons",
        title_zh="市场和行业禁入",
        trigger_text="an enterprise has an in-force serious entry (jiangsu: is on a black list)",
        targets_text="its legal representative and main person in charge, and registered practitioners with a "
        "responsibility finding for the entry",
        effects={"record": "market_industry_ban"},
        requirements=("PROP-03",),
        sources={"001": "三(三)", "002": "任务8", "003": "三(二)", "004-JI": "(十一)"},
        trigger=Trigger(subject_kinds=(SubjectKind.ENTERPRISE,), severity=Severity.SERIOUS),
        reach=Reach(
            roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.MAIN_PERSON_IN_CHARGE),
            roles_with_finding=(RoleType.REGISTERED_PRACTITIONER,),
        ),
        defaults={"reach_requires_finding": False},
        parameters={"list_types": "list types that trigger the ban (default: any serious entry)"},
        explanation=_PROPAGATED + "market and industry ban while {list_type} entry {source_entry_id} is in force",
        path=_PERSON_PATH,
    ),
    RuleSpec(
        id="P4",
        shape=Shape.PROPAGATION,
        title="Honours revoked and barred from awards",
        title_zh="撤销荣誉称号，取消参加评先评优资格",
        trigger_text="an enterprise has an in-force serious entry",
        targets_text="its legal representative, persons in charge (the main person in charge included) and "
        "senior managers, and directors and shareholders with a responsibility finding for the entry",
        effects={"record": "honours_revoked"},
        requirements=("PROP-04",),
        sources={"001": "三(三)", "002": "任务8", "003": "三(二)"},
        trigger=Trigger(subject_kinds=(SubjectKind.ENTERPRISE,), severity=Severity.SERIOUS),
        reach=Reach(
            roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.PERSON_IN_CHARGE, RoleType.SENIOR_MANAGER),
            roles_with_finding=(RoleType.DIRECTOR, RoleType.SHAREHOLDER),
        ),
        defaults={"reach_requires_finding": False},
        explanation=_PROPAGATED + "honours revoked and barred from awards while {list_type} entry "
        "{source_entry_id} is in force",
        path=_PERSON_PATH,
    ),
    RuleSpec(
        id="P5",
        shape=Shape.APPOINTMENT_BAN,
        title="Appointment ban after the serious-illegal-enterprise list",
        title_zh="3年内不得担任其他企业的法定代表人、负责人",
        trigger_text="an enterprise has an in-force entry on the serious_illegal list",
        targets_text="its legal representative and persons in charge (the main person in charge included) on the "
        "determination date; their appointments as legal representative or person in charge (main person in "
        "charge included) of other enterprises held on the as-of date are violations",
        effects={"ban": "appointment_ban", "violation": "appointment_ban_violation"},
        requirements=("PROP-05",),
        sources={"001": "三(三)"},
        trigger=Trigger(subject_kinds=(SubjectKind.ENTERPRISE,), list_types=(ListType.SERIOUS_ILLEGAL,)),
        reach=Reach(roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.PERSON_IN_CHARGE)),
        defaults={
            "ban_years": 3,
            "appointment_roles": (RoleType.LEGAL_REPRESENTATIVE, RoleType.PERSON_IN_CHARGE),
            "appointment_kinds": (SubjectKind.ENTERPRISE,),
        },
        parameters={
            "ban_years": "length of the ban from the determination date (001: 3年内)",
            "appointment_roles": "appointments the ban forbids (001: 法定代表人、负责人)",
            "appointment_kinds": "organisations the ban covers (001: 其他企业)",
        },
        explanation="{subject_name} ({subject_id}) {via_text} {origin_name} ({origin_id}) when it was put on "
        "the serious-illegal list by entry {source_entry_id}; may not be legal representative or person in "
        "charge of another enterprise until {valid_until}{violation_text}",
        path="{subject_id} -{via}-> {origin_id} {entry}{violation_path}",
    ),
    RuleSpec(
        id="P6",
        shape=Shape.PERSON_BAN,
        title="Court defaulter may not be legal representative of a public institution",
        title_zh="对失信被执行人，限制其登记为事业单位法定代表人",
        trigger_text="a person has an in-force court_defaulter entry",
        targets_text="that person; their legal-representative roles at public institutions held on the as-of "
        "date are violations",
        effects={"ban": "public_institution_lr_ban", "violation": "public_institution_lr_violation"},
        requirements=("PROP-06",),
        sources={"001": "三(七)"},
        trigger=Trigger(subject_kinds=(SubjectKind.PERSON,), list_types=(ListType.COURT_DEFAULTER,)),
        defaults={
            "appointment_roles": (RoleType.LEGAL_REPRESENTATIVE,),
            "appointment_kinds": (SubjectKind.PUBLIC_INSTITUTION,),
        },
        explanation="{subject_name} ({subject_id}) is a court defaulter by entry {source_entry_id}; may not be "
        "registered as legal representative of a public institution{violation_text}",
        path="{subject_id} {entry}{violation_path}",
    ),
    RuleSpec(
        id="P7",
        shape=Shape.PROPAGATION,
        title="Political-treatment and honours restriction on the legal representative",
        title_zh="对失信主体法定代表人在入选党代表、人大代表、政协委员及劳动模范等方面做出惩戒限制",
        trigger_text="an organisation has an in-force entry on a joint-punishment (black-class) list",
        targets_text="its legal representative on the role date",
        effects={"record": "political_treatment_restriction"},
        requirements=("PROP-07",),
        sources={"003": "三(五)"},
        trigger=Trigger(subject_kinds=_ORGANISATIONS, black_class=True),
        reach=Reach(roles=(RoleType.LEGAL_REPRESENTATIVE,)),
        defaults={"reach_requires_finding": False},
        parameters={"list_types": "joint-punishment lists that make a subject 失信主体 (default: black-class)"},
        explanation=_PROPAGATED + "restricted from selection as delegate, deputy, CPPCC member or model worker "
        "while {list_type} entry {source_entry_id} is in force",
        path=_PERSON_PATH,
    ),
    RuleSpec(
        id="P8",
        shape=Shape.CONTROLLERS,
        title="Serious subjects' own and related enterprises' actual controllers under key supervision",
        title_zh="严重失信主体（包括关联企业实际控制人）列为重点监管对象",
        trigger_text="an organisation has an in-force serious entry",
        targets_text="its own actual controllers on the as-of date, and the actual controllers, on the as-of "
        "date, of the enterprises asserted as related to it on the as-of date",
        effects={"record": "key_supervision"},
        requirements=("PROP-08", "LST-11"),
        sources={"003": "三(二)"},
        trigger=Trigger(subject_kinds=_ORGANISATIONS, severity=Severity.SERIOUS),
        defaults={"own_controllers": True, "related_controllers": True, "related_kinds": (SubjectKind.ENTERPRISE,)},
        parameters={
            "own_controllers": "reach the listed organisation's own actual controllers (003: 严重失信主体)",
            "related_controllers": "reach the related enterprises' actual controllers (003: 关联企业实际控制人)",
            "related_kinds": "the kinds of related organisation whose controllers are reached (003: 关联企业)",
        },
        explanation="{subject_name} ({subject_id}) is actual controller of {related_name} ({related_id}){own_text}"
        " whose {list_type} entry {source_entry_id} is serious; key supervision",
        path="{origin_id} {entry}{relation_path} <-actual_controller- {subject_id}",
    ),
    RuleSpec(
        id="W1",
        shape=Shape.DOMAIN_COUNT,
        title="Big-data warning: focus lists in several distinct key domains",
        title_zh="在3个以上不同的重点领域被列入重点关注名单的主体转入大数据警示名单",
        trigger_text="a subject has in-force focus entries in at least min_domains distinct key domains",
        targets_text="the subject",
        effects={"warning": "big_data_warning"},
        requirements=("LST-14",),
        sources={"001": "四(六), 五(二)"},
        defaults={"min_domains": 3, "counted_list_types": (ListType.FOCUS,)},
        parameters={
            "min_domains": "distinct key domains needed (001: 3个以上, read as >= 3)",
            "counted_list_types": "the lists counted (001: 重点关注名单)",
        },
        explanation="{subject_name} ({subject_id}) has in-force focus entries in {domain_count} distinct key "
        "domains ({domains}); big-data warning",
        path="{subject_id} [focus {detail}]",
    ),
    RuleSpec(
        id="W2",
        shape=Shape.FOCUS_TO_BLACK,
        title="Focus-listed subject with a serious act: black-list candidate",
        title_zh="重点关注名单主体有效期内发生严重失信行为的，按照黑名单认定标准转入黑名单",
        trigger_text="an in-force focus entry and an in-force serious entry of the same subject whose act date "
        "lies within the focus entry's validity",
        targets_text="the subject, as a black-list candidate for the focus entry's designating department",
        effects={"warning": "black_list_candidate"},
        requirements=("LST-15",),
        sources={"001": "四(六)"},
        defaults={"counted_list_types": (ListType.FOCUS,)},
        explanation="{subject_name} ({subject_id}) committed the serious act of entry {source_entry_id} on "
        "{role_date}, while focus entry {related_entry_id} was valid; black-list candidate for {department} "
        "(the black-list criteria and prior notice still apply)",
        path="{subject_id} {entry} [{related_entry_id}]",
    ),
    RuleSpec(
        id="W3",
        shape=Shape.RED_BLACK_CONFLICT,
        title="Red/black conflict",
        title_zh="红黑名单交叉比对",
        trigger_text="a subject has an in-force black-class entry and a red entry",
        targets_text="the subject: a red entry determined before the black-class entry is removed from force; "
        "one determined while the black-class entry was in force is refused",
        effects={"removed": "red_removed", "refused": "red_refused"},
        requirements=("LST-07", "LST-10"),
        sources={"001": "二(一), 三(一)", "004-JI": "(六)"},
        explanation="{subject_name} ({subject_id}) has {list_type} entry {source_entry_id} in force since "
        "{valid_from}; red entry {related_entry_id} {conflict_text}",
        path="{subject_id} {entry} [{related_entry_id}]",
    ),
    RuleSpec(
        id="W4",
        shape=Shape.POST_EXIT,
        title="Post-exit key monitoring",
        title_zh="退出黑名单主体仍应作为信用重点监测对象",
        trigger_text="a black-class entry has left force by exit, expiry or repair",
        targets_text="the subject, from the day after the entry was last in force",
        effects={"warning": "post_exit_monitoring"},
        requirements=("EXIT-02",),
        sources={"004-JI": "(十七)"},
        defaults={"monitoring_years": None},
        parameters={"monitoring_years": "length of monitoring (not stated in the seed: open-ended by default)"},
        explanation="{subject_name} ({subject_id}) left the {list_type} list (entry {source_entry_id}) on "
        "{valid_from}; key credit monitoring",
        path="{subject_id} {entry}",
    ),
)

RULES: RuleTable = RuleTable(_RULES)

# V1 and V2 are not separate outputs: they decide which entries are in force (every shape's prologue).
VALIDITY_RULES: Mapping[str, str] = MappingProxyType(
    {
        "V1": "VAL-01/VAL-02/EXIT-06: in force from determined_on until valid_until (or the profile's default "
        "validity); expired entries are not published and trigger nothing",
        "V2": "RGT-02 (suspend, 000-003), RGT-03 (continue, 004 JI), RGT-04 (flag and continue, 004 MB): "
        "what an objection_pending entry does while it is verified",
    }
)

RULE_IDS: tuple[str, ...] = tuple(RULES)
