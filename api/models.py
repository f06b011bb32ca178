"""Request and response models: the OpenAPI schema is generated from these."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from api.inputs import ApiDate, CheckedModel
from api.settings import max_batch_items
from graphsvc.decisions import Reason  # the domain record, answered as it is
from graphsvc.stores.base import DerivedRecord as DomainDerivedRecord


def _utc(value: dt.datetime) -> dt.datetime:
    """Transaction times are stored as naive UTC; answers carry the offset (RFC 3339)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


UtcDateTime = Annotated[dt.datetime, AfterValidator(_utc)]

# GRAPHSVC_MAX_BATCH_ITEMS, read once: the schema's maxItems and the check are one number. A longer list is refused
# by its length alone, before any item is validated (100,000 empty items once cost a worker 42 s and 894 MB).
MAX_BATCH_ITEMS = max_batch_items()
# Fields of one batch item: its columns and a few unknown ones, which the loaders refuse by name. Each field becomes
# a column of the batch's table, so an item with a million fields would be a table of a million columns.
MAX_ITEM_FIELDS = 50

Verdict = Literal["allowed", "review", "blocked"]
ReasonVerdict = Literal["blocked", "review", "info"]


class ProblemItem(BaseModel):
    file: str | None = None
    row: int | None = Field(None, description="row in the submitted list, counted like a CSV's: first item = 2")
    pointer: str | None = Field(None, description="JSON pointer into a submitted FtM or BODS file")
    column: str | None = None
    value: str | None = None
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None
    errors_not_listed: int | None = Field(
        None, description="further problems, not listed: errors holds the first ones (api/problems.py LISTED)"
    )


class Subject(BaseModel):
    subject_id: str
    kind: str
    name: str | None
    uscc: str | None
    id_number: str | None = Field(description="masked below the authorised tier")
    region: str | None


DatePrecision = Literal["year", "month"]
PRECISION = (
    "the source gave only the year or the month of the date beside it: the date is that period's first day (a start)"
    " or last day (an end); empty for a whole date"
)


class RoleFact(BaseModel):
    source_id: str
    source_name: str | None
    role: str
    target_id: str
    target_name: str | None
    ratio: float | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    title: str | None = Field(
        None, description="the title as the source wrote it (董事长, 执行董事兼总经理), if not the role's own name"
    )
    valid_from_precision: DatePrecision | None = Field(None, description=PRECISION)
    valid_to_precision: DatePrecision | None = Field(None, description=PRECISION)
    recorded_at: UtcDateTime
    superseded_at: UtcDateTime | None = Field(description="set when a later correction replaced this version")


class Entry(BaseModel):
    entry_id: str
    subject_id: str
    list_type: str
    domain: str
    severity: str | None
    department: str | None
    act_date: dt.date | None = None
    determined_on: dt.date | None
    valid_until: dt.date | None
    status: str | None
    status_since: dt.date | None = None
    scope: str | None
    legal_basis: str | None
    act_date_precision: DatePrecision | None = Field(None, description=PRECISION)
    determined_on_precision: DatePrecision | None = Field(None, description=PRECISION)
    valid_until_precision: DatePrecision | None = Field(None, description=PRECISION)
    status_since_precision: DatePrecision | None = Field(None, description=PRECISION)
    published_by: str | None = Field(None, description="a list designated and published elsewhere: who published it")
    published_on: dt.date | None = Field(None, description="a list designated and published elsewhere: when")
    flags: str | None = None


class EntryVersion(Entry):
    recorded_at: UtcDateTime
    superseded_at: UtcDateTime | None


class Finding(BaseModel):
    person_id: str
    entry_id: str
    basis: str | None
    recorded_at: UtcDateTime
    superseded_at: UtcDateTime | None


class DerivedRecord(DomainDerivedRecord):
    """A derived record as the API answers it: the domain record (graphsvc/stores/base.py) with its identity and
    its warning list."""

    record_id: str = Field(description="stable across re-evaluations: the same rule, subject, entries and effect")
    warning_list: str | None = Field(description="the warning list this record belongs to, if it is a warning")


