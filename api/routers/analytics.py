"""Investigator analytics over HTTP: exposure, paths, ownership penetration, actual controllers, groups.

They report, explain and score; they never create list entries. Each answer can be exported as a subgraph
(GraphML, GEXF or node-link JSON) with ``export=``. Investigators' queries reveal who is connected to whom, so
they need the government tier; entries are limited to the scopes the caller may see.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from fastapi import APIRouter, Query, Request, Response

from api.models import AnalyticsAnswer, NodeLinkGraph
from api.problems import PROBLEM_RESPONSES, documented
from api.service import AsOfQuery, ProfileQuery, Service, ServiceDep, require
from api.tiers import Caller, Tier
from graphsvc.analytics.adjacency import Adjacency, inputs_on
from graphsvc.analytics.export import subgraph_from_report, write_subgraph
from graphsvc.analytics.exposure import exposure
from graphsvc.analytics.groups import group_of, groups
from graphsvc.analytics.ownership import controller_candidates, penetrate, penetration_report
from graphsvc.analytics.paths import shortest_paths, simple_paths
from graphsvc.profiles import load_profile

router = APIRouter(prefix="/v1", tags=["investigator analytics"])
AnalyticsOrSubgraph = AnalyticsAnswer | NodeLinkGraph  # export=json answers the subgraph as node-link JSON
Export = Literal["graphml", "gexf", "json"]
MEDIA_TYPES = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "json": "application/json"}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report, or the subgraph file with export=graphml|gexf|json",
        "content": {
            "application/graphml+xml": {"schema": {"type": "string"}},
            "application/gexf+xml": {"schema": {"type": "string"}},
        },
    },
    404: documented("no such subject"),
    **PROBLEM_RESPONSES,
}
Investigator = Annotated[Caller, require(Tier.GOVERNMENT)]


def _graph(service: Service, as_of: dt.date) -> Adjacency:
    facts = service.access.generation().facts
    with service.adjacency_lock:
        ready = service.adjacency.fresh(as_of, facts)
        if ready is not None:
            return ready
        with service.access.read() as store:
            return service.adjacency.get(store, as_of)


def _inputs(service: Service, caller: Caller, profile: str | None, as_of: dt.date) -> tuple[Adjacency, pa.Table]:
    """The graph and the entries in force the caller may see, kept until the next load: the same table object
    on every request lets the analytics reuse their per-table indexes."""
    name = service.profile_or_default(profile)
    facts = service.access.generation().facts
    key = (name, as_of, caller.scopes)
    with service.adjacency_lock:
        cached = service.analytics_entries.get(key)
        ready = service.adjacency.fresh(as_of, facts)
        if cached is not None and cached[0] == facts and ready is not None:
            return ready, cached[1]
        with service.access.read() as store:
            graph, entries = inputs_on(store, load_profile(name), as_of, service.adjacency)
        visible = entries.filter(pc.is_in(entries.column("scope"), value_set=pa.array(sorted(caller.scopes))))
        if len(service.analytics_entries) >= 16:
            service.analytics_entries.clear()
        service.analytics_entries[key] = (facts, visible)
        return graph, visible


def _answer(
    service: Service,
    request: Request,
    caller: Caller,
    graph: Adjacency,
    report: dict[str, Any],
    export: Export | None,
    ids: list[str],
) -> Any:
    service.record_access(request, caller, ids)
    if export is None:
        return report
    subgraph = subgraph_from_report(graph, report)
    with tempfile.TemporaryDirectory() as scratch:
        path = write_subgraph(subgraph, Path(scratch) / f"subgraph.{export}", export)
        content = path.read_bytes()
    return Response(content, media_type=MEDIA_TYPES[export])


def _roles(text: str | None) -> list[str] | None:
    return [r.strip() for r in text.split(",") if r.strip()] if text else None


RolesQuery = Annotated[str | None, Query(description="comma-separated role types to walk (default: all)")]
CapQuery = Annotated[int, Query(ge=1, le=100_000, description="edges expanded per node before capping")]


@router.get(
    "/exposure/{subject_id}", response_model=AnalyticsOrSubgraph, responses=RESPONSES, summary="Related-party exposure"
)
def related_exposure(
    request: Request,
    subject_id: str,
    service: ServiceDep,
    caller: Investigator,
    as_of: AsOfQuery = None,
    profile: ProfileQuery = None,
    k: Annotated[int, Query(ge=1, le=4, description="hops")] = 2,
    roles: RolesQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
    expand_cap: CapQuery = 1000,
    export: Export | None = None,
) -> Any:
    """In-force entries within k hops, each with its path, roles, dates and score; the overall level
    (red/yellow/green) uses the profile's thresholds. Super-nodes are capped and reported; ``complete`` says
    whether a cap cut the answer (``cut_by``: which, at which nodes)."""
    date = service.date_or_today(as_of)
    graph, entries = _inputs(service, caller, profile, date)
    settings = load_profile(service.profile_or_default(profile)).exposure
    report = exposure(
        graph,
        entries,
        subject_id,
        k=k,
        roles=_roles(roles),
        settings=settings,
        limit=limit,
        cursor=cursor,
        expand_cap=expand_cap,
    )
    ids = [subject_id, *[str(item.get("entry_id")) for item in report.get("items", [])]]
    return _answer(service, request, caller, graph, report, export, ids)


@router.get("/paths", response_model=AnalyticsOrSubgraph, responses=RESPONSES, summary="Paths between two subjects")
def paths(
    request: Request,
    service: ServiceDep,
    caller: Investigator,
    source: str,
    target: str,
    as_of: AsOfQuery = None,
    all: Annotated[bool, Query(description="all simple paths up to max_length instead of the shortest")] = False,
    max_length: Annotated[int | None, Query(ge=1, le=10)] = None,
    roles: RolesQuery = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    cursor: str | None = None,
    expand_cap: CapQuery = 1000,
    export: Export | None = None,
) -> Any:
    """Shortest paths (with their count) or all simple paths, with role types, ratios and dates on every step.
    ``complete`` says whether a cap or limit (expand_cap, max_length, a budget) cut the search; ``no_path`` is
    true only when a complete search found none."""
    graph = _graph(service, service.date_or_today(as_of))
    options: dict[str, Any] = {"roles": _roles(roles), "expand_cap": expand_cap}
    if max_length is not None:
        options["max_length"] = max_length
    if limit is not None:
        options["limit"] = limit
    if all:
        report = simple_paths(graph, source, target, cursor=cursor, **options)
    else:
        report = shortest_paths(graph, source, target, **options)
    return _answer(service, request, caller, graph, report, export, [source, target])


@router.get(
    "/ownership/{subject_id}", response_model=AnalyticsOrSubgraph, responses=RESPONSES, summary="Ownership penetration"
)
def ownership(
    request: Request,
    subject_id: str,
    service: ServiceDep,
    caller: Investigator,
    as_of: AsOfQuery = None,
    direction: Literal["up", "down"] = "up",
    max_depth: Annotated[int, Query(ge=1, le=20)] = 10,
    threshold: Annotated[float, Query(ge=0, le=100, description="minimum cumulative percent")] = 0.0,
    limit: Annotated[int, Query(ge=0, le=1000)] = 100,
    export: Export | None = None,
) -> Any:
    """股权穿透: ultimate owners (up) or controlled enterprises (down), ratios multiplied along paths and
    summed over parallel paths, cycles counted once, with the paths."""
    graph = _graph(service, service.date_or_today(as_of))
    result = penetrate(graph, subject_id, direction, max_depth=max_depth, threshold=threshold)
    report = penetration_report(graph, result, limit=limit)
    return _answer(service, request, caller, graph, report, export, [subject_id])


@router.get(
    "/controllers/{subject_id}", response_model=dict[str, Any], responses=RESPONSES, summary="Actual controllers"
)
def controllers(
    request: Request,
    subject_id: str,
    service: ServiceDep,
    caller: Investigator,
    as_of: AsOfQuery = None,
    threshold: Annotated[float, Query(ge=0, le=100, description="ultimate holder threshold, percent")] = 25.0,
) -> Any:
    """Candidates with evidence: explicit actual_controller roles, then majority chains, then the largest
    ultimate holder at or above the threshold."""
    graph = _graph(service, service.date_or_today(as_of))
    candidates = controller_candidates(graph, subject_id, ultimate_threshold=threshold)
    report = {"subject_id": subject_id, "as_of": graph.as_of.isoformat(), "candidates": candidates}
    return _answer(service, request, caller, graph, report, None, [subject_id])


@router.get("/groups", response_model=AnalyticsOrSubgraph, responses=RESPONSES, summary="Enterprise groups")
def enterprise_groups(
    request: Request,
    service: ServiceDep,
    caller: Investigator,
    subject_id: Annotated[str | None, Query(description="the group of this enterprise; default: all groups")] = None,
    as_of: AsOfQuery = None,
    profile: ProfileQuery = None,
    min_size: Annotated[int, Query(ge=1)] = 2,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: str | None = None,
    export: Export | None = None,
) -> Any:
    """Enterprises connected through shared legal representatives, actual controllers or majority
    ownership, with members and the in-force entries each group carries."""
    graph, entries = _inputs(service, caller, profile, service.date_or_today(as_of))
    if subject_id:
        report = group_of(graph, entries, subject_id, limit=limit, cursor=cursor)
    else:
        report = groups(graph, entries, min_size=min_size, limit=limit, cursor=cursor)
    return _answer(service, request, caller, graph, report, export, [subject_id] if subject_id else [])
