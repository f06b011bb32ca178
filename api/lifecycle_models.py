"""Request and response bodies of the lifecycle endpoints (api/routers/lifecycle.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.inputs import ApiDate, CheckedModel


class DeadlineOut(BaseModel):
    name: str
    due: dt.date
    basis: str = Field(description="the rule behind the deadline")
    days_left: int | None = Field(None, description="working days from the answer's date to the deadline")
    overdue: bool = False
    provisional: bool = Field(
        False,
        description="counted over a year the working-day calendar has no official holiday notice for (statutory "
        "holidays only); counted again, and the change recorded, when the notice is added",
    )
    provisional_years: list[int] = Field(default_factory=list, description="the years counted provisionally")


class CaseOut(BaseModel):
    case_id: str
    kind: str = Field(description="objection, appeal, complaint or repair")
    entry_id: str
    state: str = Field(description="objection: open, decided; repair: applied, notice, repaired, refused")
    opened_on: dt.date
    deadlines: list[DeadlineOut]
    detail: dict[str, Any]


class CaseList(BaseModel):
    tier: str
    on: dt.date
    total: int
    items: list[CaseOut]


class ObjectionIn(CheckedModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filer": "某某有限公司",
                    "filed_on": "2024-09-27",
                    "grounds": "inaccurate",
                    "statement": "处罚决定书记载的日期有误",
                    "evidence": ["附件1：行政处罚决定书"],
                }
            ]
        },
    )

    filer: str = Field(min_length=1, max_length=200)
    filed_on: ApiDate
    grounds: Literal["inaccurate", "prohibited_data", "overdue_use", "other"] = Field(
        description="004 MB 第三十一条: inaccurate (与事实不符), prohibited_data (第十四条禁止归集), "
        "overdue_use (超期限使用)"
    )
    statement: str = Field(min_length=1, max_length=4000)
    evidence: list[str] = Field(default_factory=list, max_length=50)
    kind: Literal["objection", "appeal", "complaint"] = "objection"
    against: str | None = Field(None, max_length=64, description="an appeal's decided objection")


class ObjectionDecisionIn(CheckedModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decided_on": "2024-10-15",
                    "outcome": "upheld",
                    "reason": "日期有误",
                    "correction": {"valid_until": "2025-03-01"},
                }
            ]
        },
    )

    decided_on: ApiDate
    outcome: Literal["upheld", "partly_upheld", "rejected"]
    reason: str = Field(min_length=1, max_length=4000)
    correction: dict[str, str | None] | None = Field(
        None,
        description="fields of the entry to correct: domain, severity, act_date, determined_on, valid_until, "
        "legal_basis (the department stays); checked as POST /v1/entries checks an entry (its text and dates, "
        "and the loaders' entry checks)",
    )


class RepairIn(CheckedModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "applied_on": "2025-03-03",
                    "corrected_on": "2024-02-01",
                    "commitment": "承诺不再失信",
                    "evidence": ["整改报告"],
                }
            ]
        },
    )

    applied_on: ApiDate
    corrected_on: ApiDate | None = Field(None, description="the day the act was corrected")
    commitment: str = Field(max_length=4000, description="the written commitment (承诺不再失信)")
    evidence: list[str] = Field(default_factory=list, max_length=50)


class RepairDecisionIn(CheckedModel):
    model_config = ConfigDict(extra="forbid")

    decided_on: ApiDate
    approve: bool
    reason: str = Field(min_length=1, max_length=4000)


class ListingStepIn(CheckedModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"on": "2024-06-03"}]})

    on: ApiDate = Field(description="the day of the step: notice given, public notice starts, entry in force")


class ListingStepOut(BaseModel):
    entry_id: str
    status: str
    since: dt.date
    reply_by: dt.date | None = None
    notice_until: dt.date | None = None
    provisional: bool = Field(False, description="the reply_by / notice_until day is provisional (see DeadlineOut)")
    provisional_years: list[int] = Field(default_factory=list)


class AnnouncementOut(BaseModel):
    kind: str = Field(description="listing_notice, public_notice, repair_notice or exit")
    entry_id: str
    subject_id: str
    list_type: str
    department: str | None
    shown_from: dt.date
    shown_until: dt.date
    text: str
    provisional: bool = Field(False, description="its window was counted provisionally (see DeadlineOut)")


class AnnouncementList(BaseModel):
    tier: str
    on: dt.date
    items: list[AnnouncementOut]