class RolesPage(BaseModel):
    """Which of the subject's role versions ``roles`` holds: at most ``limit`` from ``offset`` (the query's
    ``roles_offset`` and ``roles_limit``), in the order of ``roles``. A hub holds tens of thousands of roles:
    ask for the next page with ``roles_offset=next_offset``."""

    offset: int = Field(description="the position of the first role in roles among all of the subject's, from 0")
    limit: int
    total: int = Field(description="how many role versions the subject has in all, held by it or at it")
    next_offset: int | None = Field(description="roles_offset of the next page; null when this page is the last")
    complete: bool = Field(description="true when roles holds every one of the subject's role versions")


class SubjectProfile(BaseModel):
    subject: Subject
    profile: str
    as_of: dt.date
    tier: str
    roles: list[RoleFact] = Field(
        description="roles held by or at the subject, every version, by valid_from (missing first), role, source, "
        "target and transaction time; one page of them (roles_page)"
    )
    roles_page: RolesPage
    entries_in_force: list[Entry]
    entry_history: list[EntryVersion] = Field(description="every version of the subject's visible entries")
    findings: list[Finding]
    derived: list[DerivedRecord]


class DecisionAnswer(BaseModel):
    subject_id: str
    subject: Subject
    date: dt.date
    profile: str
    action: str
    enterprise_id: str | None
    verdict: Verdict
    reasons: list[Reason]
    tier: str = Field(description="what the caller's tier let the check see (PRV-03)")
    related_risk: dict[str, Any] | None = Field(None, description="related-party exposure level when asked for")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject_id": "P0000042",
                    "subject": {
                        "subject_id": "P0000042",
                        "kind": "person",
                        "name": "张伟",
                        "uscc": None,
                        "id_number": "110101********123X",
                        "region": "110101",
                    },
                    "date": "2026-06-30",
                    "profile": "default",
                    "action": "appoint_legal_representative",
                    "enterprise_id": "91110000MA00000000",
                    "verdict": "blocked",
                    "reasons": [],
                    "tier": "government",
                }
            ]
        }
    )


class BatchItem(CheckedModel):
    """An item of a batch: its fields are the loaders' columns, and unknown ones are refused by the loaders."""

    @model_validator(mode="before")
    @classmethod
    def _few_fields(cls, value: Any) -> Any:
        if isinstance(value, dict) and len(value) > MAX_ITEM_FIELDS:
            raise ValueError(f"has {len(value)} fields; an item has at most {MAX_ITEM_FIELDS}")
        return value


class EntryIn(BatchItem):
    """One entry, with the loaders' columns as text (dates YYYY-MM-DD). Validated like entries.csv.

    A department's own designation starts as ``candidate`` (the default) and is put in force by the listing steps:
    ``POST /v1/entries/{entry_id}/notice`` (事前告知), for a red list ``/public-notice`` (公示), then ``/activation``
    (LST-10, 004 JI(六)). Only a list designated and published elsewhere (the courts' 失信被执行人, a national list,
    a 双公示 feed) may be given in force, with ``published_by`` and ``published_on``: 422 otherwise."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "maxProperties": MAX_ITEM_FIELDS,
            "examples": [
                {
                    "entry_id": "E-2026-000123",
                    "subject_id": "91350100M000100Y43",
                    "list_type": "black",
                    "domain": "food_drug",
                    "severity": "serious",
                    "department": "市场监管局",
                    "act_date": "2026-03-01",
                    "determined_on": "2026-04-01",
                    "scope": "public",
                    "legal_basis": "《食品安全法》第一百三十五条",
                },
                {
                    "entry_id": "(2025)黑0602执1187号/刘某某",
                    "subject_id": "91350100M000100Y43",
                    "list_type": "court_defaulter",
                    "domain": "judicial",
                    "department": "大庆市萨尔图区人民法院",
                    "determined_on": "2025-06-30",
                    "status": "active",
                    "scope": "public",
                    "published_by": "大庆市萨尔图区人民法院",
                    "published_on": "2025-06-30",
                },
            ]
        },
    )

    entry_id: str
    subject_id: str
    list_type: str
    domain: str
    severity: str | None = None
    department: str | None = None
    act_date: str | None = None
    determined_on: str
    valid_until: str | None = None
    status: str = Field("candidate", description="candidate unless the list was designated and published elsewhere")
    status_since: str | None = None
    scope: str
    legal_basis: str | None = None
    published_by: str | None = Field(None, description="a list published elsewhere: the body that published it")
    published_on: str | None = Field(None, description="a list published elsewhere: the day it was published")


class EntryBatchIn(CheckedModel):
    entries: list[EntryIn] = Field(
        min_length=1, max_length=MAX_BATCH_ITEMS, description="at most GRAPHSVC_MAX_BATCH_ITEMS entries (maxItems)"
    )


class FindingIn(BatchItem):
    """A finding that a person bears direct responsibility (负有直接责任) for an organisation's entry."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"maxProperties": MAX_ITEM_FIELDS})

    person_id: str
    entry_id: str
    basis: str | None = None


