"""The answer of ``POST /v1/loads`` (api/routers/loads.py): the load report, as ``graphsvc load --report`` writes it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.models import ProblemItem
from api.problems import LISTED


class TableCountsOut(BaseModel):
    read: int = Field(description="rows handed to validation")
    inserted: int = Field(description="new facts and new versions")
    superseded: int = Field(description="stored versions a correction closed")
    unchanged: int = Field(description="rows identical to what the store holds")
    rejected: int


class LoadWarningOut(BaseModel):
    kind: str = Field(description="partial_date, ratio_scale, shares_over_100, ignored_field, default_scope …")
    file: str
    row: int | None
    pointer: str | None = Field(description="JSON pointer into the file, for FtM and BODS")
    column: str | None
    value: str | None
    message: str
    count: int = Field(description="rows this warning stands for")


class LoadReportOut(BaseModel):
    format: str
    source: str = Field(description="what the store records as the batch's source: the key and the file name")
    loaded: bool
    batch_id: int | None
    recorded_at: str | None
    encodings: dict[str, str] = Field(description="input file -> the encoding it was read in")
    files: dict[str, int] = Field(description="input file -> records read")
    tables: dict[str, TableCountsOut]
    warnings_by_kind: dict[str, int]
    warnings: list[LoadWarningOut] = Field(
        description=f"the first {LISTED} warnings (warnings_by_kind counts them all)"
    )
    warnings_not_listed: int = Field(0, description="further warnings, not listed")
    problems: list[ProblemItem] = Field(description=f"the first {LISTED} rows left out (skip_invalid): where and why")
    problems_not_listed: int = Field(0, description="further rows left out, not listed")
    role_titles: dict[str, list[str]] = Field(description="title as written -> the roles stored for it")
    seconds: float
