"""Health (the process answers) and readiness (the store answers and holds data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.models import Health, Readiness
from api.problems import PROBLEM_RESPONSES, ApiProblem
from api.service import ServiceDep

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Health, summary="Liveness")
def health() -> Any:
    return {"status": "ok"}


@router.get("/ready", response_model=Readiness, responses={503: PROBLEM_RESPONSES[503]}, summary="Readiness")
def ready(service: ServiceDep) -> Any:
    """503 while the audit log cannot be written or moved into the store (PRV-06), or while the store fails to
    commit writes (until one succeeds), with the reason; ``read-only`` when the store is served read-only."""
    if service.audit.problem is not None:
        raise ApiProblem(503, "Audit log failing", service.audit.problem)
    if service.write_problem is not None:
        raise ApiProblem(503, "Store writes failing", service.write_problem)
    snapshot = service.views.snapshot()
    read_only = service.access.read_only
    return {
        "audit_quarantined_lines": service.audit.quarantined,
        "status": "ready" if read_only is None else "read-only",
        "read_only": read_only,
        "store": service.settings.store,
        "subjects": len(snapshot.subject_rows),
        "generation": snapshot.generation.counters(),
    }