class FindingBatchIn(CheckedModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "findings": [
                        {"person_id": "P00000042", "entry_id": "E-2026-000123", "basis": "处罚决定书认定其负有直接责任"}
                    ]
                }
            ]
        }
    )

    findings: list[FindingIn] = Field(
        min_length=1, max_length=MAX_BATCH_ITEMS, description="at most GRAPHSVC_MAX_BATCH_ITEMS findings (maxItems)"
    )


class IntakeResult(BaseModel):
    batch_id: int
    recorded_at: UtcDateTime
    inserted: dict[str, int]
    superseded: dict[str, int]
    unchanged: dict[str, int]
    ids: list[str]


StatusValue = Literal["active", "objection_pending", "suspended", "repaired", "revoked", "exited", "expired"]


class StatusChangeIn(CheckedModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "objection_pending", "since": "2026-07-02", "note": "异议申请 2026-07-02"}]
        }
    )

    status: StatusValue
    since: ApiDate = Field(description="the date the new status took effect")
    note: str | None = Field(None, max_length=2000)


class Warning(DerivedRecord):
    warning_id: str
    state: Literal["new", "confirmed", "dismissed"]
    reason: str | None
    decided_by: str | None
    decided_at: UtcDateTime | None


class WarningDecisionIn(CheckedModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"state": "confirmed", "reason": "经核实属实，已推送登记机关"}]}
    )

    state: Literal["confirmed", "dismissed"]
    reason: str = Field(min_length=1, max_length=2000)


class RecordPage(BaseModel):
    tier: str = Field(description="the caller's tier: what the page could show")
    profile: str
    as_of: dt.date
    total: int
    offset: int
    limit: int
    items: list[DerivedRecord]


class WarningPage(BaseModel):
    tier: str = Field(description="the caller's tier: what the page could show")
    profile: str
    as_of: dt.date
    total: int
    offset: int
    limit: int
    counts: dict[str, int] = Field(description="visible warnings by list, before paging")
    items: list[Warning]


class StatisticsRow(BaseModel):
    key: str | None
    entries: int = Field(description="entries in force")
    derived: int = Field(description="derived records")
    warnings: int = Field(description="derived records that are warnings")


class Statistics(BaseModel):
    tier: str = Field(description="the caller's tier: only what it may see is counted")
    profile: str
    as_of: dt.date
    by: str
    rows: list[StatisticsRow]
    by_rule: dict[str, int]


class EvaluationIn(CheckedModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"profile": "daqing", "as_of": "2026-06-30"}]})

    profile: str | None = None
    as_of: ApiDate | None = None


class EvaluationSummary(BaseModel):
    profile: str
    as_of: dt.date
    evaluated_at: UtcDateTime
    records: int
    by_rule: dict[str, int]


