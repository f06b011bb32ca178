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
    """503 while the audit log cannot be written or moved into the store (PRV-06), with the reason."""
    if service.audit.problem is not None:
        raise ApiProblem(503, "Audit log failing", service.audit.problem)
    snapshot = service.views.snapshot()
    return {
        "audit_quarantined_lines": service.audit.quarantined,
        "status": "ready",
        "store": service.settings.store,
        "subjects": len(snapshot.subject_rows),
        "generation": snapshot.generation.counters(),
    }
