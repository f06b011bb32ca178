"""Entry intake, responsibility findings and status changes: new facts, never edits.

Everything goes through the loaders' validation (the same checks and messages as ``graphsvc load``) and is
written in one store transaction per request: a batch is all-or-nothing.

An entry a department designates here starts as ``candidate`` and reaches force only through notice and
activation (LST-10, 004 JI(六) 事前告知; api/routers/lifecycle.py). Only a list designated and published elsewhere
(the courts' 失信被执行人, a national list, a 双公示 feed) comes in force as published, with ``published_by`` and
``published_on`` (Unmarked.CANDIDATE_ONLY); an entry that is closed (repaired, revoked, exited, expired) never
returns to force, whatever a new version says.
"""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Request

from api import authz
from api.models import EntryBatchIn, EntryIn, FindingBatchIn, FindingIn, IntakeResult, StatusChangeIn
from api.problems import PROBLEM_RESPONSES, ApiProblem, documented
from api.service import Service, ServiceDep, require
from api.tiers import Caller, Tier
from graphsvc.errors import InputError
from graphsvc.lifecycle import listing
from graphsvc.lifecycle.cases import CaseConflict
from graphsvc.lifecycle.clock import StepDateRefused
from graphsvc.loading import LoadOptions, Unmarked
from graphsvc.stores.base import LoadResult
from loaders.canonical import load_tables

router = APIRouter(prefix="/v1", tags=["intake"])
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: documented("no such entry, or one the caller may not see"),
    409: documented("the status change is not allowed from the current status"),
    **PROBLEM_RESPONSES,
}


def _rows(items: list[Any]) -> pa.Table:
    """Request items as a table of text columns, in the loaders' column names (extra fields included, so the
    loaders refuse unknown and prohibited columns with their usual messages)."""
    dicts = [item.model_dump(exclude_none=False) for item in items]
    names: list[str] = []
    for d in dicts:
        names += [n for n in d if n not in names]
    columns = {n: [None if d.get(n) is None else str(d.get(n)) for d in dicts] for n in names}
    return pa.table({n: pa.array(v, type=pa.string()) for n, v in columns.items()})


def _answer(result: LoadResult | None, ids: list[str]) -> dict[str, Any]:
    if result is None:  # load_tables commits unless it raises; without skip_invalid it never returns empty
        raise ApiProblem(422, "Input rejected", "nothing was written")
    return {
        "batch_id": result.batch_id,
        "recorded_at": result.recorded_at,
        "inserted": result.inserted,
        "superseded": result.superseded,
        "unchanged": result.unchanged,
        "ids": ids,
    }


def _check_entries(service: Service, request: Request, caller: Caller, items: list[EntryIn]) -> None:
    """Each entry's department and scope, and those of the version it would replace (api/authz.py)."""
    current, regions = service.views.snapshot().entries, service.regions()
    for item in items:
        refusal = authz.entry_version_write(caller, item.model_dump(), current.get(item.entry_id), regions)
        if refusal is not None:
            raise service.refuse(request, caller, refusal, [item.entry_id])


def _check_findings(service: Service, request: Request, caller: Caller, findings: list[FindingIn]) -> None:
    """A finding is a write on its entry: the entry's department, and a scope the caller may read. An entry the
    caller may not see is answered exactly as an entry that does not exist."""
    current, regions = service.views.snapshot().entries, service.regions()
    unknown: list[dict[str, Any]] = []
    for row, finding in enumerate(findings, start=2):
        refusal = authz.existing_entry_write(caller, finding.entry_id, current.get(finding.entry_id), regions)
        if refusal is None:
            continue
        if refusal.title == authz.NO_SUCH_ENTRY:
            unknown.append(
                {
                    "file": "responsibilities",
                    "row": row,
                    "column": "entry_id",
                    "value": finding.entry_id,
                    "reason": f"refers to unknown entry {finding.entry_id}; add the entry first",
                }
            )
            continue
        raise service.refuse(request, caller, refusal, [f"{finding.person_id}:{finding.entry_id}"])
    if unknown:
        detail = f"{len(unknown)} finding(s) refer to unknown entries; nothing was loaded"
        service.record_access(request, caller, [u["value"] for u in unknown], {"refused": detail}, status=422)
        raise ApiProblem(422, "Input rejected", detail, unknown)


