"""Related-party exposure of a subject on a date: in-force entries of the subjects within k hops, scored.

Walk: breadth-first from the subject over role edges walked as undirected (``roles`` restricts the role
types), at most ``k`` hops (1 to 4), each expanded node capped at ``expand_cap`` edges as in
``graphsvc.analytics.paths``. Only roles held on the date are in the adjacency, so expired roles are never
followed. Every subject reached (the subject itself at distance 0) contributes each of its entries in force
(``EmbeddedStore.entries_in_force``: V1 validity, V2 objections) except those of incentive lists (the red
list, list_types.yaml), which are not risk.

Score of one entry of a subject at distance d, reached along path P (``settings`` = the profile's ``exposure``)::

    score = severity_weight[severity] * decay ** d * prod(role_weight[role] for step in P)
                                                   * prod(ratio / 100 for shareholder steps in P with a ratio)

A missing severity counts as ``general``. Of the shortest paths to a subject, P is the one with the largest
path weight (the two products), the first in walk order (neighbour subject_id, then edge) on a tie.
Overall: ``total = sum(score)`` over all items (not only the page shown), and
``level = red if total >= red_threshold, yellow if total >= yellow_threshold, else green``
(total rounded to 9 decimals first, so that float noise cannot move a level at a threshold).
The seeds state none of this: the weights, decay and thresholds are graphsvc's scoring, set per profile.
The answer says whether it is whole (``complete``, ``cut_by``): a node capped at ``expand_cap`` edges or the
node budget (MAX_VISITED) cuts it; ``k`` and ``roles`` are the question, not cuts.
Analytics report, explain and score; they never create list entries.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from graphsvc.analytics.adjacency import (
    ROLE_ORDER,
    Adjacency,
    AdjacencyCache,
    BoolArray,
    FloatArray,
    IntArray,
    arrow_indices,
    inputs_on,
)
from graphsvc.analytics.completeness import Cut, completeness
from graphsvc.analytics.paging import decode_cursor, page
from graphsvc.analytics.paths import (
    DEFAULT_EXPAND_CAP,
    MAX_VISITED,
    check_roles,
    step_dicts,
)
from graphsvc.analytics.paths import (
    _index as graph_index,
)
from graphsvc.errors import InputError
from graphsvc.profiles import ExposureSettings, Profile
from graphsvc.vocabulary import vocabulary

MAX_K = 4


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def level_of(total: float, settings: ExposureSettings) -> str:
    total = round(total, 9)
    if total >= settings.red_threshold:
        return "red"
    if total >= settings.yellow_threshold:
        return "yellow"
    return "green"


# -- indexes built once per adjacency (and per entries table), reused by every query --------------------------------


@dataclass
class _WalkIndex:
    """Every node's steps (both directions, self-loops left out) in walk order: by neighbour subject_id, then edge.

    ``ptr[n]:ptr[n + 1]`` are node n's steps; ``weights`` holds the step weights for each role-weight setting
    seen (role weight x ratio/100 for shareholder steps with a ratio)."""

    ptr: IntArray
    edge: IntArray
    other: IntArray
    outward: BoolArray
    role_codes: IntArray
    rank: IntArray
    weights: dict[tuple[tuple[str, float], ...], _StepWeights] = field(default_factory=dict)
    _views: tuple[Any, ...] | None = None

    def views(self) -> tuple[Any, ...]:
        """``ptr``, ``other``, ``edge``, ``outward``, ``rank`` and ``role_codes`` as memory views: a value read
        from one is a Python int, a slice's ``tolist`` makes a list, neither goes through numpy's per-call cost."""
        if self._views is None:
            columns = (self.ptr, self.other, self.edge, self.outward, self.rank, self.role_codes)
            self._views = tuple(np.ascontiguousarray(c).data for c in columns)
        return self._views


_WALKS: weakref.WeakKeyDictionary[Adjacency, _WalkIndex] = weakref.WeakKeyDictionary()


def _walk_index(graph: Adjacency) -> _WalkIndex:
    built = _WALKS.get(graph)
    if built is None:  # the adjacency holds the walk order (built once, and kept on disk with it)
        base = graph_index(graph)
        built = _WalkIndex(
            graph.walk_ptr, graph.walk_edge, graph.walk_other, graph.walk_outward, base.role_codes, base.rank
        )
        _WALKS[graph] = built
    return built


class _StepWeights:
    """The weight of a step over each edge: role weight x ratio/100 for shareholder edges with a ratio. Computed
    for the edges a walk touches (a one-off command never reads all 3M), or once for all by ``prepare``."""

    def __init__(self, graph: Adjacency, settings: ExposureSettings) -> None:
        self.graph = graph
        self.by_code = np.array([settings.role_weight.get(r, 1.0) for r in graph.role_names], dtype=np.float64)
        self.shareholder = graph.code_of("shareholder")
        self.all: FloatArray | None = None

    def of(self, edges: IntArray) -> FloatArray:
        if self.all is not None:
            return self.all[edges]
        codes = self.graph.role_code[edges]
        weights: FloatArray = self.by_code[codes]
        ratio = self.graph.ratio[edges]
        shares = (codes == self.shareholder) & ~np.isnan(ratio)
        weights[shares] *= ratio[shares] / 100.0
        return weights

    def build_all(self) -> None:
        if self.all is None:
            self.all = self.of(np.arange(len(self.graph.role_code), dtype=np.int64))


def _step_weights(walk: _WalkIndex, graph: Adjacency, settings: ExposureSettings) -> _StepWeights:
    key = tuple(settings.role_weight.items())  # equal weights in another order: another key, the same weights
    weights = walk.weights.get(key)
    if weights is None:
        weights = walk.weights[key] = _StepWeights(graph, settings)
    return weights


@dataclass
class _EntryIndex:
    """The risk entries (all but red-list ones) of an entries table by node: rows ``rows[ptr[n]:ptr[n + 1]]``
    (table order), each with its severity (index into ``severities``), the rank of its entry_id and its row."""

    table: pa.Table
    ptr: IntArray
    rows: IntArray
    severity: IntArray
    severities: list[str | None]
    id_rank: IntArray
    has: BoolArray

    columns: dict[str, list[Any]] | None = None  # the table as Python values, made once pages keep coming
    pages: int = 0
    python: tuple[list[int], list[int], list[int]] | None = None  # severity, id_rank and rows as Python lists
    nodes: frozenset[int] | None = None  # the nodes with entries
    view: memoryview | None = None  # ptr as a memory view

    def lists(self) -> tuple[list[int], list[int], list[int]]:
        """``severity``, ``id_rank`` and ``rows`` as Python lists (made once: a few reads of a numpy array one by
        one cost more than the lists' 1 ms for 22,000 entries)."""
        if self.python is None:
            self.python = (self.severity.tolist(), self.id_rank.tolist(), self.rows.tolist())
        return self.python

    def ptr_view(self) -> memoryview:
        """``ptr`` as a memory view (its values read one by one as Python ints)."""
        if self.view is None:
            self.view = np.ascontiguousarray(self.ptr).data
        return self.view

    def with_entries(self) -> frozenset[int]:
        """The nodes that have entries, as a set (made once)."""
        if self.nodes is None:
            self.nodes = frozenset(np.flatnonzero(self.has).tolist())
        return self.nodes

    def dicts(self, positions: list[int]) -> list[dict[str, Any]]:
        """The entries at these positions in ``rows``, as JSON-ready dicts (read only for the page shown). From
        the third page on, a page of a few is read from the table's columns as Python values (made once, some
        0.1 s and 17 MB for 22,000 entries; an Arrow ``take`` costs some 50 microseconds however few rows)."""
        if not positions:
            return []
        self.pages += 1
        if len(positions) > _FEW_ENTRIES or (self.columns is None and self.pages < _PAGES_BEFORE_COLUMNS):
            taken = self.table.take(arrow_indices(self.rows[positions])).to_pylist()
            return [{key: _json(value) for key, value in row.items()} for row in taken]
        if self.columns is None:
            self.columns = {
                name: [_json(value) for value in self.table.column(name).to_pylist()]
                for name in self.table.column_names
            }
        columns = self.columns
        rows = self.lists()[2]
        return [{key: values[rows[p]] for key, values in columns.items()} for p in positions]


_ENTRIES: weakref.WeakKeyDictionary[Adjacency, list[_EntryIndex]] = weakref.WeakKeyDictionary()
_ENTRY_INDEXES_KEPT = 4  # entries tables remembered per adjacency (profiles, known-at dates)
_FEW_ENTRIES = 64  # a page of at most this many entries is read value by value
_PAGES_BEFORE_COLUMNS = 3  # a one-off command takes its page from the table; a service makes the columns


def _entry_index(graph: Adjacency, entries: pa.Table) -> _EntryIndex:
    """The index of ``entries``, reused for the same table or an equal one (a store gives a new table each read)."""
    kept = _ENTRIES.setdefault(graph, [])
    for built in kept:
        if built.table is entries:
            return built
    for built in kept:
        if built.table.num_rows == entries.num_rows and built.table.equals(entries):
            return built
    # Python lists for these small columns: pyarrow's own conversions to numpy import pandas (0.2-0.6 s)
    incentive = set(vocabulary().incentive())  # red-list entries are credit, not risk
    red = np.array([t in incentive for t in entries.column("list_type").to_pylist()], dtype=np.bool_)
    nodes = np.where(red, -1, graph.find_all([str(v) for v in entries.column("subject_id").to_pylist()]))
    rows = np.flatnonzero(nodes >= 0)
    rows = rows[np.argsort(nodes[rows], kind="stable")]
    n = len(graph.ids)
    counts = np.bincount(nodes[rows], minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    taken = entries.select(["severity", "entry_id"]).take(arrow_indices(rows))  # the two read here, not all
    severity_of = taken.column("severity").to_pylist()
    severities = sorted(set(severity_of), key=lambda s: (s is not None, s or ""))
    code = {s: i for i, s in enumerate(severities)}
    severity = np.array([code[s] for s in severity_of], dtype=np.int64)
    ids = [str(v) for v in taken.column("entry_id").to_pylist()]
    position = {entry_id: i for i, entry_id in enumerate(sorted(set(ids)))}
    id_rank = np.array([position[entry_id] for entry_id in ids], dtype=np.int64)
    built = _EntryIndex(entries, ptr, rows, severity, severities, id_rank.reshape(-1), counts > 0)
    kept.append(built)
    del kept[:-_ENTRY_INDEXES_KEPT]
    return built


def _ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """The concatenated ranges ``starts[i] : starts[i] + lengths[i]``."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift: IntArray = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    shift += np.arange(total, dtype=np.int64)
    return shift


_SMALL_LAYER = 256  # a layer of at most this many steps is walked in plain Python, a bigger one with numpy
_SMALL_LAST = 4096  # the same for the last layer, which weighs only the steps to nodes with entries


def _distinct(values: IntArray, flags: BoolArray) -> IntArray:
    """The distinct ``values`` (nodes), sorted. A few are sorted; many are flagged in ``flags`` (all False, and
    left so) and found by one scan. ``numpy.unique`` is not used: it costs several times either (numpy 2.x)."""
    if len(values) * 32 > len(flags):
        flags[values] = True
        found = np.flatnonzero(flags)
        flags[found] = False
        return found
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


@dataclass
class _SmallWalk:
    """A walk that stayed small, walked in plain Python: per node reached (the start first, then layer by
    layer) its distance, path weight and the step that reached it (parent, edge, walked source -> target)."""

    start: int
    dist: dict[int, int]
    weight: dict[int, float]
    parent: dict[int, tuple[int, int, bool]]
    capped: dict[int, int]
    truncated: bool = False


@dataclass
class _Walk:
    """The nodes reached (in layer order) with their distance, path weight and the step that reached them."""

    nodes: list[IntArray]
    dist: list[IntArray]
    weight: list[FloatArray]
    parent: list[IntArray]
    edge: list[IntArray]
    outward: list[BoolArray]
    capped: dict[int, int]
    truncated: bool


def _walk(
    walk: _WalkIndex,
    steps_weight: _StepWeights,
    start: int,
    k: int,
    wanted: frozenset[str] | None,
    cap: int,
    with_entries: frozenset[int],
) -> _SmallWalk | _Walk:
    """Layered breadth-first search: the nodes of a layer in subject_id order, each following at most ``cap`` of
    its steps in walk order; a node first reached in this layer keeps the largest path weight over its steps (the
    first in walk order on a tie). Stops, as soon as the node that crosses it has been expanded, when more than
    MAX_VISITED nodes would be reached. Layers of at most _SMALL_LAYER steps are walked in plain Python (numpy's
    some 30 calls per layer cost more than a few dozen steps); from the first bigger layer on, each layer is
    expanded at once with numpy. Both give the same answer. In Python, the last layer (up to _SMALL_LAST steps)
    gives its path weight and step only to the nodes in ``with_entries`` (the rest are counted, never scored)."""
    codes = None if wanted is None else frozenset(ROLE_ORDER.index(r) for r in wanted)
    small = _SmallWalk(start, {start: 0}, {start: 1.0}, {}, {})
    stopped = _small_layers(walk, steps_weight, k, codes, cap, small, with_entries)
    if stopped is None:
        return small
    depth, layer, layer_weight = stopped
    nodes = np.fromiter(small.dist, dtype=np.int64, count=len(small.dist))
    parents = [small.parent.get(n, (start, start, True)) for n in small.dist]
    out = _Walk(
        [nodes],
        [np.fromiter(small.dist.values(), dtype=np.int64, count=len(nodes))],
        [np.fromiter(small.weight.values(), dtype=np.float64, count=len(nodes))],
        [np.array([p[0] for p in parents], dtype=np.int64)],
        [np.array([p[1] for p in parents], dtype=np.int64)],
        [np.array([p[2] for p in parents], dtype=np.bool_)],
        small.capped,
        False,
    )
    role_ok: BoolArray | None = None
    if codes is not None:
        role_ok = np.zeros(len(ROLE_ORDER) + 1, dtype=np.bool_)
        role_ok[sorted(codes)] = True
    visited = _visited(len(walk.ptr) - 1)  # a flag per node: cheaper than set operations
    try:
        visited[nodes] = True
        layer_nodes = np.array(layer, dtype=np.int64)
        _layers(walk, steps_weight, layer_nodes, np.array(layer_weight), depth, k, role_ok, cap, visited, out)
    finally:
        for reached in out.nodes:  # the flags set, and only those, go back to False for the next walk
            visited[reached] = False
    return out


def _small_layers(
    walk: _WalkIndex,
    steps_weight: _StepWeights,
    k: int,
    codes: frozenset[int] | None,
    cap: int,
    out: _SmallWalk,
    with_entries: frozenset[int],
) -> tuple[int, list[int], list[float]] | None:
    """The walk's layers in plain Python while each has at most _SMALL_LAYER steps (counted before any role
    filter), reading the columns through memory views (a value or a slice each, no numpy call). None when the walk
    ended here; else the depth, nodes (in subject_id order) and path weights of the first bigger layer, left
    unexpanded."""
    ptr, rank = walk.views()[0], walk.views()[4]
    every_weight = steps_weight.all
    weight_of: Any = None if every_weight is None else every_weight.data
    dist, weight, parent, capped = out.dist, out.weight, out.parent, out.capped
    layer, layer_weight = [out.start], [1.0]
    for depth in range(k):
        last = depth == k - 1
        most = _SMALL_LAST if last else _SMALL_LAYER
        if len(layer) > most:
            return depth, layer, layer_weight
        bounds = [(ptr[n], ptr[n + 1]) for n in layer]
        counted = cap if codes is None else len(walk.edge)  # with a role filter, every step is read first
        size = sum(min(b - a, counted) for a, b in bounds)
        if size > most:
            return depth, layer, layer_weight
        if last and len(dist) + size <= MAX_VISITED:  # the node budget cannot cut this layer
            _small_last_layer(walk, steps_weight, codes, cap, out, with_entries, layer, layer_weight, bounds)
            return None
        best: dict[int, tuple[float, int, int, bool]] = {}
        for node, node_weight, (a, b) in zip(layer, layer_weight, bounds, strict=True):
            others, edges, outward = _node_steps(walk, node, a, b, codes, cap, capped)
            if weight_of is not None:
                steps = [weight_of[e] for e in edges]
            else:  # not prepared (a one-off command): these edges' weights only
                steps = steps_weight.of(np.array(edges, dtype=np.int64)).tolist()
            for other, step, e, o in zip(others, steps, edges, outward, strict=True):
                if other not in dist:
                    w = node_weight * step
                    held = best.get(other)
                    if held is None or w > held[0]:
                        best[other] = (w, node, e, o)
            if len(dist) + len(best) > MAX_VISITED:
                out.truncated = True
                break
        for other, (w, node, e, o) in best.items():
            dist[other], weight[other], parent[other] = depth + 1, w, (node, e, o)
        if out.truncated or not best:
            return None
        if depth + 1 < k:
            # one node's steps are in walk order, so its new neighbours come in subject_id order already
            layer = list(best) if len(layer) == 1 else sorted(best, key=rank.__getitem__)
            layer_weight = [best[n][0] for n in layer]
    return None


def _node_steps(
    walk: _WalkIndex, node: int, a: int, b: int, codes: frozenset[int] | None, cap: int, capped: dict[int, int]
) -> tuple[list[int], list[int], list[bool]]:
    """The steps ``a:b`` of ``node`` it follows (those of the roles ``codes``, the first ``cap``, the node
    recorded in ``capped`` if it had more): their other nodes, edges and directions, as lists."""
    _, other_of, edge_of, outward_of, _, role_codes = walk.views()
    if codes is None:
        if b - a > cap:
            capped[node] = b - a
            b = a + cap
        return other_of[a:b].tolist(), edge_of[a:b].tolist(), outward_of[a:b].tolist()
    edges = edge_of[a:b].tolist()
    eligible = [i for i, e in enumerate(edges) if role_codes[e] in codes]
    if len(eligible) > cap:
        capped[node] = len(eligible)
        del eligible[cap:]
    others, outward = other_of[a:b].tolist(), outward_of[a:b].tolist()
    return [others[i] for i in eligible], [edges[i] for i in eligible], [outward[i] for i in eligible]


def _small_last_layer(
    walk: _WalkIndex,
    steps_weight: _StepWeights,
    codes: frozenset[int] | None,
    cap: int,
    out: _SmallWalk,
    with_entries: frozenset[int],
    layer: list[int],
    layer_weight: list[float],
    bounds: list[tuple[int, int]],
) -> None:
    """The walk's last layer in plain Python: every node it reaches gets its distance, and those with entries
    (the only ones scored) their path weight and step, chosen as in any layer (the largest path weight, the first
    in walk order on a tie). Set operations find the new nodes; only steps to nodes with entries are weighed."""
    dist, capped = out.dist, out.capped
    other_of = walk.views()[1]
    reached: list[list[int]] = []  # per node, the other nodes of the steps it follows
    followed: list[tuple[list[int], list[int], list[bool]] | None] = []  # and the steps (read for a few)
    for node, (a, b) in zip(layer, bounds, strict=True):
        if codes is None:  # the other nodes only: the edges are read for nodes with steps to nodes with entries
            if b - a > cap:
                capped[node] = b - a
            reached.append(other_of[a : min(b, a + cap)].tolist())
            followed.append(None)
        else:
            steps = _node_steps(walk, node, a, b, codes, cap, capped)
            reached.append(steps[0])
            followed.append(steps)
    fresh: set[int] = set()
    for others in reached:
        fresh.update(others)
    fresh.difference_update(dist)
    hits = fresh & with_entries
    best: dict[int, tuple[float, int, int, bool]] = {}
    if hits:
        every_weight = steps_weight.all
        weight_of: Any = None if every_weight is None else every_weight.data
        for node, node_weight, (a, b), others, read in zip(layer, layer_weight, bounds, reached, followed, strict=True):
            if hits.isdisjoint(others):
                continue
            others, edges, outward = read or _node_steps(walk, node, a, b, codes, cap, {})
            weights: Any = weight_of
            if weights is None:  # not prepared (a one-off command): these edges' weights only
                weights = dict(zip(edges, steps_weight.of(np.array(edges, dtype=np.int64)).tolist(), strict=True))
            for other, e, o in zip(others, edges, outward, strict=True):
                if other in hits:
                    w = node_weight * weights[e]
                    held = best.get(other)
                    if held is None or w > held[0]:
                        best[other] = (w, node, e, o)
    depth = dist[layer[0]] + 1
    for other in fresh:
        dist[other] = depth
    for other, (w, node, e, o) in best.items():
        out.weight[other], out.parent[other] = w, (node, e, o)


_BUFFERS = threading.local()


def _visited(n: int, name: str = "visited") -> BoolArray:
    """A cleared flag per node, kept per thread between walks: allocating a million flags costs more than a
    typical walk (the walk clears the flags it set when it ends)."""
    kept: BoolArray | None = getattr(_BUFFERS, name, None)
    if kept is None or len(kept) != n:
        kept = np.zeros(n, dtype=np.bool_)
        setattr(_BUFFERS, name, kept)
    return kept


def _layers(
    walk: _WalkIndex,
    steps_weight: _StepWeights,
    layer: IntArray,
    layer_weight: FloatArray,
    from_depth: int,
    k: int,
    role_ok: BoolArray | None,
    cap: int,
    visited: BoolArray,
    out: _Walk,
) -> None:
    """The walk's layers from depth ``from_depth`` on, each expanded at once (``layer`` in subject_id order, its
    nodes' path weights ``layer_weight``; the nodes reached so far are flagged in ``visited`` and are in ``out``)."""
    seen_count = sum(len(nodes) for nodes in out.nodes)
    for depth in range(from_depth, k):
        starts, lengths = walk.ptr[layer], walk.ptr[layer + 1] - walk.ptr[layer]
        idx = _ranges(starts, lengths)
        group = np.repeat(np.arange(len(layer), dtype=np.int64), lengths)
        if role_ok is not None:
            keep = role_ok[walk.role_codes[walk.edge[idx]]]
            idx, group = idx[keep], group[keep]
            lengths = np.bincount(group, minlength=len(layer))
        over = np.flatnonzero(lengths > cap)
        if len(over):
            position = np.arange(len(idx), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            keep = position < cap
            idx, group = idx[keep], group[keep]
        others = walk.other[idx]
        fresh = ~visited[others]
        idx, group, others = idx[fresh], group[fresh], others[fresh]
        edges = walk.edge[idx]
        w = layer_weight[group] * steps_weight.of(edges)
        order = np.lexsort((-w, others))  # stable: the first step in walk order wins a tie
        sorted_others = others[order]
        head = np.ones(len(order), dtype=np.bool_)
        head[1:] = sorted_others[1:] != sorted_others[:-1]
        expanded = len(layer)
        if seen_count + int(head.sum()) > MAX_VISITED:
            # the first node of the layer after which more than MAX_VISITED would be reached ends the walk
            first = np.minimum.reduceat(order, np.flatnonzero(head)) if len(order) else order
            added = np.cumsum(np.bincount(group[first], minlength=len(layer)))
            expanded = int(np.flatnonzero(seen_count + added > MAX_VISITED)[0]) + 1
            out.truncated = True
            keep = group < expanded
            idx, group, others, edges, w = idx[keep], group[keep], others[keep], edges[keep], w[keep]
            order = np.lexsort((-w, others))
            head = np.ones(len(order), dtype=np.bool_)
            head[1:] = others[order][1:] != others[order][:-1]
        for g in over[over < expanded].tolist():
            out.capped[int(layer[g])] = int(lengths[g])
        chosen = order[head]
        new = others[chosen]
        out.nodes.append(new)
        out.dist.append(np.full(len(new), depth + 1, dtype=np.int64))
        out.weight.append(w[chosen])
        out.parent.append(layer[group[chosen]])
        out.edge.append(edges[chosen])
        out.outward.append(walk.outward[idx[chosen]])
        if out.truncated or not len(new):
            break
        visited[new] = True
        seen_count += len(new)
        by_rank = np.argsort(walk.rank[new])
        layer, layer_weight = new[by_rank], w[chosen][by_rank]


@dataclass(frozen=True)
class Reach:
    """The subjects within k hops of a start (the start first, at distance 0), by distance then node."""

    nodes: IntArray
    distance: IntArray
    capped: dict[int, int]  # node -> eligible steps, for nodes expanded along only ``expand_cap`` of them
    truncated: bool  # the node budget (MAX_VISITED) stopped the search


def reach(
    graph: Adjacency,
    subject_id: str,
    *,
    k: int = 2,
    roles: Iterable[str] | None = None,
    expand_cap: int = DEFAULT_EXPAND_CAP,
) -> Reach:
    """Who is within ``k`` hops (the walk of ``exposure``, without weights, paths or entries): each layer
    expanded at once, each node along at most ``expand_cap`` of its steps in walk order. A layer that would pass
    MAX_VISITED nodes is not added (``truncated``)."""
    if not 1 <= k <= MAX_K:
        raise InputError(f"k must be between 1 and {MAX_K} hops, got {k}")
    if expand_cap < 1:
        raise InputError(f"expand_cap must be at least 1, got {expand_cap}")
    start = graph.node(subject_id)
    wanted = check_roles(roles)
    walk = _walk_index(graph)
    role_ok: BoolArray | None = None
    if wanted is not None:
        role_ok = np.zeros(len(ROLE_ORDER) + 1, dtype=np.bool_)
        role_ok[[ROLE_ORDER.index(r) for r in wanted]] = True
    codes = None if wanted is None else frozenset(ROLE_ORDER.index(r) for r in wanted)
    capped: dict[int, int] = {}
    small = _small_reach(walk, start, k, codes, expand_cap, capped)
    nodes: list[IntArray] = []
    for layer_set in small[0]:
        layer_nodes = np.fromiter(layer_set, dtype=np.int64, count=len(layer_set))
        layer_nodes.sort()
        nodes.append(layer_nodes)
    dist: list[IntArray] = [np.full(len(layer), d, dtype=np.int64) for d, layer in enumerate(nodes)]
    if small[1] is None:
        return Reach(np.concatenate(nodes), np.concatenate(dist), capped, small[2])
    visited, fresh = _visited(len(walk.ptr) - 1), _visited(len(walk.ptr) - 1, "fresh")
    try:
        for reached in nodes:
            visited[reached] = True
        layer = nodes[-1]
        truncated = _reach_layers(walk, layer, small[1], k, role_ok, expand_cap, visited, fresh, nodes, dist, capped)
    finally:
        for reached in nodes:  # the flags set, and only those, go back to False for the next walk
            visited[reached] = False
    return Reach(np.concatenate(nodes), np.concatenate(dist), capped, truncated)


_SMALL_REACH_NODES = 48  # a layer of reach with at most this many nodes and _SMALL_LAST steps is expanded in Python


def _small_reach(
    walk: _WalkIndex, start: int, k: int, codes: frozenset[int] | None, cap: int, capped: dict[int, int]
) -> tuple[list[set[int]], int | None, bool]:
    """The layers of ``reach`` in plain Python (sets of node numbers) while each is small: the layers found (the
    start's first), the depth of the first layer left to numpy (None: none) and whether MAX_VISITED stopped the
    search. Each layer is expanded in node order (as numpy's are: the order nodes are recorded as capped)."""
    ptr, other_of = walk.views()[:2]
    layers: list[set[int]] = [{start}]
    seen, count = {start}, 1
    for depth in range(1, k + 1):
        if len(layers[-1]) > _SMALL_REACH_NODES:
            return layers, depth, False
        layer = sorted(layers[-1])
        bounds = [(ptr[n], ptr[n + 1]) for n in layer]
        counted = cap if codes is None else len(walk.edge)  # with a role filter, every step is read first
        if sum(min(b - a, counted) for a, b in bounds) > _SMALL_LAST:
            return layers, depth, False
        new: set[int] = set()
        for node, (a, b) in zip(layer, bounds, strict=True):
            if codes is not None:
                new.update(_node_steps(walk, node, a, b, codes, cap, capped)[0])
                continue
            if b - a > cap:
                capped[node] = b - a
                b = a + cap
            new.update(other_of[a:b].tolist())
        new.difference_update(seen)
        if count + len(new) > MAX_VISITED:
            return layers, None, True
        if not new:
            break
        seen |= new
        count += len(new)
        layers.append(new)
    return layers, None, False


def _reach_layers(
    walk: _WalkIndex,
    layer: IntArray,
    from_depth: int,
    k: int,
    role_ok: BoolArray | None,
    expand_cap: int,
    visited: BoolArray,
    fresh: BoolArray,
    nodes: list[IntArray],
    dist: list[IntArray],
    capped: dict[int, int],
) -> bool:
    """The layers of ``reach`` from depth ``from_depth`` on, ``layer`` the one before (appended to ``nodes`` and
    ``dist``, the nodes flagged in ``visited``); True when MAX_VISITED stopped them."""
    count = sum(len(n) for n in nodes)
    for depth in range(from_depth, k + 1):
        lengths = walk.ptr[layer + 1] - walk.ptr[layer]
        idx = _ranges(walk.ptr[layer], lengths)
        if role_ok is not None or int(lengths.max(initial=0)) > expand_cap:
            group = np.repeat(np.arange(len(layer), dtype=np.int64), lengths)
            if role_ok is not None:
                keep = role_ok[walk.role_codes[walk.edge[idx]]]
                idx, group = idx[keep], group[keep]
                lengths = np.bincount(group, minlength=len(layer))
            over = np.flatnonzero(lengths > expand_cap)
            if len(over):
                position = np.arange(len(idx), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                idx = idx[position < expand_cap]
                capped.update(zip(layer[over].tolist(), lengths[over].tolist(), strict=True))
        others = walk.other[idx]
        new = _distinct(others[~visited[others]], fresh)
        if count + len(new) > MAX_VISITED:
            return True
        if not len(new):
            break
        visited[new] = True
        nodes.append(new.astype(np.int64))
        dist.append(np.full(len(new), depth, dtype=np.int64))
        count += len(new)
        layer = new
    return False


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
    if expand_cap < 1:
        raise InputError(f"expand_cap must be at least 1, got {expand_cap}")
    walk = _walk_index(graph)
    index = _entry_index(graph, entries)
    found = _walk(walk, _step_weights(walk, graph, settings), start, k, wanted, expand_cap, index.with_entries())
    general = settings.severity_weight.get("general", 1.0)
    by_severity = [settings.severity_weight.get(s or "general", general) for s in index.severities]
    decay = [settings.decay**d for d in range(k + 1)]
    scored = (_scored_small if isinstance(found, _SmallWalk) else _scored)(graph, index, found, by_severity, decay)
    total = math.fsum(scored.scores)
    ranked = scored.ranked[offset : offset + limit]
    rows = index.dicts([scored.at[i] for i in ranked])
    nodes = [scored.node[i] for i in ranked]
    described = dict(zip(nodes, graph.describe_many(nodes), strict=True))
    paths = scored.paths(nodes)
    shown = [
        {
            **row,
            "name": described[node]["name"],
            "kind": described[node]["kind"],
            "distance": scored.dist[i],
            "path": [dict(step) for step in paths[node]],
            "path_weight": round(scored.weight[i], 9),
            "score": round(scored.scores[i], 9),
        }
        for row, node, i in zip(rows, nodes, ranked, strict=True)
    ]
    capped = [{"subject_id": graph.ids[n], "edges": count, "followed": expand_cap} for n, count in found.capped.items()]
    count = len(scored.scores)
    return {
        "subject": graph.describe(start),
        "as_of": graph.as_of.isoformat(),
        "k": k,
        "roles": None if wanted is None else sorted(wanted),
        "total": round(total, 9),
        "level": level_of(total, settings),
        "thresholds": {"yellow": settings.yellow_threshold, "red": settings.red_threshold},
        "subjects_reached": scored.reached,
        "count": count,
        "items": shown,
        **page("exposure", count, offset, limit),
        "truncated": found.truncated,
        "capped": sorted(capped, key=lambda r: str(r["subject_id"])),
        **completeness(
            [
                Cut("expand_cap", expand_cap, tuple(graph.ids[n] for n in found.capped)) if found.capped else None,
                Cut("max_visited", MAX_VISITED) if found.truncated else None,
            ]
        ),
    }


@dataclass
class _Scored:
    """Every exposure item of a walk (one per entry of a subject reached), as parallel lists: the entry's position
    in the entry index, its subject, distance, path weight and score; ``ranked``: the items by score (highest
    first), then entry_id, then row; ``paths``: the path to each of some subjects (node -> steps)."""

    reached: int
    at: list[int]
    node: list[int]
    dist: list[int]
    weight: list[float]
    scores: list[float]
    ranked: list[int]
    paths: Callable[[list[int]], dict[int, list[dict[str, Any]]]]


def _scored_small(
    graph: Adjacency, index: _EntryIndex, found: _SmallWalk | _Walk, by_severity: list[float], decay: list[float]
) -> _Scored:
    """``_Scored`` of a small walk, in plain Python (a few entries: numpy's per-call cost would dominate)."""
    assert isinstance(found, _SmallWalk)
    dist, weight = found.dist, found.weight
    severity, id_rank, rows = index.lists()
    ptr = index.ptr_view()
    at: list[int] = []
    node_of: list[int] = []
    for node in index.with_entries().intersection(dist):  # in any order: the items are sorted by a whole key
        low, high = ptr[node], ptr[node + 1]
        at += range(low, high)
        node_of += [node] * (high - low)
    dists = [dist[n] for n in node_of]
    weights = [weight[n] for n in node_of]
    # as numpy computes them: severity weight x decay, then x path weight
    scores = [by_severity[severity[a]] * decay[d] * w for a, d, w in zip(at, dists, weights, strict=True)]
    ranked = sorted(range(len(at)), key=lambda i: (-scores[i], id_rank[at[i]], rows[at[i]]))

    def paths(ends: list[int]) -> dict[int, list[dict[str, Any]]]:
        chains: dict[int, list[tuple[int, bool]]] = {}
        for end in sorted(set(ends)):
            chain, node = [], end
            while node != found.start:
                node, e, outward = found.parent[node]
                chain.append((e, outward))
            chains[end] = chain
        return _path_steps(graph, chains)

    return _Scored(len(dist), at, node_of, dists, weights, scores, ranked, paths)


def _scored(
    graph: Adjacency, index: _EntryIndex, found: _SmallWalk | _Walk, by_severity: list[float], decay: list[float]
) -> _Scored:
    """``_Scored`` of a walk expanded with numpy, each step over all entries at once."""
    assert isinstance(found, _Walk)
    reached = np.concatenate(found.nodes)
    dist, weight = np.concatenate(found.dist), np.concatenate(found.weight)
    risky = np.flatnonzero(index.has[reached])  # positions in ``reached`` of subjects with entries
    counts = index.ptr[reached[risky] + 1] - index.ptr[reached[risky]]
    at = _ranges(index.ptr[reached[risky]], counts)  # positions in index.rows
    where = np.repeat(risky, counts)  # position in ``reached`` of each entry's subject
    severity_weight = np.array(by_severity or [0.0], dtype=np.float64)
    scores = severity_weight[index.severity[at]] * np.array(decay, dtype=np.float64)[dist[where]] * weight[where]
    ranked = np.lexsort((index.rows[at], index.id_rank[at], -scores))
    return _Scored(
        len(reached),
        at.tolist(),
        reached[where].tolist(),
        dist[where].tolist(),
        weight[where].tolist(),
        scores.tolist(),
        ranked.tolist(),
        lambda ends: _paths(graph, found, reached, np.array(ends, dtype=np.int64)),
    )


def _paths(graph: Adjacency, found: _Walk, reached: IntArray, ends: IntArray) -> dict[int, list[dict[str, Any]]]:
    """The path from the start to each of ``ends`` (node -> steps), following the step that reached each node."""
    parent, edge = np.concatenate(found.parent), np.concatenate(found.edge)
    outward = np.concatenate(found.outward)
    by_node = np.argsort(reached)
    wanted = np.sort(np.array(list(set(ends.tolist())), dtype=np.int64))
    chains: dict[int, list[tuple[int, bool]]] = {n: [] for n in wanted.tolist()}
    current, owners = wanted, wanted.tolist()
    start = int(reached[0])
    while len(current):
        live = current != start
        current, owners = current[live], [o for o, alive in zip(owners, live.tolist(), strict=True) if alive]
        if not len(current):
            break
        at = by_node[np.searchsorted(reached, current, sorter=by_node)]
        for owner, e, o in zip(owners, edge[at].tolist(), outward[at].tolist(), strict=True):
            chains[owner].append((e, o))
        current = parent[at]
    return _path_steps(graph, chains)


def _path_steps(graph: Adjacency, chains: dict[int, list[tuple[int, bool]]]) -> dict[int, list[dict[str, Any]]]:
    """Per node, its path as step dicts from the start, from its chain of steps (edge, walked source -> target)
    from the node back to the start; the steps are read once each."""
    unique = list(dict.fromkeys(step for chain in chains.values() for step in chain))
    steps = dict(zip(unique, step_dicts(graph, unique), strict=True))
    return {node: [steps[step] for step in reversed(chain)] for node, chain in chains.items()}


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


def prepare(graph: Adjacency, entries: pa.Table, settings: ExposureSettings) -> None:
    """Build ahead of the first query what ``exposure`` keeps per adjacency: the walk order of every node's
    steps, the step weights for ``settings`` and the index of ``entries`` by node (else the first query does)."""
    walk = _walk_index(graph)
    _step_weights(walk, graph, settings).build_all()
    _entry_index(graph, entries)
