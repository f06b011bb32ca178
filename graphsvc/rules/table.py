"""The rule table: one authoritative row per rule (design.md §4, requirements.md §3 and §9.3-9.4).

Each row says what triggers the rule, whom it reaches, what it derives, which parameters a profile may set,
and where the seeds say so. Stores evaluate the rules from these rows (the propagation rules are data: a
trigger and a reach), so the embedded store and the Neo4j store cannot drift apart on who is reached.

Guard-rails from requirements.md §9.3: propagation is one hop and role-scoped (no transitive closure);
directors, shareholders and registered practitioners are never reached by topology alone, only with a
responsibility finding (负有直接责任) for the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from graphsvc.vocab import ListType, RoleType, Severity, SubjectKind

SEED_FILES: Mapping[str, str] = MappingProxyType(
    {
        "000": "000_b08c95f030e247d0.txt",
        "001": "001_95e10c6f0a5e8f14.txt",
        "002": "002_3b4a10224da3ed66.txt",
        "003": "003_0578615f9cdb2c76.txt",
        "004": "004_395813c5286c50d3.txt",
    }
)

# "Untrustworthy subject" (失信主体, PROP-07): on any of the joint-punishment lists. The focus list is below the
# black-list threshold (LST-12) and the abnormal-operation directory is a registry status, so neither counts.
UNTRUSTWORTHY_LIST_TYPES: tuple[str, ...] = (
    ListType.BLACK,
    ListType.SERIOUS_ILLEGAL,
    ListType.COURT_DEFAULTER,
    ListType.MAJOR_TAX_CASE,
    ListType.LISTED_COMPANY_VIOLATION,
    ListType.SAFETY_PRODUCTION,
    ListType.FINANCE_SERIOUS,
    ListType.GOV_DISHONESTY,
)
_ORGANISATIONS: tuple[str, ...] = (
    SubjectKind.ENTERPRISE,
    SubjectKind.SOCIAL_ORG,
    SubjectKind.PUBLIC_INSTITUTION,
    SubjectKind.GOVERNMENT,
)


@dataclass(frozen=True)
class Reach:
    """Whom an organisation → person rule reaches, one hop from the listed organisation."""

    roles: tuple[str, ...]  # holders of these roles on the role date are reached
    roles_with_finding: tuple[str, ...] = ()  # holders reached only with a finding for the entry
    finding_alone: bool = False  # any person with a finding for the entry is reached, whatever their role


@dataclass(frozen=True)
class Trigger:
    """Which in-force entries set the rule off (profiles may override kinds and list types)."""

    subject_kinds: tuple[str, ...]
    list_types: tuple[str, ...] | None = None  # None: any list type except red
    severity: str | None = None  # required severity, or None for any


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    title_zh: str
    trigger_text: str
    targets_text: str
    effects: tuple[str, ...]  # effect codes the rule emits; the first is the main one
    requirements: tuple[str, ...]
    sources: Mapping[str, str]  # seed alias -> section in that seed
    trigger: Trigger | None = None
    reach: Reach | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)  # parameter -> meaning and default
    explanation: str = ""  # str.format template over a derived record's fields

    def citation(self, seed_alias: str | None) -> str:
        """Requirement ids plus the seed file and section(s) behind them, for one profile's seed."""
        ids = "/".join(self.requirements)
        if seed_alias is not None and seed_alias in self.sources:
            return f"{ids}; {SEED_FILES[seed_alias]} {self.sources[seed_alias]}"
        return ids + "; " + "; ".join(f"{SEED_FILES[a]} {s}" for a, s in sorted(self.sources.items()))


