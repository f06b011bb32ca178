"""Statistics by list type, domain, region, department and month; re-evaluation; the audit log export."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from api.inputs import ApiDateTime
from api.models import AuditEvent, EvaluationIn, EvaluationSummary, Statistics
from api.problems import PROBLEM_RESPONSES
from api.queries import to_csv
from api.service import AsOfQuery, CallerDep, ProfileQuery, ServiceDep, require
from api.tiers import Caller, Tier
from api.views import Snapshot
from graphsvc.engine import evaluate
from graphsvc.profiles import load_profile
from graphsvc.stores.base import AUDIT_SCHEMA

router = APIRouter(prefix="/v1", tags=["statistics and administration"])
Dimension = Literal["list_type", "domain", "region", "department", "month"]


def _key(by: str, entry: dict[str, Any], subject_id: str, snapshot: Snapshot, when: dt.date | None) -> str | None:
    if by == "month":
        return when.strftime("%Y-%m") if when else None
    if by == "region":
        row = snapshot.subject_rows.get(subject_id)
        return None if row is None else snapshot.subjects.column("region")[row].as_py()
    value = entry.get(by)
    return None if value is None else str(value)


@router.get("/statistics", response_model=Statistics, responses=PROBLEM_RESPONSES, summary="Counts by a dimension")
def statistics(
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    by: Annotated[Dimension, Query(description="month: of the determination date (entries), of valid_from (records)")],
    as_of: AsOfQuery = None,
    profile: ProfileQuery = None,
) -> Any:
    """Entries in force, derived records and warnings on the date, counted by list type, domain, region,
    department or month; only what the caller's tier may see is counted."""
    name, date = service.reading(request, caller, as_of, profile)
    snapshot, view = service.views.view(name, date)
    entries: Counter[str | None] = Counter()
    derived: Counter[str | None] = Counter()
    warnings: Counter[str | None] = Counter()
    by_rule: Counter[str] = Counter()
    for entry in view.visible_entries(caller.audience):
        entries[_key(by, entry, entry["subject_id"], snapshot, entry["determined_on"])] += 1
    for record in view.visible_records(caller.audience):
        source = snapshot.entries.get(record["source_entry_id"]) or {}
        key = _key(
            by, {**source, "department": record["department"]}, record["subject_id"], snapshot, record["valid_from"]
        )
        derived[key] += 1
        by_rule[record["rule"]] += 1
        if record["warning_list"]:
            warnings[key] += 1
    keys = sorted(set(entries) | set(derived), key=lambda k: (k is None, k or ""))
    rows = [{"key": k, "entries": entries[k], "derived": derived[k], "warnings": warnings[k]} for k in keys]
    service.record_access(request, caller, [])
    return {
        "tier": caller.tier.label,
        "profile": name,
        "as_of": date,
        "by": by,
        "rows": rows,
        "by_rule": dict(sorted(by_rule.items())),
    }


@router.post(
    "/evaluations", response_model=EvaluationSummary, responses=PROBLEM_RESPONSES, summary="Re-evaluate (admin)"
)
def reevaluate(
    request: Request,
    body: EvaluationIn,
    service: ServiceDep,
    caller: Annotated[Caller, require(Tier.ADMIN)],
) -> Any:
    """Evaluate the rules now and store the result as the latest evaluation (what ``graphsvc derived`` and
    ``graphsvc summary`` read). The API's own answers are always evaluated on the current facts."""
    name = service.profile_or_default(body.profile)
    date = service.date_or_today(body.as_of)
    with service.audited_write(request, caller, [], {"profile": name, "as_of": date.isoformat()}) as store:
        evaluation = evaluate(store, load_profile(name), date)
    by_rule = Counter(evaluation.records.column("rule").to_pylist())
    return {
        "profile": name,
        "as_of": date,
        "evaluated_at": evaluation.evaluated_at,
        "records": evaluation.records.num_rows,
        "by_rule": dict(sorted(by_rule.items())),
    }


@router.get(
    "/audit",
    response_model=list[AuditEvent],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **PROBLEM_RESPONSES},
    summary="Export the audit log (admin)",
)
def audit_log(
    request: Request,
    service: ServiceDep,
    caller: Annotated[Caller, require(Tier.ADMIN)],
    since: Annotated[ApiDateTime | None, Query(description="from this time (UTC), inclusive")] = None,
    until: Annotated[ApiDateTime | None, Query(description="to this time (UTC), exclusive")] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Every request that returned personal data or list information, oldest first. Reading the log is
    itself logged."""
    service.record_access(request, caller, [])
    service.audit.flush(all_segments=True)
    with service.access.read() as store:
        table = store.audit_events(_naive_utc(since), _naive_utc(until))
    service.limit_answer(table.num_rows, "audit events", "ask for a shorter period (since, until)")
    events = table.to_pylist()
    if format == "csv":
        return Response(to_csv(events, tuple(AUDIT_SCHEMA.names)), media_type="text/csv; charset=utf-8")
    return events


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)
