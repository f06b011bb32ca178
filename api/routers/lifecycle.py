"""Objections, repairs, the listing steps and the announcements: thin handlers over graphsvc/lifecycle/.

Who may do what: any government-tier key may file an objection or a repair application for an entry it can see
(the platform takes them in for the subject); only the entry's department (or a key delegated for it, or admin)
decides them and takes the listing steps (api/authz.py). A key with a region takes any of these steps only for
subjects within its region. An entry the caller cannot see answers as unknown. Every step is dated by the
service's clock (graphsvc/lifecycle/clock.py): not after the service date, not before the entry's last step,
and at most GRAPHSVC_LATE_ENTRY_DAYS before the service date (422 otherwise).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api import authz
from api.inputs import ApiDate
from api.lifecycle_models import (
    AnnouncementList,
    CaseList,
    CaseOut,
    ListingStepIn,
    ListingStepOut,
    ObjectionDecisionIn,
    ObjectionIn,
    RepairDecisionIn,
    RepairIn,
)
from api.problems import PROBLEM_RESPONSES, ApiProblem, documented
from api.service import ServiceDep, require
from api.tiers import Caller, Tier
from graphsvc.calendar import WorkingCalendar, load_calendar
from graphsvc.disclosure import Disclosure
from graphsvc.lifecycle import listing, objections, publication, repairs
from graphsvc.lifecycle.cases import Case, CaseConflict, CaseKind, NotEligible, UnknownCase
from graphsvc.lifecycle.clock import StepDateRefused
from graphsvc.profiles import Profile, load_profile
from graphsvc.stores.base import GraphStore
from loaders.entry_check import check_entry

router = APIRouter(prefix="/v1", tags=["lifecycle"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: documented("no such entry or case, or one the caller may not see"),
    409: documented("the case or entry is not in a state that allows the step"),
    422: documented("the policy's conditions are not met; errors lists each"),
    **PROBLEM_RESPONSES,
}
Caller_ = Annotated[Caller, require(Tier.GOVERNMENT)]


@contextlib.contextmanager
def _answers() -> Iterator[None]:
    """The domain's refusals as problems: unknown 404, wrong state 409, unmet conditions 422 with each."""
    try:
        yield
    except UnknownCase as exc:
        raise ApiProblem(404, "Not found", str(exc)) from exc
    except CaseConflict as exc:
        raise ApiProblem(409, "Not allowed now", str(exc)) from exc
    except NotEligible as exc:
        errors = [{"field": "conditions", "reason": c} for c in exc.conditions]
        raise ApiProblem(422, "Conditions not met", str(exc), errors) from exc
    except StepDateRefused as exc:
        raise ApiProblem(422, "Date not allowed", str(exc)) from exc


def _settings(service: Any) -> tuple[Profile, WorkingCalendar]:
    profile = load_profile(service.settings.profile)
    return profile, load_calendar().with_profile(profile.calendar)


def _entry(
    store: GraphStore, service: Any, request: Request, caller: Caller, entry_id: str, regions: authz.RegionOf
) -> dict[str, Any]:
    """The entry, if the caller may see it (else the answer for an unknown id) and write about its subject's region
    (``regions``: Service.regions(), taken before the write began)."""
    entry = store.current_entry(entry_id)
    if entry is None or not authz.may_read(caller, entry["scope"], entry["subject_id"]):
        raise service.refuse(request, caller, authz.unknown_entry(entry_id), [entry_id])
    refusal = authz.region_write(caller, f"entry {entry_id}", entry["subject_id"], regions)
    if refusal is not None:
        raise service.refuse(request, caller, refusal, [entry_id])
    return entry


def _decider(
    store: GraphStore, service: Any, request: Request, caller: Caller, entry_id: str, regions: authz.RegionOf
) -> None:
    refusal = authz.existing_entry_write(caller, entry_id, store.current_entry(entry_id), regions)
    if refusal is not None:
        raise service.refuse(request, caller, refusal, [entry_id])


def _case(case: Case, on: dt.date, calendar: WorkingCalendar) -> dict[str, Any]:
    deadlines = [
        {
            **dataclasses.asdict(d),
            "days_left": calendar.working_days_between(on, d.due),
            "overdue": case.is_open and d.due < on,
        }
        for d in case.deadlines
    ]
    state = repairs.state_on(case, on) if case.kind is CaseKind.REPAIR else case.state
    detail = {k: v for k, v in case.detail.items() if k != "deadlines"}
    return {
        "case_id": case.case_id,
        "kind": case.kind.value,
        "entry_id": case.entry_id,
        "state": state,
        "opened_on": case.opened_on,
        "deadlines": deadlines,
        "detail": detail,
    }


