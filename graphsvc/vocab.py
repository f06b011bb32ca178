"""Names of the canonical data model's vocabularies, for code that must name a value (design.md §3).

Subject kinds, severities, statuses and scopes are fixed by the data model. List types and roles are data:
``graphsvc/data/*.yaml`` (graphsvc/vocabulary.py) says what each means, holds their aliases and is what the
loaders accept; ``ListType`` and ``RoleType`` only name them, and a test holds the two equal.
"""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    """SUB-01, SUB-03: natural persons, legal persons and other organisations."""

    ENTERPRISE = "enterprise"
    SOCIAL_ORG = "social_org"
    PUBLIC_INSTITUTION = "public_institution"
    GOVERNMENT = "government"
    PERSON = "person"


ORGANISATION_KINDS: frozenset[str] = frozenset(k.value for k in SubjectKind if k is not SubjectKind.PERSON)


class RoleType(StrEnum):
    """SUB-09, SUB-10: the role vocabulary; the seeds do not treat these terms as synonyms."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    MAIN_PERSON_IN_CHARGE = "main_person_in_charge"  # 主要负责人
    PERSON_IN_CHARGE = "person_in_charge"  # 负责人
    DIRECTOR = "director"  # 董事
    SUPERVISOR = "supervisor"  # 监事
    SENIOR_MANAGER = "senior_manager"  # 高级管理人员
    SHAREHOLDER = "shareholder"  # 股东 (ratio in percent)
    ACTUAL_CONTROLLER = "actual_controller"  # 实际控制人
    REGISTERED_PRACTITIONER = "registered_practitioner"  # 注册执业人员
    BRANCH_OF = "branch_of"  # 分支机构
    RELATED_ENTERPRISE = "related_enterprise"  # 关联企业 (symmetric, explicitly asserted)


class ListType(StrEnum):
    """The list types of the seeds (红名单, 黑名单, 重点关注名单 …); their meaning: graphsvc/data/list_types.yaml."""

    RED = "red"  # L1 红名单
    BLACK = "black"  # L3 黑名单
    FOCUS = "focus"  # L4 重点关注名单 (001 only)
    COURT_DEFAULTER = "court_defaulter"  # L6 失信被执行人名单
    SERIOUS_ILLEGAL = "serious_illegal"  # L7 严重违法失信企业名单
    ABNORMAL_OPERATION = "abnormal_operation"  # L8 经营异常名录
    MAJOR_TAX_CASE = "major_tax_case"  # L9 重大税收违法案件当事人
    LISTED_COMPANY_VIOLATION = "listed_company_violation"  # L10 违法(失信)上市公司相关责任主体
    SAFETY_PRODUCTION = "safety_production"  # L11 安全生产领域失信生产经营单位
    FINANCE_SERIOUS = "finance_serious"  # L12 涉金融严重失信人名单
    GOV_DISHONESTY = "gov_dishonesty"  # L16 政务失信记录


class Severity(StrEnum):
    """DAT-07: 一般 / 较重 / 严重."""

    GENERAL = "general"
    FAIRLY_SERIOUS = "fairly_serious"
    SERIOUS = "serious"


class EntryStatus(StrEnum):
    """An entry's status; only active entries (and objection-pending ones where the profile lets measures
    continue, V2) are in force. Statuses are valid time: statuses.csv gives their history."""

    CANDIDATE = "candidate"  # proposed by the department, not yet notified
    NOTIFIED = "notified"  # 事前告知: the subject was told and may reply (004 JI(六), 001 三(一))
    PUBLIC_NOTICE = "public_notice"  # 公示: red entries before activation (004 JI(六) 公示无异议)
    ACTIVE = "active"
    OBJECTION_PENDING = "objection_pending"  # RGT-02..04
    SUSPENDED = "suspended"
    REPAIRED = "repaired"  # RGT-06
    REVOKED = "revoked"  # RGT-02, EXIT-05
    EXITED = "exited"  # EXIT-02
    EXPIRED = "expired"  # VAL-01, EXIT-06


# Statuses of the listing workflow, before an entry is in force; they may precede the determination date.
PRE_LISTING_STATUSES: frozenset[str] = frozenset(
    {EntryStatus.CANDIDATE, EntryStatus.NOTIFIED, EntryStatus.PUBLIC_NOTICE}
)
# Statuses with which an entry has left the lists for good: a closed entry never returns to force (EXIT-02/05,
# RGT-06); a new designation is a new entry id.
CLOSED_STATUSES: frozenset[str] = frozenset(
    {EntryStatus.REPAIRED, EntryStatus.REVOKED, EntryStatus.EXITED, EntryStatus.EXPIRED}
)


class Scope(StrEnum):
    """PRV-03: 社会公开 / 政府共享 / 授权查询."""

    PUBLIC = "public"
    GOVERNMENT = "government"
    AUTHORISED = "authorised"


def values(enum: type[StrEnum]) -> frozenset[str]:
    return frozenset(m.value for m in enum)