class AuditEvent(BaseModel):
    event_id: str
    requested_at: UtcDateTime
    key_id: str
    tier: str
    method: str
    endpoint: str
    parameters: str
    authorisation_ref: str | None
    status: int
    result_ids: str


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "read-only"]
    read_only: str | None = Field(None, description="why the store is served read-only (writes answer 503)")
    store: str
    subjects: int
    generation: dict[str, int]
    audit_quarantined_lines: int = Field(
        0, description="audit journal lines this worker found damaged and moved to quarantine/ (see the log)"
    )


class AuthorisationIn(CheckedModel):
    """A subject's authorisation for 授权查询 (004 管理办法 第二十二條), as given: whom it is given to, for what,
    for how long, and the proof."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "authorisation_id": "AUTH-2026-000042",
                    "subject_id": "P00000042",
                    "grantee": "bank-credit-desk",
                    "purpose": "贷款审批 loan approval",
                    "valid_from": "2026-06-01",
                    "valid_until": "2026-08-31",
                    "proof_kind": "written",
                    "proof_ref": "书面授权书 2026-06-01 第42号",
                }
            ]
        },
    )

    authorisation_id: str | None = Field(
        None, min_length=1, max_length=100, description="the authorisation's own number; default: one is made"
    )
    subject_id: str = Field(min_length=1, max_length=100, description="the subject who authorises")
    grantee: str = Field(min_length=1, max_length=100, description="the API key id (authorised tier) it is given to")
    purpose: str = Field(min_length=1, max_length=500)
    valid_from: ApiDate
    valid_until: ApiDate = Field(description="inclusive")
    proof_kind: Literal["written", "sms"] = Field(description="a written authorisation or an SMS verification")
    proof_ref: str = Field(min_length=1, max_length=500, description="where the proof is kept, or the SMS reference")


class AuthorisationOut(BaseModel):
    authorisation_id: str
    subject_id: str
    grantee: str
    purpose: str
    valid_from: dt.date
    valid_until: dt.date
    proof_kind: Literal["written", "sms"]
    proof_ref: str
    recorded_by: str
    recorded_at: UtcDateTime


class VocabularyAnswer(BaseModel):
    """GET /v1/vocabulary: each table by slug (graphsvc/data/*.yaml), with labels and what the code means."""

    list_types: dict[str, dict[str, Any]]
    roles: dict[str, dict[str, Any]]
    effects: dict[str, dict[str, Any]]
    warning_lists: dict[str, dict[str, Any]]
    domains: dict[str, dict[str, Any]]
    subject_kinds: dict[str, dict[str, Any]]
    rules: dict[str, dict[str, Any]]


# -- investigator analytics ------------------------------------------------------------------------------------------


class AnalyticsCut(BaseModel):
    """One cap or limit that cut an analytics answer (graphsvc.analytics.completeness)."""

    limit: str = Field(description="expand_cap, max_length, max_depth, max_visited, ... (see meaning)")
    value: float = Field(description="the cap's or limit's value in this query")
    meaning: str
    subjects: list[str] = Field(description="where it cut (e.g. the nodes capped), the first by subject id")
    more_subjects: int = Field(description="further subjects where it cut, not listed")


class AnalyticsAnswer(BaseModel):
    """A paths, exposure, ownership or groups answer: the query's own fields (README, "Investigator analytics"),
    and whether it is whole. ``complete: false`` names in ``cut_by`` every cap or limit that left something out;
    "no path" is only said (``no_path: true``) when the search was complete."""

    model_config = ConfigDict(extra="allow")

    complete: bool
    cut_by: list[AnalyticsCut]


class NodeLinkGraph(BaseModel):
    """An analytics answer's subgraph as networkx node-link JSON (``export=json``), for networkx users."""

    model_config = ConfigDict(extra="allow")

    directed: bool
    multigraph: bool
    graph: dict[str, Any]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