# -- objections ----------------------------------------------------------------------------------------------------
@router.post(
    "/entries/{entry_id}/objections",
    response_model=CaseOut,
    status_code=201,
    responses=RESPONSES,
    summary="File an objection, appeal or complaint (异议, 申诉, 投诉)",
)
def file_objection(request: Request, entry_id: str, body: ObjectionIn, service: ServiceDep, caller: Caller_) -> Any:
    """The entry is objection_pending from filed_on (in valid time); the answer carries the working-day deadlines
    (004 MB 第三十二条: 10 to review, 5 to verify)."""
    profile, calendar = _settings(service)
    filing = objections.Filing(
        entry_id,
        body.filed_on,
        body.filer,
        objections.Ground(body.grounds),
        body.statement,
        tuple(body.evidence),
        CaseKind(body.kind),
        body.against,
    )
    regions = service.regions()
    with service.audited_write(request, caller, [entry_id]) as store, _answers():
        _entry(store, service, request, caller, entry_id, regions)
        case = objections.file(
            store, filing, actor=caller.key_id, profile=profile, calendar=calendar, clock=service.settings.clock()
        )
    return _case(case, body.filed_on, calendar)


@router.post(
    "/objections/{objection_id}/decision",
    response_model=CaseOut,
    responses=RESPONSES,
    summary="Decide an objection (the entry's department)",
)
def decide_objection(
    request: Request, objection_id: str, body: ObjectionDecisionIn, service: ServiceDep, caller: Caller_
) -> Any:
    """upheld: corrects the entry (with a correction) or revokes it; partly_upheld: corrects it; rejected: keeps
    it. The status before the objection returns from decided_on; an upheld one is republished within 3 working
    days in the original scope."""
    profile, calendar = _settings(service)
    regions = service.regions()
    with service.audited_write(request, caller, [objection_id]) as store, _answers():
        case = objections.get(store, objection_id)
        _entry(store, service, request, caller, case.entry_id, regions)
        _decider(store, service, request, caller, case.entry_id, regions)
        decided = objections.decide(
            store,
            objection_id,
            decided_on=body.decided_on,
            outcome=objections.Outcome(body.outcome),
            reason=body.reason,
            correction=body.correction,
            actor=caller.key_id,
            profile=profile,
            calendar=calendar,
            clock=service.settings.clock(),
            check=check_entry,
        )
    return _case(decided, body.decided_on, calendar)


def _visible(store: GraphStore, service: Any, caller: Caller, cases: list[Case]) -> list[Case]:
    """The cases of entries the caller may see on the service's date: an entry that left force is the archive, for
    the authorised and admin tiers and the entry's own department (graphsvc/disclosure.py)."""
    profile = load_profile(service.settings.profile)
    disclosure = Disclosure.of(profile)
    day = service.settings.today()
    seen: dict[str, bool] = {}
    out = []
    for case in cases:
        if case.entry_id not in seen:
            entry = store.current_entry(case.entry_id)
            seen[case.entry_id] = entry is not None and disclosure.entry_visible(
                caller.audience,
                scope=entry["scope"],
                subject_id=entry["subject_id"],
                department=entry["department"],
                archived=publication.archived_on(entry, store.status_history(case.entry_id), day, profile),
            )
        if seen[case.entry_id]:
            out.append(case)
    return out


@router.get(
    "/objections",
    response_model=CaseList,
    responses=PROBLEM_RESPONSES,
    summary="Objections, appeals and complaints, open or overdue",
)
def list_objections(
    request: Request,
    service: ServiceDep,
    caller: Caller_,
    state: Annotated[str | None, Query(pattern="^(open|decided)$")] = None,
    overdue_on: Annotated[
        ApiDate | None, Query(description="only open cases with a deadline passed on this day")
    ] = None,
) -> Any:
    _, calendar = _settings(service)
    on = overdue_on or service.date_or_today(None)
    with service.access.read() as store:
        found = objections.list_cases(store, state=state, overdue_on=overdue_on, on=on)
        cases = _visible(store, service, caller, found)
    service.limit_answer(len(cases), "cases", "ask for one state, or for the cases overdue on a day (overdue_on)")
    service.record_access(request, caller, [c.case_id for c in cases])
    return {"tier": caller.tier.label, "on": on, "total": len(cases), "items": [_case(c, on, calendar) for c in cases]}


# -- repairs -------------------------------------------------------------------------------------------------------
@router.post(
    "/entries/{entry_id}/repairs",
    response_model=CaseOut,
    status_code=201,
    responses=RESPONSES,
    summary="Apply for credit repair (信用修复)",
)
def apply_repair(request: Request, entry_id: str, body: RepairIn, service: ServiceDep, caller: Caller_) -> Any:
    """Checked against every condition of the profile (004 MB 第三十四条); 422 lists each unmet one, and nothing
    is recorded then."""
    profile, calendar = _settings(service)
    application = repairs.Application(
        entry_id, body.applied_on, body.commitment, body.corrected_on, tuple(body.evidence)
    )
    regions = service.regions()
    with service.audited_write(request, caller, [entry_id]) as store, _answers():
        _entry(store, service, request, caller, entry_id, regions)
        case = repairs.apply(store, application, actor=caller.key_id, profile=profile, clock=service.settings.clock())
    return _case(case, body.applied_on, calendar)