def _intake(service: Service, request: Request, caller: Caller, tables: dict[str, pa.Table], ids: list[str]) -> Any:
    # A department's intake: its own designations start as candidates (LST-10, 004 JI(六)).
    options = LoadOptions(today=service.settings.today(), unmarked=Unmarked.CANDIDATE_ONLY)
    with service.audited_write(request, caller, ids, {"items": len(ids)}) as store:
        report = load_tables(tables, store, source=f"api:{caller.key_id}:{request.url.path}", options=options)
        return _answer(report.result, ids)


@router.post(
    "/entries", response_model=IntakeResult, status_code=201, responses=WRITE_RESPONSES, summary="Add one entry"
)
def add_entry(
    request: Request, body: EntryIn, service: ServiceDep, caller: Annotated[Caller, require(Tier.GOVERNMENT)]
) -> Any:
    _check_entries(service, request, caller, [body])
    return _intake(service, request, caller, {"entries": _rows([body])}, [body.entry_id])


@router.post(
    "/entries/batch", response_model=IntakeResult, status_code=201, responses=WRITE_RESPONSES, summary="Add entries"
)
def add_entries(
    request: Request, body: EntryBatchIn, service: ServiceDep, caller: Annotated[Caller, require(Tier.GOVERNMENT)]
) -> Any:
    """All-or-nothing: one invalid entry rejects the batch, and the answer lists every problem (row 2 is the
    first entry)."""
    _check_entries(service, request, caller, body.entries)
    return _intake(service, request, caller, {"entries": _rows(body.entries)}, [e.entry_id for e in body.entries])


@router.post(
    "/findings", response_model=IntakeResult, status_code=201, responses=WRITE_RESPONSES, summary="Add findings"
)
def add_findings(
    request: Request, body: FindingBatchIn, service: ServiceDep, caller: Annotated[Caller, require(Tier.GOVERNMENT)]
) -> Any:
    """Responsibility findings (a person bears direct responsibility for an organisation's entry): only a
    finding, never topology alone, makes a director or shareholder directly responsible (PROP-02)."""
    _check_findings(service, request, caller, body.findings)
    table = _rows(body.findings)
    ids = [f"{f.person_id}:{f.entry_id}" for f in body.findings]
    return _intake(service, request, caller, {"responsibilities": table}, ids)


@router.post(
    "/entries/{entry_id}/status",
    response_model=IntakeResult,
    status_code=201,
    responses=WRITE_RESPONSES,
    summary="Record a status change (objection, suspension, repair, revocation, exit)",
)
def change_status(
    request: Request,
    entry_id: str,
    body: StatusChangeIn,
    service: ServiceDep,
    caller: Annotated[Caller, require(Tier.GOVERNMENT)],
) -> Any:
    """A status change is a row of the entry's status history from ``since`` (valid time, graphsvc/lifecycle/):
    the lists on any earlier date stay as they were, and an exit is announced (GET /v1/announcements)."""
    audited = {"status": body.status, "since": body.since.isoformat()}
    regions = service.regions()
    with service.audited_write(request, caller, [entry_id], audited) as store:
        current = store.current_entry(entry_id)
        # Scope and department first: what follows (dates, status) must not show to a caller who may not write.
        refusal = authz.existing_entry_write(caller, entry_id, current, regions)
        if refusal is not None:
            raise service.refuse(request, caller, refusal, [entry_id])
        try:
            changed = listing.change_status(
                store,
                entry_id,
                status=body.status,
                since=body.since,
                note=body.note or "",
                actor=caller.key_id,
                clock=service.settings.clock(),
            )
        except CaseConflict as exc:
            raise ApiProblem(409, "Status change not allowed", str(exc)) from exc
        except StepDateRefused as exc:
            raise ApiProblem(422, "Date not allowed", str(exc)) from exc
        except InputError as exc:
            raise ApiProblem(400, "Bad date", str(exc)) from exc
        return _answer(changed.result, [entry_id])
