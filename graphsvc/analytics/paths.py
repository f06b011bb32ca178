"""Paths between two subjects on the in-memory adjacency: shortest paths and all simple paths.

Role edges are walked as undirected: a step from A to B may follow "A holds a role at B" (direction ``out``,
the walk goes source -> target) or "B holds a role at A" (direction ``in``). ``roles`` restricts the role
types followed. Every step carries its role, ratio and validity dates.

Super-nodes: expanding a node follows at most ``expand_cap`` of its edges, in a deterministic order (by the
neighbour's subject_id, then by edge), and the answer lists every node that was capped. Budgets on the nodes
and paths explored bound the work on dense graphs; hitting one sets ``"truncated": true``.
Every answer says whether it is whole (``complete``, ``cut_by``: graphsvc.analytics.completeness): a capped
node, a budget or, for shortest paths, ``max_length`` reached before the goal cut it; "no path"
(``no_path: true``) is said only when the search was complete.
Analytics report, explain and score; they never create list entries.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphsvc.analytics.adjacency import ROLE_ORDER, Adjacency, IntArray
from graphsvc.analytics.completeness import Cut, completeness
from graphsvc.analytics.paging import decode_cursor, page
from graphsvc.errors import InputError
from graphsvc.vocab import RoleType, values

DEFAULT_EXPAND_CAP = 1000  # edges followed per expanded node
MAX_VISITED = 500_000  # nodes reached by one breadth-first search
MAX_EXPLORED = 500_000  # partial paths extended by one simple-path enumeration
MAX_FOUND = 100_000  # simple paths collected before sorting and paging

Step = tuple[int, int, bool]  # (edge id, node reached, walked source -> target)


@dataclass(frozen=True)
class _GraphIndex:
    role_codes: IntArray  # per edge, index into ROLE_ORDER (-1: not in the vocabulary)
    rank: IntArray  # per node, its position in subject_id order


_INDEXES: weakref.WeakKeyDictionary[Adjacency, _GraphIndex] = weakref.WeakKeyDictionary()


def _index(graph: Adjacency) -> _GraphIndex:
    built = _INDEXES.get(graph)
    if built is None:
        # codes past the vocabulary (role types only this graph has) become -1
        role_codes = np.where(graph.role_code < len(ROLE_ORDER), graph.role_code, -1).astype(np.int8)
        built = _GraphIndex(role_codes, graph.rank)
        _INDEXES[graph] = built
    return built


def check_roles(roles: Iterable[str] | None) -> frozenset[str] | None:
    """The role types to follow (None: all), refused with the vocabulary when one is unknown."""
    if roles is None:
        return None
    wanted = frozenset(roles)
    unknown = sorted(wanted - values(RoleType))
    if unknown:
        raise InputError(f"unknown role type(s) {unknown}; choose from {', '.join(ROLE_ORDER)}")
    if not wanted:
        raise InputError(f"no role type given; choose from {', '.join(ROLE_ORDER)} or give none to follow all")
    return wanted


def _positive(value: int, name: str) -> None:
    if value < 1:
        raise InputError(f"{name} must be at least 1, got {value}")


@dataclass
class Walker:
    """Role-filtered, undirected, capped expansion of nodes in a deterministic order."""

    graph: Adjacency
    roles: frozenset[str] | None = None
    expand_cap: int = DEFAULT_EXPAND_CAP
    capped: dict[int, int] = field(default_factory=dict)  # node -> eligible edges, for capped nodes

    def __post_init__(self) -> None:
        _positive(self.expand_cap, "expand_cap")
        self.index = _index(self.graph)
        self._wanted = (
            None if self.roles is None else np.asarray(sorted(ROLE_ORDER.index(r) for r in self.roles), dtype=np.int64)
        )

    def _eligible(self, node: int) -> tuple[IntArray, IntArray, np.ndarray[Any, np.dtype[np.bool_]]]:
        g = self.graph
        out, inn = g.out_edges(node), g.in_edges(node)
        edges = np.concatenate([out, inn])
        others = np.concatenate([g.target[out], g.source[inn]])
        outward = np.concatenate([np.ones(len(out), dtype=np.bool_), np.zeros(len(inn), dtype=np.bool_)])
        keep = others != node  # a self-loop leads nowhere
        if self._wanted is not None:
            keep &= np.isin(self.index.role_codes[edges], self._wanted)
        return edges[keep], others[keep], outward[keep]

    def steps(self, node: int) -> list[Step]:
        """At most ``expand_cap`` steps out of ``node``, by neighbour subject_id then edge; records capping."""
        edges, others, outward = self._eligible(node)
        order = np.lexsort((edges, self.index.rank[others]))
        if len(order) > self.expand_cap:
            self.capped[node] = len(order)
            order = order[: self.expand_cap]
        return list(zip(edges[order].tolist(), others[order].tolist(), outward[order].tolist(), strict=True))

    def neighbours(self, node: int) -> IntArray:
        """Every neighbour through an eligible edge, uncapped (for lower bounds on distances)."""
        return self._eligible(node)[1]

    def order(self, nodes: Iterable[int]) -> list[int]:
        return sorted(nodes, key=lambda n: int(self.index.rank[n]))

    def capped_report(self) -> list[dict[str, Any]]:
        rows = [
            {"subject_id": self.graph.ids[n], "edges": count, "followed": self.expand_cap}
            for n, count in self.capped.items()
        ]
        return sorted(rows, key=lambda r: str(r["subject_id"]))

    def cap_cut(self) -> Cut | None:
        """The expand_cap cut, at the nodes it capped (None if it capped none)."""
        if not self.capped:
            return None
        return Cut("expand_cap", self.expand_cap, tuple(self.graph.ids[n] for n in self.capped))


def step_dict(graph: Adjacency, edge: int, outward: bool) -> dict[str, Any]:
    """One step of a path: the role edge (source holds role at target) and the walk's direction over it."""
    return {**graph.edge(edge).as_dict(), "direction": "out" if outward else "in"}


