"""Strict requests: unknown query parameters are refused (400, naming the ones the endpoint takes), and so is
unsafe text in paths, queries and the authorisation header (422, see api/inputs.py). ``/v1/decisions?as_of=``
would otherwise answer for today: the parameter is ``date``."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.inputs import ID_MAX, text_problem
from api.problems import ApiProblem

_ALLOWED: dict[int, frozenset[str]] = {}


def _allowed_query(route: APIRoute) -> frozenset[str]:
    found = _ALLOWED.get(id(route))
    if found is None:
        found = frozenset(_query_names(route.dependant))
        _ALLOWED[id(route)] = found
    return found


def _query_names(dependant: Dependant) -> list[str]:
    """The query parameters of an endpoint and of every dependency it uses."""
    names = [param.alias for param in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_names(sub)
    return names


async def strict_request(request: Request) -> None:
    """App-wide dependency: unknown query parameters (400), unsafe path and query text (422)."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        allowed = _allowed_query(route)
        unknown = sorted({name for name in request.query_params if name not in allowed})
        if unknown:
            takes = ", ".join(sorted(allowed)) or "no query parameters"
            raise ApiProblem(
                400,
                "Unknown query parameter",
                f"{request.url.path} does not take {', '.join(unknown)}; it takes {takes}",
            )
    problems: list[str] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and (problem := text_problem(value, ID_MAX)) is not None:
            problems.append(f"path {name} {problem}")
    for name, value in request.query_params.multi_items():
        if not value.strip():
            raise ApiProblem(400, "Empty query parameter", f"query parameter {name} is empty; give a value or omit it")
        if (problem := text_problem(name, ID_MAX) or text_problem(value, ID_MAX)) is not None:
            problems.append(f"query {name} {problem}")
    ref = request.headers.get("x-authorisation-ref")
    if ref is not None and (problem := text_problem(ref, ID_MAX)) is not None:
        problems.append(f"header X-Authorisation-Ref {problem}")
    if problems:
        raise ApiProblem(422, "Invalid request", "; ".join(problems))