_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        id="P1",
        title="Organisation's serious entry recorded in responsible persons' credit records",
        title_zh="严重失信行为记入法定代表人、主要负责人和其他负有直接责任人员的个人信用记录",
        trigger_text="an organisation has an in-force serious entry",
        targets_text="its legal representative and main person in charge on the role date, and every person "
        "with a responsibility finding for the entry",
        effects=("personal_credit_record",),
        requirements=("PROP-01", "PROP-02"),
        sources={
            "000": "(十五)",
            "001": "三(七)",
            "002": "任务12",
            "003": "三(六)",
            "004": "JI(十一), MB 第二十九條",
        },
        trigger=Trigger(
            subject_kinds=(SubjectKind.ENTERPRISE, SubjectKind.SOCIAL_ORG, SubjectKind.PUBLIC_INSTITUTION),
            severity=Severity.SERIOUS,
        ),
        reach=Reach(
            roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.MAIN_PERSON_IN_CHARGE),
            finding_alone=True,
        ),
        parameters={"trigger_kinds": "organisation kinds whose serious entries propagate (SUB-03)"},
        explanation="{subject_name} ({subject_id}) {via_text} {related_name} ({related_id}) on {role_date}; "
        "{related_name}'s {list_type} entry {source_entry_id} ({severity}) is recorded in the personal credit "
        "record",
    ),
    RuleSpec(
        id="P3",
        title="Market and industry ban on responsible persons",
        title_zh="市场和行业禁入",
        trigger_text="an enterprise has an in-force serious entry (jiangsu: is on a black list)",
        targets_text="its legal representative and main person in charge, and registered practitioners with a "
        "responsibility finding for the entry",
        effects=("market_industry_ban",),
        requirements=("PROP-03",),
        sources={"001": "三(三)", "002": "任务8", "003": "三(二)", "004": "JI(十一)"},
        trigger=Trigger(subject_kinds=(SubjectKind.ENTERPRISE,), severity=Severity.SERIOUS),
        reach=Reach(
            roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.MAIN_PERSON_IN_CHARGE),
            roles_with_finding=(RoleType.REGISTERED_PRACTITIONER,),
        ),
        parameters={"list_types": "list types that trigger the ban (default: any serious entry)"},
        explanation="{subject_name} ({subject_id}) {via_text} {related_name} ({related_id}) on {role_date}; "
        "market and industry ban while {list_type} entry {source_entry_id} is in force",
    ),
    RuleSpec(
        id="P4",
        title="Honours revoked and barred from awards",
        title_zh="撤销荣誉称号，取消参加评先评优资格",
        trigger_text="an enterprise has an in-force serious entry",
        targets_text="its legal representative, person in charge and senior managers, and directors and "
        "shareholders with a responsibility finding for the entry",
        effects=("honours_revoked",),
        requirements=("PROP-04",),
        sources={"001": "三(三)", "002": "任务8", "003": "三(二)"},
        trigger=Trigger(subject_kinds=(SubjectKind.ENTERPRISE,), severity=Severity.SERIOUS),
        reach=Reach(
            roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.PERSON_IN_CHARGE, RoleType.SENIOR_MANAGER),
            roles_with_finding=(RoleType.DIRECTOR, RoleType.SHAREHOLDER),
        ),
        explanation="{subject_name} ({subject_id}) {via_text} {related_name} ({related_id}) on {role_date}; "
        "honours revoked and barred from awards while {list_type} entry {source_entry_id} is in force",
    ),
    RuleSpec(
        id="P5",
        title="Appointment ban after the serious-illegal-enterprise list",
        title_zh="3年内不得担任其他企业的法定代表人、负责人",
        trigger_text="an enterprise has an in-force entry on the serious_illegal list",
        targets_text="its legal representative and person in charge on the determination date; their "
        "appointments as legal representative or person in charge of other enterprises held on the as-of date "
        "are violations",
        effects=("appointment_ban", "appointment_ban_violation"),
        requirements=("PROP-05",),
        sources={"001": "三(三)"},
        trigger=Trigger(subject_kinds=(SubjectKind.ENTERPRISE,), list_types=(ListType.SERIOUS_ILLEGAL,)),
        reach=Reach(roles=(RoleType.LEGAL_REPRESENTATIVE, RoleType.PERSON_IN_CHARGE)),
        parameters={
            "ban_years": "length of the ban from the determination date (001: 3年内)",
        },
        explanation="{subject_name} ({subject_id}) {via_text} {origin_name} ({origin_id}) when it was put on "
        "the serious-illegal list by entry {source_entry_id}; may not be legal representative or person in "
        "charge of another enterprise until {valid_until}{violation_text}",
    ),
    RuleSpec(
        id="P6",
        title="Court defaulter may not be legal representative of a public institution",
        title_zh="对失信被执行人，限制其登记为事业单位法定代表人",
        trigger_text="a person has an in-force court_defaulter entry",
        targets_text="that person; their legal-representative roles at public institutions held on the as-of "
        "date are violations",
        effects=("public_institution_lr_ban", "public_institution_lr_violation"),
        requirements=("PROP-06",),
        sources={"001": "三(七)"},
        trigger=Trigger(subject_kinds=(SubjectKind.PERSON,), list_types=(ListType.COURT_DEFAULTER,)),
        explanation="{subject_name} ({subject_id}) is a court defaulter by entry {source_entry_id}; may not be "
        "registered as legal representative of a public institution{violation_text}",
    ),
    RuleSpec(
        id="P7",
        title="Political-treatment and honours restriction on the legal representative",
        title_zh="对失信主体法定代表人在入选党代表、人大代表、政协委员及劳动模范等方面做出惩戒限制",
        trigger_text="an organisation has an in-force entry on a joint-punishment list",
        targets_text="its legal representative on the role date",
        effects=("political_treatment_restriction",),
        requirements=("PROP-07",),
        sources={"003": "三(五)"},
        trigger=Trigger(subject_kinds=_ORGANISATIONS, list_types=UNTRUSTWORTHY_LIST_TYPES),
        reach=Reach(roles=(RoleType.LEGAL_REPRESENTATIVE,)),
        parameters={"list_types": "joint-punishment lists that make a subject 失信主体"},
        explanation="{subject_name} ({subject_id}) {via_text} {related_name} ({related_id}) on {role_date}; "
        "restricted from selection as delegate, deputy, CPPCC member or model worker while {list_type} entry "
        "{source_entry_id} is in force",
    ),
    RuleSpec(
        id="P8",
        title="Actual controllers of related enterprises under key supervision",
        title_zh="严重失信主体（包括关联企业实际控制人）列为重点监管对象",
        trigger_text="an organisation has an in-force serious entry",
        targets_text="the actual controllers, on the as-of date, of the enterprises asserted as related to it "
        "on the as-of date",
        effects=("key_supervision",),
        requirements=("PROP-08", "LST-11"),
        sources={"003": "三(二)"},
        trigger=Trigger(subject_kinds=_ORGANISATIONS, severity=Severity.SERIOUS),
        explanation="{subject_name} ({subject_id}) is actual controller of {related_name} ({related_id}), a "
        "related enterprise of {origin_name} ({origin_id}) whose {list_type} entry {source_entry_id} is "
        "serious; key supervision",
    ),
    RuleSpec(
        id="W1",
        title="Big-data warning: focus lists in several distinct domains",
        title_zh="在3个以上不同的重点领域被列入重点关注名单的主体转入大数据警示名单",
        trigger_text="a subject has in-force focus entries in at least min_domains distinct domains",
        targets_text="the subject",
        effects=("big_data_warning",),
        requirements=("LST-14",),
        sources={"001": "四(六)"},
        parameters={"min_domains": "distinct domains needed (001: 3个以上, read as >= 3)"},
        explanation="{subject_name} ({subject_id}) has in-force focus entries in {domain_count} distinct "
        "domains ({domains}); big-data warning",
    ),
    RuleSpec(
        id="W2",
        title="Focus-listed subject with a serious act: black-list candidate",
        title_zh="重点关注名单主体有效期内发生严重失信行为的，按照黑名单认定标准转入黑名单",
        trigger_text="an in-force focus entry and an in-force serious entry of the same subject whose act date "
        "lies within the focus entry's validity",
        targets_text="the subject, as a black-list candidate for the focus entry's designating department",
        effects=("black_list_candidate",),
        requirements=("LST-15",),
        sources={"001": "四(六)"},
        explanation="{subject_name} ({subject_id}) committed the serious act of entry {source_entry_id} on "
        "{role_date}, while focus entry {related_entry_id} was valid; black-list candidate for {department} "
        "(the black-list criteria and prior notice still apply)",
    ),
    RuleSpec(
        id="W3",
        title="Red/black conflict",
        title_zh="红黑名单交叉比对",
        trigger_text="a subject has an in-force black entry and a red entry",
        targets_text="the subject: a red entry determined before the black entry is removed from force; one "
        "determined while the black entry was in force is refused",
        effects=("red_removed", "red_refused"),
        requirements=("LST-07", "LST-10"),
        sources={"001": "二(一), 三(一)", "004": "JI(六)"},
        explanation="{subject_name} ({subject_id}) has black entry {source_entry_id} in force since "
        "{valid_from}; red entry {related_entry_id} {conflict_text}",
    ),
    RuleSpec(
        id="W4",
        title="Post-exit key monitoring",
        title_zh="退出黑名单主体仍应作为信用重点监测对象",
        trigger_text="a black entry has exited",
        targets_text="the subject",
        effects=("post_exit_monitoring",),
        requirements=("EXIT-02",),
        sources={"004": "JI(十七)"},
        parameters={"monitoring_years": "length of monitoring (not stated in the seed: open-ended by default)"},
        explanation="{subject_name} ({subject_id}) exited the black list (entry {source_entry_id}) on "
        "{valid_from}; key credit monitoring",
    ),
)

RULES: Mapping[str, RuleSpec] = MappingProxyType({r.id: r for r in _RULES})

# V1 and V2 are not separate outputs: they decide which entries are in force (graphsvc/rules/validity.py).
VALIDITY_RULES: Mapping[str, str] = MappingProxyType(
    {
        "V1": "VAL-01/VAL-02/EXIT-06: in force from determined_on until valid_until (or the profile's default "
        "validity); expired entries are not published and trigger nothing",
        "V2": "RGT-02 (suspend, 000-003), RGT-03 (continue, 004 JI), RGT-04 (flag and continue, 004 MB): "
        "what an objection_pending entry does while it is verified",
    }
)

RULE_IDS: tuple[str, ...] = tuple(RULES)