def step_dicts(graph: Adjacency, steps: Sequence[tuple[int, bool]]) -> list[dict[str, Any]]:
    """``step_dict`` for many (edge, outward) steps at once."""
    edges = graph.edge_dicts([e for e, _ in steps])
    return [{**edge, "direction": "out" if outward else "in"} for edge, (_, outward) in zip(edges, steps, strict=True)]


# -- shortest paths ----------------------------------------------------------------------------------------------


def shortest_paths(
    graph: Adjacency,
    a: str,
    b: str,
    *,
    max_length: int = 6,
    roles: Iterable[str] | None = None,
    limit: int = 20,
    expand_cap: int = DEFAULT_EXPAND_CAP,
) -> dict[str, Any]:
    """All shortest paths from ``a`` to ``b`` of at most ``max_length`` steps (the first ``limit``, in order of
    their subject_id sequence), with the number of shortest paths (``count``) and how many were left off."""
    _positive(max_length, "max_length")
    _positive(limit, "limit")
    start, goal = graph.node(a), graph.node(b)
    walker = Walker(graph, check_roles(roles), expand_cap)
    dist = {start: 0}
    parents: dict[int, list[tuple[int, int, bool]]] = {}  # node -> (parent, edge, walked source -> target)
    frontier, depth, truncated = [start], 0, False
    while frontier and goal not in dist and depth < max_length and not truncated:
        reached: list[int] = []
        for node in walker.order(frontier):
            for edge, other, outward in walker.steps(node):
                seen = dist.get(other)
                if seen is None:
                    dist[other] = depth + 1
                    parents[other] = [(node, edge, outward)]
                    reached.append(other)
                elif seen == depth + 1:
                    parents[other].append((node, edge, outward))
            if len(dist) > MAX_VISITED:
                truncated = True
                break
        frontier, depth = reached, depth + 1
    result: dict[str, Any] = {
        "from": graph.describe(start),
        "to": graph.describe(goal),
        "as_of": graph.as_of.isoformat(),
        "max_length": max_length,
    }
    length_cut = goal not in dist and bool(frontier) and depth >= max_length and not truncated
    cuts = completeness(
        [
            walker.cap_cut(),
            Cut("max_visited", MAX_VISITED) if truncated else None,
            Cut("max_length", max_length) if length_cut else None,
        ]
    )
    if goal not in dist:
        return {
            **result,
            "length": None,
            "no_path": cuts["complete"],  # only a complete search may say there is none
            "paths": [],
            "count": 0,
            "more": 0,
            "truncated": truncated,
            "capped": walker.capped_report(),
            **cuts,
        }
    # The shortest-path DAG: nodes from which the goal is reached along parents, with children in order.
    on_dag, stack = {goal}, [goal]
    children: dict[int, list[tuple[int, int, bool]]] = {}
    while stack:
        node = stack.pop()
        for parent, edge, outward in parents.get(node, []):
            children.setdefault(parent, []).append((edge, node, outward))
            if parent not in on_dag:
                on_dag.add(parent)
                stack.append(parent)
    rank = walker.index.rank
    for steps in children.values():
        steps.sort(key=lambda s: (int(rank[s[1]]), s[0]))
    count: dict[int, int] = {goal: 1}
    for node in sorted(on_dag, key=lambda n: -dist[n]):
        if node != goal:
            count[node] = sum(count[child] for _, child, _ in children[node])

    def walk(node: int, prefix: list[Step]) -> Iterator[list[Step]]:
        if node == goal:
            yield prefix
            return
        for edge, child, outward in children[node]:
            yield from walk(child, [*prefix, (edge, child, outward)])

    paths = []
    for steps in walk(start, []):
        paths.append(_path_dict(graph, start, steps))
        if len(paths) >= limit:
            break
    total = count[start]
    return {
        **result,
        "length": dist[goal],
        "no_path": False,
        "paths": paths,
        "count": total,
        "more": total - len(paths),
        "truncated": truncated,
        "capped": walker.capped_report(),
        **cuts,
    }


