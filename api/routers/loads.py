"""Files loaded over HTTP: FollowTheMoney entities, BODS statements, or a department's own export through a
shipped column mapping, exactly as ``graphsvc load`` loads them (loaders/upload.py).

Writes are authorised as the other intake endpoints authorise them (api/authz.py): every entry by its
department, scope and subject's region, every finding and status row by its entry. A file may add subjects and
roles the store does not hold; changing stored ones (the registry's facts) takes an admin key.

As on ``POST /v1/entries``, an entry past its listing must be a list designated and published elsewhere, with
``published_by`` and ``published_on`` (the shipped mappings of published lists fill them); a department's own
designation is loaded as ``candidate`` (Unmarked.CANDIDATE_ONLY).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pyarrow as pa
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api import authz
from api.load_models import LoadReportOut
from api.models import MAX_BATCH_ITEMS
from api.problems import LISTED, PROBLEM_RESPONSES, documented
from api.service import Service, ServiceDep, require
from api.tiers import Caller, Tier
from graphsvc.errors import ProtectedFacts
from graphsvc.loading import LoadOptions, LoadSummary, RatioScale, Unmarked
from loaders.mapping import shipped
from loaders.upload import EXTENSIONS, file_name, load_upload

router = APIRouter(prefix="/v1", tags=["intake"])
_BODY = {
    "required": True,
    "content": {
        media: {"schema": {"type": "string", "format": "binary", "minLength": 1}}
        for media in ("application/json", "application/x-ndjson", "text/csv", *EXTENSIONS)
    },
}


def _load(
    service: Service, request: Request, caller: Caller, body: bytes, name: str, options: LoadOptions
) -> LoadSummary:
    current, regions = service.views.snapshot().entries, service.regions()

    def authorise(tables: dict[str, pa.Table]) -> None:
        refusal = authz.upload_write(caller, tables, current, regions)
        if refusal is not None:
            raise service.refuse(request, caller, refusal, [name])

    protected = frozenset() if caller.tier is Tier.ADMIN else frozenset({"subjects", "roles"})
    try:
        with service.audited_write(request, caller, [name], {"format": options.format}) as store:
            summary = load_upload(
                body,
                name,
                store,
                options,
                label=f"api:{caller.key_id}:{request.url.path}:{name}",
                authorise=authorise,
                protected=protected,
            )
    except ProtectedFacts as exc:
        refusal = authz.Refusal(
            403, "Registry facts", f"{exc}. Only an admin key changes subjects and roles the store holds"
        )
        raise service.refuse(request, caller, refusal, [name]) from None
    return summary


@router.post(
    "/loads",
    response_model=LoadReportOut,
    status_code=201,
    responses={
        403: documented("an entry of another department or scope, or a change to stored subjects or roles"),
        404: documented("a finding or status row for an entry the caller may not see"),
        **PROBLEM_RESPONSES,
    },
    openapi_extra={"requestBody": _BODY},
    summary="Load a file: FtM entities, BODS statements, or an export through a shipped mapping",
)
async def load_file(
    request: Request,
    service: ServiceDep,
    caller: Annotated[Caller, require(Tier.GOVERNMENT)],
    format: Annotated[Literal["ftm", "bods", "mapped"], Query(description="what the body is")],
    mapping: Annotated[str | None, Query(description="format mapped: a shipped mapping (GET /v1/mappings)")] = None,
    filename: Annotated[
        str | None, Query(description="the file's name, for the report and the extension (.json, .csv, .xlsx)")
    ] = None,
    encoding: Annotated[str | None, Query(description="a CSV's encoding; detected when absent")] = None,
    ratio_scale: Annotated[RatioScale, Query(description="percent (60) or fraction (0.6)")] = RatioScale.PERCENT,
    default_scope: Annotated[str | None, Query(description="the scope of entries that state none")] = None,
    skip_invalid: Annotated[bool, Query(description="load the valid rows; the report lists the others")] = False,
) -> Any:
    """The body is the file itself (``Content-Type`` says which: JSON or JSON lines for FtM and BODS, CSV or
    Excel for a mapped export). All-or-nothing unless ``skip_invalid``: a refusal is 422 with every problem
    (file, row or JSON pointer, column, value, reason). The answer is the load report."""
    name = file_name(filename, request.headers.get("content-type"))
    options = LoadOptions(
        format=format,
        mapping=mapping,
        encoding=encoding,
        ratio_scale=ratio_scale,
        default_scope=default_scope,
        skip_invalid=skip_invalid,
        max_records=MAX_BATCH_ITEMS,  # as many records as a batch's items: each costs about as much
        today=service.settings.today(),
        unmarked=Unmarked.CANDIDATE_ONLY,
    )
    body = await request.body()
    summary = await run_in_threadpool(_load, service, request, caller, body, name, options)
    report = summary.as_json()
    answer: dict[str, Any] = {k: v for k, v in report.items() if k not in {"store", "rejected_files"}}
    for listed in ("warnings", "problems"):  # one per rejected row at most: the first LISTED, and a count
        answer[f"{listed}_not_listed"] = max(0, len(answer[listed]) - LISTED)
        answer[listed] = answer[listed][:LISTED]
    return answer


@router.get("/mappings", summary="The shipped column mappings, by name")
def mappings() -> dict[str, str]:
    """Name -> title of every mapping ``POST /v1/loads?format=mapped&mapping=NAME`` takes (public, as the
    vocabulary is: the mappings are part of the service's documentation)."""
    return shipped()


__all__ = ["router"]