@router.post(
    "/repairs/{repair_id}/decision",
    response_model=CaseOut,
    responses=RESPONSES,
    summary="Approve or refuse a repair (the entry's department)",
)
def decide_repair(
    request: Request, repair_id: str, body: RepairDecisionIn, service: ServiceDep, caller: Caller_
) -> Any:
    """An approval starts the public notice (5 working days in Jiangsu); the entry is repaired from the day
    after it ends, and its original goes to the archive."""
    profile, calendar = _settings(service)
    regions = service.regions()
    with service.audited_write(request, caller, [repair_id]) as store, _answers():
        case = repairs.get(store, repair_id)
        _entry(store, service, request, caller, case.entry_id, regions)
        _decider(store, service, request, caller, case.entry_id, regions)
        decided = repairs.decide(
            store,
            repair_id,
            decided_on=body.decided_on,
            approve=body.approve,
            reason=body.reason,
            actor=caller.key_id,
            profile=profile,
            calendar=calendar,
            clock=service.settings.clock(),
        )
    return _case(decided, body.decided_on, calendar)


@router.get("/repairs", response_model=CaseList, responses=PROBLEM_RESPONSES, summary="Repairs and their notices")
def list_repairs(
    request: Request,
    service: ServiceDep,
    caller: Caller_,
    state: Annotated[str | None, Query(pattern="^(applied|notice|repaired|refused)$")] = None,
    on: Annotated[ApiDate | None, Query(description="the day states and days left are read for")] = None,
) -> Any:
    _, calendar = _settings(service)
    day = on or service.date_or_today(None)
    with service.access.read() as store:
        cases = _visible(store, service, caller, repairs.list_cases(store, state=state, on=day))
    service.limit_answer(len(cases), "repairs", "ask for one state")
    service.record_access(request, caller, [c.case_id for c in cases])
    return {
        "tier": caller.tier.label,
        "on": day,
        "total": len(cases),
        "items": [_case(c, day, calendar) for c in cases],
    }


# -- listing steps -------------------------------------------------------------------------------------------------
def _step(request: Request, entry_id: str, service: Any, caller: Caller, run: Any) -> Any:
    regions = service.regions()
    with service.audited_write(request, caller, [entry_id]) as store, _answers():
        _entry(store, service, request, caller, entry_id, regions)
        _decider(store, service, request, caller, entry_id, regions)
        return run(store)


@router.post(
    "/entries/{entry_id}/notice",
    response_model=ListingStepOut,
    responses=RESPONSES,
    summary="Notify the subject before listing (事前告知)",
)
def notify(request: Request, entry_id: str, body: ListingStepIn, service: ServiceDep, caller: Caller_) -> Any:
    profile, calendar = _settings(service)
    return _step(
        request,
        entry_id,
        service,
        caller,
        lambda store: listing.notify(
            store,
            entry_id,
            notified_on=body.on,
            actor=caller.key_id,
            profile=profile,
            calendar=calendar,
            clock=service.settings.clock(),
        ),
    )


@router.post(
    "/entries/{entry_id}/public-notice",
    response_model=ListingStepOut,
    responses=RESPONSES,
    summary="Put a candidate on public notice (公示)",
)
def public_notice(request: Request, entry_id: str, body: ListingStepIn, service: ServiceDep, caller: Caller_) -> Any:
    profile, calendar = _settings(service)
    return _step(
        request,
        entry_id,
        service,
        caller,
        lambda store: listing.public_notice(
            store,
            entry_id,
            from_on=body.on,
            actor=caller.key_id,
            profile=profile,
            calendar=calendar,
            clock=service.settings.clock(),
        ),
    )


@router.post(
    "/entries/{entry_id}/activation",
    response_model=ListingStepOut,
    responses=RESPONSES,
    summary="Put a listed entry in force after its notice",
)
def activate(request: Request, entry_id: str, body: ListingStepIn, service: ServiceDep, caller: Caller_) -> Any:
    profile, _ = _settings(service)
    return _step(
        request,
        entry_id,
        service,
        caller,
        lambda store: listing.activate(
            store, entry_id, on=body.on, actor=caller.key_id, profile=profile, clock=service.settings.clock()
        ),
    )


# -- announcements -------------------------------------------------------------------------------------------------
@router.get(
    "/announcements",
    response_model=AnnouncementList,
    responses=PROBLEM_RESPONSES,
    summary="Listing notices, public notices, repair notices and exit announcements in their window",
)
def announcements(
    request: Request,
    service: ServiceDep,
    caller: Annotated[Caller, require(Tier.PUBLIC)],
    on: Annotated[ApiDate | None, Query(description="the day; default today")] = None,
) -> Any:
    """Public: what the caller's tier may see (an announcement of an entry is shown where the entry's scope is)."""
    profile, _ = _settings(service)
    _, day = service.reading(request, caller, on, None)
    with service.access.read() as store:
        shown = [
            a for a in publication.announcements(store, day, profile) if authz.may_read(caller, a.scope, a.subject_id)
        ]
    service.limit_answer(len(shown), "announcements", "ask for the announcements of one day at a time (on)")
    service.record_access(request, caller, [a.entry_id for a in shown])
    items = [{k: v for k, v in dataclasses.asdict(a).items() if k != "scope"} for a in shown]
    return {"tier": caller.tier.label, "on": day, "items": items}
