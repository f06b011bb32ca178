"""Derived records and warnings: filters, sorting, paging, CSV export, and the warning lifecycle."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

import pyarrow as pa
from fastapi import APIRouter, Depends, Query, Request, Response

from api import authz
from api.inputs import ApiDate
from api.models import RecordPage, Warning, WarningDecisionIn, WarningPage
from api.problems import PROBLEM_RESPONSES, ApiProblem, documented
from api.queries import (
    RECORD_FIELDS,
    SORTABLE,
    SORTABLE_WARNINGS,
    WARNING_FIELDS,
    RecordFilter,
    parse_sort,
    shown_record,
    sort_rows,
    to_csv,
    warning_row,
)
from api.service import AsOfQuery, CallerDep, ProfileQuery, ServiceDep, require
from api.tiers import Caller, Tier
from api.views import WARNING_LISTS
from graphsvc.rules.table import RULE_IDS
from graphsvc.stores.base import WARNING_EVENT_SCHEMA
from graphsvc.vocabulary import resolvers

router = APIRouter(prefix="/v1", tags=["derived records and warnings"])

NARROWER = (
    "narrow the filters (date_from, date_to, rule, list_type, domain, region, department, subject_id), "
    "or page the JSON answer with offset and limit"
)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "the page, or CSV when format=csv"},
    **PROBLEM_RESPONSES,
}
Many = Annotated[list[str] | None, Query()]


def _sort_pattern(allowed: frozenset[str]) -> dict[str, str]:
    """``sort``: comma-separated fields of ``allowed``, '-' for descending (the schema says which)."""
    field = "|".join(sorted(allowed))
    return {"pattern": rf"^-?({field})(,-?({field}))*$"}


_SORT_HELP = "comma-separated fields, '-' for descending"
SortQuery = Annotated[str | None, Query(description=_SORT_HELP, json_schema_extra=_sort_pattern(SORTABLE))]
SortWarningsQuery = Annotated[
    str | None, Query(description=_SORT_HELP, json_schema_extra=_sort_pattern(SORTABLE_WARNINGS))
]


def record_filter(
    rule: Many = None,
    list_type: Annotated[list[str] | None, Query(description="list type of the source entry")] = None,
    domain: Annotated[list[str] | None, Query(description="domain of the source entry")] = None,
    region: Annotated[list[str] | None, Query(description="region of the subject")] = None,
    department: Many = None,
    subject_id: str | None = None,
    date_from: Annotated[ApiDate | None, Query(description="records in force on or after this date")] = None,
    date_to: Annotated[ApiDate | None, Query(description="records in force on or before this date")] = None,
) -> RecordFilter:
    """The filters derived records and warnings share (one dependency, one set of documented parameters).
    List types and domains may be named by slug or alias; an unknown rule, list type or domain is refused, not
    answered with an empty page."""
    if date_from and date_to and date_from > date_to:
        raise ApiProblem(400, "Bad date range", f"date_from {date_from} is after date_to {date_to}")
    unknown_rules = sorted(set(rule or []) - set(RULE_IDS))
    if unknown_rules:
        raise ApiProblem(
            400, "Unknown rule", f"unknown rule {', '.join(unknown_rules)}; choose any of {', '.join(RULE_IDS)}"
        )
    return RecordFilter(
        rules=rule or [],
        list_types=_slugs("list_type", list_type),
        domains=_slugs("domain", domain),
        regions=region or [],
        departments=department or [],
        subject_id=subject_id,
        date_from=date_from,
        date_to=date_to,
    )


def _slugs(column: str, given: list[str] | None) -> list[str]:
    resolver = resolvers()[column]
    slugs: list[str] = []
    for text in given or []:
        slug = resolver.resolve(text)
        if slug is None:
            raise ApiProblem(400, f"Unknown {resolver.what}", f"{column}={text!r}: {resolver.refusal(text)}")
        slugs.append(slug)
    return slugs


Filter = Annotated[RecordFilter, Depends(record_filter)]


@router.get("/derived", response_model=RecordPage, responses=CSV_RESPONSE, summary="Derived records, filtered")
def derived_records(
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    flt: Filter,
    as_of: AsOfQuery = None,
    profile: ProfileQuery = None,
    sort: SortQuery = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    format: Literal["json", "csv"] = "json",
) -> Any:
    name, date = service.reading(request, caller, as_of, profile)
    keys = parse_sort(sort, SORTABLE)
    snapshot, view = service.views.view(name, date)
    rows = sort_rows([r for r in view.visible_records(caller.audience) if flt.matches(r, snapshot)], keys)
    if format == "csv":
        service.limit_answer(len(rows), "derived records", NARROWER)
        shown = [shown_record(r, snapshot, caller) for r in rows]
        service.record_access(request, caller, [r["record_id"] for r in shown])
        return Response(to_csv(shown, RECORD_FIELDS), media_type="text/csv; charset=utf-8")
    page = [shown_record(r, snapshot, caller) for r in rows[offset : offset + limit]]
    service.record_access(request, caller, [r["record_id"] for r in page])
    return {
        "tier": caller.tier.label,
        "profile": name,
        "as_of": date,
        "total": len(rows),
        "offset": offset,
        "limit": limit,
        "items": page,
    }


def _warnings(service: Any, caller: Caller, name: str, date: dt.date, flt: RecordFilter) -> tuple[Any, list[Any]]:
    snapshot, view = service.views.view(name, date)
    rows = [
        warning_row(r, snapshot, caller)
        for r in view.visible_records(caller.audience)
        if r["warning_list"] is not None and flt.matches(r, snapshot)
    ]
    if flt.states:
        rows = [r for r in rows if r["state"] in flt.states]
    return snapshot, rows


@router.get("/warnings", response_model=WarningPage, responses=CSV_RESPONSE, summary="Warning lists, filtered")
def warnings(
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    common: Filter,
    as_of: AsOfQuery = None,
    profile: ProfileQuery = None,
    warning_list: Annotated[
        list[str] | None, Query(description=f"one of {', '.join(sorted(set(WARNING_LISTS.values())))}")
    ] = None,
    state: Annotated[list[Literal["new", "confirmed", "dismissed"]] | None, Query()] = None,
    sort: SortWarningsQuery = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    format: Literal["json", "csv"] = "json",
) -> Any:
    name, date = service.reading(request, caller, as_of, profile)
    keys = parse_sort(sort, SORTABLE_WARNINGS)
    lists = sorted(set(WARNING_LISTS.values()))
    unknown = sorted(set(warning_list or []) - set(lists))
    if unknown:
        raise ApiProblem(
            400, "Unknown warning list", f"unknown warning_list {', '.join(unknown)}; choose any of {', '.join(lists)}"
        )
    flt = dataclasses.replace(common, warning_lists=warning_list or [], states=[str(s) for s in state or []])
    _, rows = _warnings(service, caller, name, date, flt)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["warning_list"]] = counts.get(row["warning_list"], 0) + 1
    rows = sort_rows(rows, keys)
    if format == "csv":
        service.limit_answer(len(rows), "warnings", NARROWER.replace("(", "(warning_list, state, "))
        service.record_access(request, caller, [r["warning_id"] for r in rows])
        return Response(to_csv(rows, WARNING_FIELDS), media_type="text/csv; charset=utf-8")
    page = rows[offset : offset + limit]
    service.record_access(request, caller, [r["warning_id"] for r in page])
    return {
        "tier": caller.tier.label,
        "profile": name,
        "as_of": date,
        "total": len(rows),
        "offset": offset,
        "limit": limit,
        "counts": counts,
        "items": page,
    }


@router.post(
    "/warnings/{warning_id}/decision",
    response_model=Warning,
    responses={
        404: documented("no such warning visible to the caller"),
        409: documented("the warning was already decided"),
        **PROBLEM_RESPONSES,
    },
    summary="Confirm or dismiss a warning (government tier)",
)
def decide_warning(
    request: Request,
    warning_id: str,
    body: WarningDecisionIn,
    service: ServiceDep,
    caller: Annotated[Caller, require(Tier.GOVERNMENT)],
    as_of: AsOfQuery = None,
    profile: ProfileQuery = None,
) -> Any:
    """A new warning may be confirmed or dismissed once, with a reason; the decision is kept across
    re-evaluations because a warning's id is what it says, not when it was computed."""
    name = service.profile_or_default(profile)
    date = service.date_or_today(as_of)
    _snapshot, view = service.views.view(name, date)
    found = next((r for r in view.visible_records(caller.audience) if r["record_id"] == warning_id), None)
    if found is None or found["warning_list"] is None:
        refused = authz.Refusal(
            404, "No such warning", f"no warning {warning_id!r} visible to you in profile {name} on {date}"
        )
        raise service.refuse(request, caller, refused, [warning_id])
    refusal = authz.record_write(caller, warning_id, found["department"], found["subject_id"], service.regions())
    if refusal is not None:
        raise service.refuse(request, caller, refusal, [warning_id])
    with service.audited_write(request, caller, [warning_id], {"state": body.state}) as store:
        decided = [e for e in store.warning_events().to_pylist() if e["warning_id"] == warning_id]
        if decided:
            last = decided[-1]
            raise ApiProblem(
                409,
                "Already decided",
                f"warning {warning_id} was {last['state']} by {last['actor']} at {last['decided_at']}: "
                "decisions are final and kept as records",
            )
        event = {
            "warning_id": warning_id,
            "state": body.state,
            "reason": body.reason,
            "actor": caller.key_id,
            "decided_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "rule": found["rule"],
            "subject_id": found["subject_id"],
        }
        store.append_warning_events(pa.Table.from_pylist([event], schema=WARNING_EVENT_SCHEMA))
    return warning_row(found, service.views.snapshot(), caller)