def _path_dict(graph: Adjacency, start: int, steps: list[Step]) -> dict[str, Any]:
    return {
        "length": len(steps),
        "subjects": [graph.ids[start], *(graph.ids[node] for _, node, _ in steps)],
        "steps": step_dicts(graph, [(edge, outward) for edge, _, outward in steps]),
    }


# -- simple paths ------------------------------------------------------------------------------------------------


def _distance_bounds(walker: Walker, goal: int, depth: int) -> tuple[dict[int, int], int]:
    """Uncapped breadth-first distances to ``goal`` up to ``depth`` layers, and the bound for every other node.

    Nodes not reached lie further than the last complete layer, so the bound is a true lower bound even when
    the node budget stops the search early; capping only removes edges, so it never shortens a distance.
    """
    dist, frontier, complete = {goal: 0}, [goal], 0
    while frontier and complete < depth:
        reached: list[int] = []
        for node in frontier:
            for other in walker.neighbours(node).tolist():
                if other not in dist:
                    dist[other] = complete + 1
                    reached.append(other)
            if len(dist) > MAX_VISITED:
                return dist, complete + 1  # this layer is incomplete: unknown nodes are at least complete + 1
        frontier, complete = reached, complete + 1
    return dist, complete + 1


def simple_paths(
    graph: Adjacency,
    a: str,
    b: str,
    *,
    max_length: int = 4,
    roles: Iterable[str] | None = None,
    limit: int = 50,
    cursor: str | None = None,
    expand_cap: int = DEFAULT_EXPAND_CAP,
) -> dict[str, Any]:
    """Every simple path (no subject twice) from ``a`` to ``b`` of at most ``max_length`` steps, ordered by
    length, then by the sequence of subject_ids (then of edges), one page of ``limit`` from ``cursor``."""
    _positive(max_length, "max_length")
    _positive(limit, "limit")
    offset = decode_cursor("simple_paths", cursor)
    start, goal = graph.node(a), graph.node(b)
    walker = Walker(graph, check_roles(roles), expand_cap)
    found: list[list[Step]] = []
    truncated, budget = False, ""
    if start == goal:
        found.append([])
    else:
        bound, beyond = _distance_bounds(walker, goal, max_length - 1)
        explored = 0
        stack: list[tuple[int, list[Step], frozenset[int]]] = [(start, [], frozenset({start}))]
        while stack and not truncated:
            node, path, on_path = stack.pop()
            for edge, other, outward in walker.steps(node):
                if other in on_path:
                    continue
                step = [*path, (edge, other, outward)]
                if other == goal:
                    found.append(step)
                    if len(found) >= MAX_FOUND:
                        truncated, budget = True, "max_found"
                elif len(step) + bound.get(other, beyond) <= max_length:
                    explored += 1
                    stack.append((other, step, on_path | {other}))
                if not truncated and explored > MAX_EXPLORED:
                    truncated, budget = True, "max_explored"
                if truncated:
                    break
    rank = walker.index.rank
    found.sort(key=lambda p: (len(p), [int(rank[n]) for _, n, _ in p], [e for e, _, _ in p]))
    return {
        "from": graph.describe(start),
        "to": graph.describe(goal),
        "as_of": graph.as_of.isoformat(),
        "max_length": max_length,
        "paths": [_path_dict(graph, start, p) for p in found[offset : offset + limit]],
        "count": len(found),
        "no_path": not found and not truncated and not walker.capped,  # said only when the search was complete
        **page("simple_paths", len(found), offset, limit),
        "truncated": truncated,
        "capped": walker.capped_report(),
        **completeness(
            [
                walker.cap_cut(),
                Cut(budget, MAX_FOUND if budget == "max_found" else MAX_EXPLORED) if truncated else None,
            ]
        ),
    }
