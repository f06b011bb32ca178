"""Authorisations for 授权查询 (004 管理办法 第二十二條): recorded before an authorised-tier key may look up a
subject's authorised-scope information, and named in ``X-Authorisation-Ref`` on every such request."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request

from api.authz import Refusal
from api.models import AuthorisationIn, AuthorisationOut
from api.problems import PROBLEM_RESPONSES, ApiProblem, documented
from api.service import ServiceDep, require_principal
from api.tiers import Caller, Tier
from graphsvc.authorisations import Authorisation, ProofKind

router = APIRouter(prefix="/v1", tags=["authorisations"])


@router.post(
    "/authorisations",
    response_model=AuthorisationOut,
    status_code=201,
    responses={
        404: documented("no such subject"),
        409: documented("the authorisation id is already taken"),
        **PROBLEM_RESPONSES,
    },
    summary="Record a subject's authorisation for 授权查询 (authorised or admin tier)",
)
def record_authorisation(
    request: Request,
    body: AuthorisationIn,
    service: ServiceDep,
    caller: Annotated[Caller, require_principal(Tier.AUTHORISED)],
) -> Any:
    """Who granted whom which look-ups of which subject, for what, when, and on what proof. An authorised-tier
    key records authorisations given to itself; an admin key records them for any authorised-tier key. A
    subject's own query (with proof of identity) is recorded the same way. Authorisations are never edited."""
    if caller.tier is not Tier.ADMIN and body.grantee != caller.key_id:
        refusal = Refusal(
            403,
            "Not your authorisation",
            f"your key ({caller.key_id}) may record authorisations given to itself only, not to {body.grantee!r}",
        )
        raise service.refuse(request, caller, refusal, [body.subject_id])
    grantee = next((k for k in service.keys.records if k.key_id == body.grantee), None)
    if grantee is None or grantee.tier is not Tier.AUTHORISED:
        raise ApiProblem(
            422, "Unknown grantee", f"grantee {body.grantee!r} is not an authorised-tier API key of this service"
        )
    if body.valid_until < body.valid_from:
        raise ApiProblem(
            400, "Bad date range", f"valid_until {body.valid_until} is before valid_from {body.valid_from}"
        )
    if service.views.snapshot().subject(body.subject_id) is None:
        raise ApiProblem(404, "No such subject", f"no current subject {body.subject_id!r}; check the id")
    authorisation = Authorisation(
        authorisation_id=body.authorisation_id or f"AUTH-{uuid.uuid4().hex[:16]}",
        subject_id=body.subject_id,
        grantee=body.grantee,
        purpose=body.purpose,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        proof_kind=ProofKind(body.proof_kind),
        proof_ref=body.proof_ref,
        recorded_by=caller.key_id,
        recorded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    with service.audited_write(request, caller, [authorisation.authorisation_id, body.subject_id]) as store:
        if not store.append_authorisation(authorisation.as_table()):
            raise ApiProblem(
                409,
                "Authorisation id taken",
                f"an authorisation {authorisation.authorisation_id!r} is already recorded",
            )
    return authorisation.as_row()
