"""The FastAPI application: thin routers over graphsvc, problem+json errors, the dashboard at ``/``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import problems
from api.inputs import constrain_text, name_values
from api.middleware import BodyLimit, RateLimiter, SecurityHeaders
from api.problems import LISTED
from api.routers import (
    analytics,
    authorisations,
    intake,
    lifecycle,
    loads,
    records,
    statistics,
    subjects,
    system,
    vocabulary,
)
from api.service import Service
from api.settings import ServiceSettings
from api.strict import strict_request
from graphsvc.profiles import PROFILE_NAMES
from graphsvc.rules.table import RULE_IDS
from graphsvc.vocabulary import Labelled
from graphsvc.vocabulary import vocabulary as vocabulary_tables

STATIC = Path(__file__).parent / "static"
DESCRIPTION = f"""Responsibility propagation for China's credit system (守信联合激励和失信联合惩戒).

**Access tiers** (PRV-03): send an API key in `X-API-Key`; without one you are on the public tier
(社会公开 items only, person names and ID numbers masked). Government keys also see 政府共享 items;
authorised keys see 授权查询 items of the subject whose authorisation (recorded with `POST /v1/authorisations`)
they name in `X-Authorisation-Ref` on every request; admin keys may re-evaluate and export the audit log.
Writes are limited to the key's department and to scopes the key may read.

**Limits**: bodies over the configured size get 413, batches of more items than their schema's `maxItems` 422,
too many requests per key 429 with `Retry-After`, unknown query parameters 400, an unpaged answer (a CSV export,
the audit log) of more rows than the configured maximum 400 asking for narrower filters; a refusal lists its first
{LISTED} problems in `errors` and counts the rest in `errors_not_listed`.

**Errors** are `application/problem+json` (RFC 9457) with a `detail` that says what to fix and, for rejected
input, its problems in `errors`.

Every request that returns personal data or list information, and every refusal, is recorded in the audit log
(PRV-06). A write answers success only when the change and its audit event are committed together; otherwise
503 with the reason, and nothing is committed. `POST`s that record something new answer 201.
"""


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    service = Service(settings or ServiceSettings.from_env())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.close()

    # /docs and /redoc serve Swagger UI and ReDoc from the installed fastapi-offline package: they work offline.
    app = FastAPIOffline(
        title="graphsvc",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(strict_request)],
        favicon_url="data:,",
    )
    app.state.service = service
    problems.install(app)
    # Outermost first: the proxy's client address, headers on every answer (413 and 429 included), then the rate,
    # then the body size.
    settings_ = service.settings
    app.add_middleware(BodyLimit, limit=settings_.max_body_bytes)
    if settings_.rate_limit is not None:
        app.add_middleware(RateLimiter, limit=settings_.rate_limit)
    app.add_middleware(SecurityHeaders)
    if settings_.trusted_proxies:
        # Outermost: the rate limit and the audit log see the client the proxy names, and only a trusted proxy's.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings_.trusted_proxies))
    for router in (
        subjects.router,
        records.router,
        intake.router,
        loads.router,
        authorisations.router,
        statistics.router,
        analytics.router,
        vocabulary.router,
        lifecycle.router,
        system.router,
    ):
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _problem_media_types(schema)
            name_values(schema, _query_values())
            constrain_text(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _query_values() -> dict[str, list[str]]:
    """The values of the query parameters that name a code: a bundled profile, a rule, a warning list, or a list
    type or domain by slug or alias (graphsvc/data/*.yaml)."""
    vocab = vocabulary_tables()

    def with_aliases(table: Mapping[str, Labelled]) -> list[str]:
        return sorted({*table, *(alias for item in table.values() for alias in item.aliases)})

    return {
        "profile": list(PROFILE_NAMES),
        "rule": list(RULE_IDS),
        "list_type": with_aliases(vocab.list_types),
        "domain": with_aliases(vocab.domains),
        "warning_list": sorted(vocab.warning_lists),
    }


def _problem_media_types(schema: dict[str, Any]) -> None:
    """Error answers are application/problem+json, not application/json."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if (status.startswith(("4", "5"))) and "application/json" in content:
                    content[problems.PROBLEM_JSON] = content.pop("application/json")
