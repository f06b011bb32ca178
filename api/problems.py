"""Errors as ``application/problem+json`` (RFC 9457), each saying what to fix."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.models import Problem
from graphsvc.errors import GraphsvcError, InputError, LoadRejected, ProfileError, StoreError, UnknownSubject

PROBLEM_JSON = "application/problem+json"
# Problems listed in one answer: a batch of 10,000 items with one error each lists the first LISTED and counts the
# rest (errors_not_listed), so that a refusal stays a small answer (one item per error once made a 60 MB one).
LISTED = 1000
log = logging.getLogger("graphsvc.api")


class ApiProblem(Exception):
    def __init__(self, status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors


def printable(text: str) -> str:
    """Text that can be sent as UTF-8: a lone surrogate from the request is shown escaped (\\ud800)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    total: int | None = None,
) -> JSONResponse:
    """``total``: how many problems there are when ``errors`` holds only some of them (else its length)."""
    if 400 <= status < 500:
        # Every refusal on /v1 is audited (PRV-06), once: those a router audited already are skipped. A refusal
        # that cannot be audited is not answered: 503, as for every other request.
        service = getattr(request.app.state, "service", None)
        if service is not None:
            try:
                service.audit_refusal(request, status, title, detail)
            except StoreError as exc:
                status, title, detail, errors = 503, "Audit log failing", str(exc), None
    total = total if total is not None else len(errors or [])
    not_listed = 0
    if errors is not None and total > LISTED:
        not_listed = total - LISTED
        detail += f" ({total} problems: the first {LISTED} are listed)"
        errors = errors[:LISTED]
    detail = printable(detail)
    if errors is not None:
        errors = [{k: printable(v) if isinstance(v, str) else v for k, v in e.items()} for e in errors]
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    if not_listed:
        body["errors_not_listed"] = not_listed
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    items = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        value = error.get("input")
        reason = str(error.get("msg", "invalid"))
        if error.get("type") == "too_long" and isinstance(value, list):
            reason += f"; send at most {error.get('ctx', {}).get('max_length')} per request"
        items.append(
            {
                "file": location[0] if location else None,
                "row": None,
                "column": ".".join(location[1:]) or None,
                "value": None if value is None or isinstance(value, dict | list) else str(value)[:200],
                "reason": reason,
            }
        )
    return items


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.title, exc.detail, exc.errors)

    @app.exception_handler(LoadRejected)
    async def rejected(request: Request, exc: LoadRejected) -> JSONResponse:
        errors = [
            {"file": p.file, "row": p.row, "column": p.column, "value": p.value, "reason": p.reason}
            | ({"pointer": p.pointer} if p.pointer else {})
            for p in exc.problems[:LISTED]
        ]
        detail = f"{exc}; fix every problem and send the whole batch again"
        return problem_response(request, 422, "Input rejected", detail, errors, total=len(exc.problems))

    @app.exception_handler(ProfileError)
    async def profile(request: Request, exc: ProfileError) -> JSONResponse:
        return problem_response(request, 400, "Unknown profile", str(exc))

    @app.exception_handler(UnknownSubject)
    async def unknown_subject(request: Request, exc: UnknownSubject) -> JSONResponse:
        return problem_response(request, 404, "No such subject", str(exc))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return problem_response(request, 400, "Bad request", str(exc))

    @app.exception_handler(StoreError)
    async def store(request: Request, exc: StoreError) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return problem_response(request, 503, "Store unavailable", str(exc))

    @app.exception_handler(GraphsvcError)
    async def graphsvc_error(request: Request, exc: GraphsvcError) -> JSONResponse:
        return problem_response(request, 400, "Bad request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = _validation_items(exc)
        detail = "; ".join(f"{i['file']} {i['column'] or ''}: {i['reason']}".strip() for i in items[:5])
        return problem_response(request, 422, "Invalid request", f"fix these and retry: {detail}", items)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint {request.url.path}; see /docs for the API"
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}; see /docs"
        answer = problem_response(request, exc.status_code, _title(exc.status_code), detail)
        answer.headers.update(exc.headers or {})  # a 405 says which methods are allowed (Allow, RFC 9110)
        return answer

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return problem_response(
            request, 500, "Internal error", "the service failed unexpectedly; the error is in the service log"
        )


def _title(status: int) -> str:
    return {400: "Bad request", 401: "Unauthorised", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}.get(
        status, "Error"
    )


def documented(description: str) -> dict[str, Any]:
    """An error answer for a route's ``responses=``: a problem document with this description."""
    return {"model": Problem, "description": description}


# Every route documents these answers; the OpenAPI hook in api/app.py gives them the problem+json media type.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text}
    for status, text in (
        (400, "bad parameters: the detail says which and how to fix them"),
        (401, "unknown API key"),
        (403, "the key's tier does not allow this request, or the authorisation reference is missing"),
        (422, "invalid request or rejected input, with every problem listed in errors"),
        (503, "the store is busy or unreachable; retry"),
    )
}
