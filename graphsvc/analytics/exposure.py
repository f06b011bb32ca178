"""Related-party exposure of a subject on a date: in-force entries of the subjects within k hops, scored.

Walk: breadth-first from the subject over role edges walked as undirected (``roles`` restricts the role
types), at most ``k`` hops (1 to 4), each expanded node capped at ``expand_cap`` edges as in
``graphsvc.analytics.paths``. Only roles held on the date are in the adjacency, so expired roles are never
followed. Every subject reached (the subject itself at distance 0) contributes each of its entries in force
(``EmbeddedStore.entries_in_force``: V1 validity, V2 objections) except red-list entries, which are not risk.

Score of one entry of a subject at distance d, reached along path P (``settings`` = the profile's ``exposure``)::

    score = severity_weight[severity] * decay ** d * prod(role_weight[role] for step in P)
                                                   * prod(ratio / 100 for shareholder steps in P with a ratio)

A missing severity counts as ``general``. Of the shortest paths to a subject, P is the one with the largest
path weight (the two products), the first in walk order (neighbour subject_id, then edge) on a tie.
Overall: ``total = sum(score)`` over all items (not only the page shown), and
``level = red if total >= red_threshold, yellow if total >= yellow_threshold, else green``
(total rounded to 9 decimals first, so that float noise cannot move a level at a threshold).
The seeds state none of this: the weights, decay and thresholds are graphsvc's scoring, set per profile.
Analytics report, explain and score; they never create list entries.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache, inputs_on
from graphsvc.analytics.paging import decode_cursor, page
from graphsvc.analytics.paths import (
    DEFAULT_EXPAND_CAP,
    MAX_VISITED,
    Walker,
    check_roles,
    step_dict,
)
from graphsvc.errors import InputError
from graphsvc.profiles import ExposureSettings, Profile

MAX_K = 4
RED_LIST = "red"


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def level_of(total: float, settings: ExposureSettings) -> str:
    total = round(total, 9)
    if total >= settings.red_threshold:
        return "red"
    if total >= settings.yellow_threshold:
        return "yellow"
    return "green"


def exposure(
    graph: Adjacency,
    entries: pa.Table,
    subject_id: str,
    *,
    k: int = 2,
    roles: Iterable[str] | None = None,
    settings: ExposureSettings,
    limit: int = 100,
    cursor: str | None = None,
    expand_cap: int = DEFAULT_EXPAND_CAP,
) -> dict[str, Any]:
    """Exposure items (entry, distance, path, score) by score, one page, with the total score and its level."""
    if not 1 <= k <= MAX_K:
        raise InputError(f"k must be between 1 and {MAX_K} hops, got {k}")
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    offset = decode_cursor("exposure", cursor)
    start = graph.node(subject_id)
    wanted = check_roles(roles)
    walker = Walker(graph, wanted, expand_cap)

    def step_weight(edge: int) -> float:
        role = graph.roles[edge]
        weight = settings.role_weight.get(role, 1.0)
        ratio = graph.ratio[edge]
        if role == "shareholder" and not np.isnan(ratio):
            weight *= float(ratio) / 100.0
        return weight

    dist = {start: 0}
    weight = {start: 1.0}
    parent: dict[int, tuple[int, int, bool]] = {}  # node -> (previous node, edge, walked source -> target)
    layer, truncated = [start], False
    for depth in range(k):
        best: dict[int, tuple[float, int, int, bool]] = {}
        for node in walker.order(layer):
            for edge, other, outward in walker.steps(node):
                if other in dist:
                    continue
                w = weight[node] * step_weight(edge)
                held = best.get(other)
                if held is None or w > held[0]:
                    best[other] = (w, node, edge, outward)
            if len(dist) + len(best) > MAX_VISITED:
                truncated = True
                break
        for other, (w, node, edge, outward) in best.items():
            dist[other], weight[other], parent[other] = depth + 1, w, (node, edge, outward)
        layer = list(best)
        if truncated or not layer:
            break

    reached = pa.array([graph.ids[n] for n in dist], type=pa.string())
    near = entries.filter(pc.is_in(entries.column("subject_id"), value_set=reached))
    general = settings.severity_weight.get("general", 1.0)
    items: list[tuple[float, str, int, dict[str, Any]]] = []
    for row in near.to_pylist():
        if row.get("list_type") == RED_LIST:
            continue  # a red list (守信) entry is not risk
        node = graph.index[row["subject_id"]]
        severity = row.get("severity") or "general"
        score = settings.severity_weight.get(severity, general) * settings.decay ** dist[node] * weight[node]
        items.append((score, str(row["entry_id"]), node, row))
    items.sort(key=lambda item: (-item[0], item[1]))
    total = math.fsum(item[0] for item in items)

    def path(node: int) -> list[dict[str, Any]]:
        steps = []
        while node != start:
            previous, edge, outward = parent[node]
            steps.append(step_dict(graph, edge, outward))
            node = previous
        return steps[::-1]

    shown = []
    for score, _, node, row in items[offset : offset + limit]:
        shown.append(
            {
                **{key: _json(value) for key, value in row.items()},
                "name": graph.names[node],
                "kind": graph.kinds[node],
                "distance": dist[node],
                "path": path(node),
                "path_weight": round(weight[node], 9),
                "score": round(score, 9),
            }
        )
    return {
        "subject": graph.describe(start),
        "as_of": graph.as_of.isoformat(),
        "k": k,
        "roles": None if wanted is None else sorted(wanted),
        "total": round(total, 9),
        "level": level_of(total, settings),
        "thresholds": {"yellow": settings.yellow_threshold, "red": settings.red_threshold},
        "subjects_reached": len(dist),
        "count": len(items),
        "items": shown,
        **page("exposure", len(items), offset, limit),
        "truncated": truncated,
        "capped": walker.capped_report(),
    }


def exposure_on(
    store: Any,
    profile: Profile,
    as_of: dt.date,
    subject_id: str,
    *,
    cache: AdjacencyCache | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``exposure`` on a store (embedded or Neo4j): the adjacency and the entries in force on ``as_of`` under
    ``profile``, scored with the profile's ``exposure`` settings (options: k, roles, limit, cursor, expand_cap)."""
    graph, entries = inputs_on(store, profile, as_of, cache)
    return exposure(graph, entries, subject_id, settings=profile.exposure, **options)
