"""Ownership penetration (股权穿透) and actual-controller candidates on the in-memory adjacency.

Cumulative ratios multiply along a shareholding path and add up over parallel paths (a diamond counts each
path once). Only simple paths are followed, so a cross-holding or cycle (A owns B owns A) is never counted
twice. Paths stop at ``max_depth`` or when their cumulative ratio falls below ``threshold``: multiplying by a
ratio of at most 100 % can only lower it, so pruning loses nothing above the threshold. Zero-ratio holdings and
holdings without a ratio carry no ownership and are not followed; the report lists the holdings without a ratio
that touch the subject or a holding it reached as ``holdings_of_unknown_size`` (graphsvc/analytics/unknown_size.py),
never dropping them in silence.

The answer says whether it is whole (``complete``, ``cut_by``): ``max_depth`` cuts it at the subjects where a
path stopped although they have holdings (up: owners; down: holdings) above the threshold that were not
followed; the path budget and the paths shown per holder cut it too. The threshold is the question, not a cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from graphsvc.analytics.adjacency import Adjacency
from graphsvc.analytics.completeness import Cut, completeness
from graphsvc.analytics.unknown_size import unknown_size_holdings

Direction = Literal["up", "down"]
MAX_PATHS_PER_HOLDER = 20  # paths returned per holder ("and N more" beyond)
MAX_PATHS_EXPLORED = 200_000  # a guard against combinatorial explosion on dense cross-holdings
MAJORITY = 50.0  # percent: a strict majority controls
DEFAULT_ULTIMATE_THRESHOLD = 25.0  # percent; not stated in the seeds (the 受益所有人 rules use 25 %)


@dataclass
class Holding:
    """One subject reached by penetration: its cumulative ratio and the paths that carry it."""

    node: int
    percent: float = 0.0
    depth: int = 0  # shortest path length
    paths: list[list[int]] = field(default_factory=list)  # edge ids, from the start outwards
    path_count: int = 0


@dataclass
class Penetration:
    subject: int
    direction: Direction
    holdings: dict[int, Holding]
    truncated: bool  # the path budget ran out (very dense cross-holdings)
    max_depth: int = 10
    depth_cut_at: frozenset[int] = frozenset()  # nodes where max_depth stopped a path with holdings beyond


def penetrate(
    graph: Adjacency,
    subject_id: str,
    direction: Direction = "up",
    *,
    max_depth: int = 10,
    threshold: float = 0.0,
) -> Penetration:
    """Owners (up) or owned enterprises (down) of ``subject_id`` with cumulative percentages."""
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    start = graph.node(subject_id)
    holdings: dict[int, Holding] = {}
    explored = 0
    truncated = False
    depth_cut: set[int] = set()
    shareholder = graph.code_of("shareholder")
    codes, ratios = graph.role_code, graph.ratio
    ends = graph.source if direction == "up" else graph.target
    # Depth-first over simple paths: (node, cumulative fraction, edges so far, nodes on the path)
    stack: list[tuple[int, float, list[int], frozenset[int]]] = [(start, 1.0, [], frozenset({start}))]
    while stack:
        node, fraction, path, seen = stack.pop()
        edges = graph.in_edges(node) if direction == "up" else graph.out_edges(node)
        for e in edges.tolist():
            if codes[e] != shareholder:
                continue
            ratio = float(ratios[e])
            if np.isnan(ratio) or ratio <= 0:
                continue
            other = int(ends[e])
            if other in seen:
                continue  # a cycle: this path would count a holding twice
            share = fraction * ratio / 100.0
            if share * 100.0 < threshold:
                continue
            if len(path) >= max_depth:  # a holding beyond the depth cap: the answer is cut here
                depth_cut.add(node)
                break
            explored += 1
            if explored > MAX_PATHS_EXPLORED:
                truncated = True
                break
            step = [*path, e]
            holding = holdings.setdefault(other, Holding(other, depth=len(step)))
            holding.percent += share * 100.0
            holding.depth = min(holding.depth, len(step))
            holding.path_count += 1
            if len(holding.paths) < MAX_PATHS_PER_HOLDER:
                holding.paths.append(step)
            stack.append((other, share, step, seen | {other}))
        if truncated:
            break
    return Penetration(start, direction, holdings, truncated, max_depth, frozenset(depth_cut))


def _has_owner(graph: Adjacency, node: int) -> bool:
    edges = graph.in_edges(node)
    ratios = graph.ratio[edges]
    return bool(np.any((graph.role_code[edges] == graph.code_of("shareholder")) & (ratios > 0)))


def penetration_report(graph: Adjacency, result: Penetration, *, limit: int = 100) -> dict[str, Any]:
    """JSON-ready: holdings by cumulative percentage, with paths (role edges, ratios, dates) and cursors."""
    ordered = sorted(result.holdings.values(), key=lambda h: (-h.percent, graph.ids[h.node]))
    paths_cut = [h.node for h in ordered[:limit] if h.path_count > len(h.paths)]  # among those shown
    rows = []
    for h in ordered[:limit]:
        rows.append(
            {
                **graph.describe(h.node),
                "percent": round(h.percent, 6),
                "depth": h.depth,
                "ultimate": result.direction == "up" and not _has_owner(graph, h.node),
                "controlled": result.direction == "down" and h.percent > MAJORITY,
                "paths": [[graph.edge(e).as_dict() for e in p] for p in h.paths],
                "more_paths": h.path_count - len(h.paths),
            }
        )
    return {
        "subject": graph.describe(result.subject),
        "as_of": graph.as_of.isoformat(),
        "direction": result.direction,
        "holdings": rows,
        "more": max(0, len(ordered) - limit),
        "truncated": result.truncated,
        **unknown_size_holdings(graph, result, limit=limit),
        **completeness(
            [
                Cut("max_depth", result.max_depth, tuple(graph.ids[n] for n in result.depth_cut_at))
                if result.depth_cut_at
                else None,
                Cut("max_paths_explored", MAX_PATHS_EXPLORED) if result.truncated else None,
                Cut("max_paths_per_holder", MAX_PATHS_PER_HOLDER, tuple(graph.ids[n] for n in paths_cut))
                if paths_cut
                else None,
            ]
        ),
    }


def controller_candidates(
    graph: Adjacency, subject_id: str, *, ultimate_threshold: float = DEFAULT_ULTIMATE_THRESHOLD, max_depth: int = 10
) -> list[dict[str, Any]]:
    """Actual-controller candidates, strongest method first, each with its evidence.

    1. ``explicit``: actual_controller roles on the subject held on the date;
    2. ``majority_chain``: the top of the chain of strict-majority shareholders (> 50 % at every step);
    3. ``largest_ultimate_holder``: the ultimate owner with the largest cumulative percentage, if at least
       ``ultimate_threshold`` percent;
    4. ``holder_of_unknown_size``: shareholders without a ratio of the subject or of an owner reached, with the path.
    The seeds define neither 实际控制人 nor a threshold (docs/policy.md); this is the documented method.
    """
    start = graph.node(subject_id)
    candidates: list[dict[str, Any]] = []
    for e in graph.in_edges(start).tolist():
        if graph.roles[e] == "actual_controller":
            candidates.append(
                {
                    **graph.describe(int(graph.source[e])),
                    "method": "explicit",
                    "evidence": [graph.edge(e).as_dict()],
                }
            )
    chain: list[int] = []
    node, seen = start, {start}
    while len(chain) < max_depth:
        majority = [
            e
            for e in graph.in_edges(node).tolist()
            if graph.roles[e] == "shareholder" and graph.ratio[e] > MAJORITY and int(graph.source[e]) not in seen
        ]
        if not majority:
            break
        e = max(majority, key=lambda x: (float(graph.ratio[x]), graph.ids[int(graph.source[x])]))
        chain.append(e)
        node = int(graph.source[e])
        seen.add(node)
    if chain:
        candidates.append(
            {**graph.describe(node), "method": "majority_chain", "evidence": [graph.edge(e).as_dict() for e in chain]}
        )
    upward = penetrate(graph, subject_id, "up", max_depth=max_depth)
    ultimate = [h for h in upward.holdings.values() if not _has_owner(graph, h.node)]
    if ultimate:
        best = max(ultimate, key=lambda h: (h.percent, graph.ids[h.node]))
        if best.percent >= ultimate_threshold:
            candidates.append(
                {
                    **graph.describe(best.node),
                    "method": "largest_ultimate_holder",
                    "percent": round(best.percent, 6),
                    "evidence": [[graph.edge(e).as_dict() for e in p] for p in best.paths],
                }
            )
    # 4. Holders whose share is not stated (no ratio) cannot be weighed, but may control: listed last, never
    # dropped in silence.
    for unknown in unknown_size_holdings(graph, upward)["holdings_of_unknown_size"]:
        candidates.append(
            {
                "subject_id": unknown["subject_id"],
                "kind": unknown["kind"],
                "name": unknown["name"],
                "method": "holder_of_unknown_size",
                "evidence": [unknown["path"]],
            }
        )
    return candidates
