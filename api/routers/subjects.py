"""Subject profile and the decision check (应查必查)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api import authz
from api.inputs import ApiDate
from api.models import DecisionAnswer, RolesPage, SubjectProfile
from api.problems import PROBLEM_RESPONSES, ApiProblem, documented
from api.queries import shown_record
from api.service import CallerDep, ProfileQuery, Service, ServiceDep
from api.tiers import Caller, Tier
from api.views import DateView, Snapshot, mask_text, masked_subject
from graphsvc.decisions import Action, decide, parse_action
from graphsvc.disclosure import person_shown
from graphsvc.lifecycle.publication import retained
from graphsvc.profiles import load_profile
from graphsvc.vocab import SubjectKind

router = APIRouter(prefix="/v1", tags=["subjects and decisions"])
NOT_FOUND = {404: documented("no such subject"), **PROBLEM_RESPONSES}
ROLES_LIMIT = 50  # role versions per profile unless the caller asks for more (up to ROLES_LIMIT_MAX), as /v1/derived
ROLES_LIMIT_MAX = 1000
RolesOffset = Annotated[
    int, Query(ge=0, description="the first role version to show, counted from 0; roles_page.next_offset is the next")
]
RolesLimit = Annotated[
    int, Query(ge=1, le=ROLES_LIMIT_MAX, description=f"at most this many role versions (default {ROLES_LIMIT})")
]


def _subject(
    snapshot: Snapshot, view: DateView, subject_id: str, caller: Caller, what: str = "subject"
) -> dict[str, Any]:
    """The subject as the caller may see it; a subject the caller may not see is answered as an unknown id."""
    subject = snapshot.subject(subject_id)
    if subject is None or not shown(view, subject, caller):
        raise ApiProblem(404, "No such subject", f"no current {what} {subject_id!r}; check the id (USCC or person id)")
    return masked_subject(subject, names=caller.masks_names, id_numbers=caller.masks_id_numbers)


def shown(view: DateView, subject: dict[str, Any], caller: Caller) -> bool:
    """Organisations are registry data, public; a person is shown to the public only while something the public
    may see about them is in force on the date (graphsvc/disclosure.py)."""
    audience = caller.audience
    sid = subject["subject_id"]
    is_person = subject["kind"] == SubjectKind.PERSON
    if not is_person or caller.tier is not Tier.PUBLIC:
        return True
    visible = bool(view.subject_entries(sid, audience) or view.subject_records(sid, audience))
    return person_shown(audience, is_person=is_person, anything_visible=visible)


def _covered(service: Service, request: Request, caller: Caller, subject_id: str) -> None:
    """On the authorised tier, the authorisation must cover the subject asked about (授权查询 is per subject)."""
    if caller.tier is Tier.AUTHORISED and subject_id not in (caller.authorised_subjects or ()):
        refusal = authz.Refusal(
            403,
            "Authorisation does not cover this subject",
            f"authorisation {caller.authorisation_ref!r} does not cover subject {subject_id!r}; send the id of "
            "an authorisation in force for that subject",
        )
        raise service.refuse(request, caller, refusal, [subject_id])


# A finding of an entry with no current version: shown to no one.
_UNKNOWN: dict[str, Any] = {"entry_id": "", "scope": None, "subject_id": None, "department": None}


@router.get("/subjects/{subject_id}", response_model=SubjectProfile, responses=NOT_FOUND, summary="Subject profile")
def subject_profile(
    request: Request,
    subject_id: str,
    service: ServiceDep,
    caller: CallerDep,
    as_of: Annotated[ApiDate | None, Query(description="date of the entries in force and derived records")] = None,
    profile: ProfileQuery = None,
    roles_offset: RolesOffset = 0,
    roles_limit: RolesLimit = ROLES_LIMIT,
) -> Any:
    """Identity (masked per tier), roles over time (every version, a page at a time: `roles_offset`,
    `roles_limit`, and `roles_page` with the total and the next page's offset), entries in force and their
    history, responsibility findings and derived records, each with its explanation and citation."""
    name, date = service.reading(request, caller, as_of, profile)
    _covered(service, request, caller, subject_id)
    snapshot, view = service.views.view(name, date)
    subject = _subject(snapshot, view, subject_id, caller)
    audience = caller.audience
    page, total = service.views.subject_roles(snapshot, subject_id, roles_offset, roles_limit)
    facts = service.views.subject_facts(snapshot, subject_id)
    ends = {sid for role in page for sid in (role["source_id"], role["target_id"])}
    names = snapshot.shown_names(ends, mask_persons=caller.masks_names)
    roles = [
        {**role, "source_name": names[role["source_id"]], "target_name": names[role["target_id"]]} for role in page
    ]
    derived = [shown_record(r, snapshot, caller) for r in view.subject_records(subject_id, audience)]
    in_force = view.subject_entries(subject_id, audience)
    in_force_ids = view.entry_ids
    kept = load_profile(name)

    def visible(entry: dict[str, Any]) -> bool:
        # Each version by its own scope and department (a version of a re-scoped entry stays hidden from tiers
        # below its scope); an entry out of force on the date is the archive (graphsvc/disclosure.py), kept for the
        # profile's retention.
        archived = entry["entry_id"] not in in_force_ids
        return view.disclosure.entry_visible(
            audience,
            scope=entry["scope"],
            subject_id=entry["subject_id"],
            department=entry["department"],
            archived=archived,
        ) and (not archived or retained(entry, date, kept))

    history = [e for e in facts.entries(subject_id) if visible(e)]
    findings = [f for f in facts.findings(subject_id) if visible(snapshot.entries.get(f["entry_id"]) or _UNKNOWN)]
    service.record_access(
        request, caller, [subject_id, *[e["entry_id"] for e in in_force], *[r["record_id"] for r in derived]]
    )
    return {
        "subject": subject,
        "profile": name,
        "as_of": date,
        "tier": caller.tier.label,
        "roles": roles,
        "roles_page": _roles_page(roles_offset, roles_limit, len(page), total),
        "entries_in_force": in_force,
        "entry_history": history,
        "findings": findings,
        "derived": derived,
    }


def _roles_page(offset: int, limit: int, shown: int, total: int) -> RolesPage:
    following = offset + shown
    next_offset = following if following < total else None
    return RolesPage(
        offset=offset, limit=limit, total=total, next_offset=next_offset, complete=offset == 0 and next_offset is None
    )


def check(
    service: Service,
    caller: Caller,
    subject_id: str,
    date: dt.date,
    profile: str,
    action: Action,
    enterprise_id: str | None,
) -> dict[str, Any]:
    snapshot, view = service.views.view(profile, date)
    # A person the public may not see is answered as an unknown id, here as everywhere (PRV-03): the decision
    # check cannot be used to walk the registry of persons.
    subject = _subject(snapshot, view, subject_id, caller)
    audience = caller.audience
    target = None
    if enterprise_id:
        organisation = snapshot.subject(enterprise_id)
        if organisation is None:
            raise ApiProblem(404, "No such subject", f"no current organisation {enterprise_id!r} (enterprise_id)")
        target = {"subject_id": enterprise_id, "kind": organisation["kind"]}
    records = view.subject_records(subject_id, audience)
    entry_subjects = {
        r["source_entry_id"]: (snapshot.entries.get(r["source_entry_id"]) or {}).get("subject_id", "") for r in records
    }
    decision = decide(
        subject_id,
        action,
        view.subject_entries(subject_id, audience),
        records,
        target=target,
        entry_subjects=entry_subjects,
    )
    reasons = []
    for reason in decision.reasons:
        shown = reason.as_dict()
        if caller.masks_names:
            shown["explanation"] = mask_text(shown["explanation"], snapshot, [reason.subject_id, reason.related_id])
        reasons.append(shown)
    return {
        "subject_id": subject_id,
        "subject": subject,
        "date": date,
        "profile": profile,
        "action": decision.action,
        "enterprise_id": enterprise_id,
        "verdict": decision.verdict,
        "reasons": reasons,
        "tier": caller.tier.label,
    }


@router.get(
    "/decisions",
    response_model=DecisionAnswer,
    responses=NOT_FOUND,
    summary="May we grant, appoint, award or admit this subject? (应查必查)",
)
def decision_check(
    request: Request,
    service: ServiceDep,
    caller: CallerDep,
    subject_id: Annotated[str, Query(description="the subject the decision is about (for appointments: the person)")],
    date: Annotated[ApiDate | None, Query(description="the decision date; default the service's date")] = None,
    action: Annotated[
        Action, Query(description="the intended action; check = what stands against the subject")
    ] = Action.CHECK,
    enterprise_id: Annotated[
        str | None, Query(description="for appointments: the organisation the person would lead")
    ] = None,
    profile: ProfileQuery = None,
) -> Any:
    """Answers **allowed**, **review** or **blocked** with every reason: the rule or list entry, the source
    entry, the path, the citation and the legal basis. Only what the caller's tier may see is considered."""
    name, day = service.reading(request, caller, date, profile)
    _covered(service, request, caller, subject_id)
    answer = check(service, caller, subject_id, day, name, parse_action(action), enterprise_id)
    service.record_access(
        request,
        caller,
        [subject_id, *[r["source_entry_id"] for r in answer["reasons"]]],
        {"verdict": answer["verdict"]},
    )
    return answer
