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
from collections.abc import Iterable
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
    key = tuple(sorted(settings.role_weight.items()))
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
            self.columns = {name: self.table.column(name).to_pylist() for name in self.table.column_names}
        columns = self.columns
        return [{key: _json(values[row]) for key, values in columns.items()} for row in self.rows[positions].tolist()]


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
    taken = entries.take(arrow_indices(rows))
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
    walk: _WalkIndex, steps_weight: _StepWeights, start: int, k: int, wanted: frozenset[str] | None, cap: int
) -> _Walk:
    """Layered breadth-first search, each layer expanded at once: the nodes of a layer in subject_id order, each
    following at most ``cap`` of its steps in walk order; a node first reached in this layer keeps the largest
    path weight over its steps (the first in walk order on a tie). Stops, as soon as the node that crosses it has
    been expanded, when more than MAX_VISITED nodes would be reached."""
    role_ok: BoolArray | None = None
    if wanted is not None:
        role_ok = np.zeros(len(ROLE_ORDER) + 1, dtype=np.bool_)
        role_ok[[ROLE_ORDER.index(r) for r in wanted]] = True
    one = np.array([start], dtype=np.int64)
    out = _Walk([one], [np.zeros(1, np.int64)], [np.ones(1)], [one], [one], [np.ones(1, np.bool_)], {}, False)
    visited = _visited(len(walk.ptr) - 1)  # a flag per node: cheaper than set operations
    try:
        _layers(walk, steps_weight, start, k, role_ok, cap, visited, out)
    finally:
        for nodes in out.nodes:  # the flags set, and only those, go back to False for the next walk
            visited[nodes] = False
    return out


_BUFFERS = threading.local()


def _visited(n: int) -> BoolArray:
    """A cleared flag per node, kept per thread between walks: allocating a million flags costs more than a
    typical walk (the walk clears the flags it set when it ends)."""
    kept: BoolArray | None = getattr(_BUFFERS, "visited", None)
    if kept is None or len(kept) != n:
        kept = np.zeros(n, dtype=np.bool_)
        _BUFFERS.visited = kept
    return kept


def _layers(
    walk: _WalkIndex,
    steps_weight: _StepWeights,
    start: int,
    k: int,
    role_ok: BoolArray | None,
    cap: int,
    visited: BoolArray,
    out: _Walk,
) -> None:
    one = out.nodes[0]
    visited[start] = True
    seen_count = 1
    layer: IntArray = one
    layer_weight = np.ones(1)
    for depth in range(k):
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
    visited = np.zeros(len(walk.ptr) - 1, dtype=np.bool_)
    visited[start] = True
    layer: IntArray = np.array([start], dtype=np.int64)
    nodes, dist = [layer], [np.zeros(1, dtype=np.int64)]
    capped: dict[int, int] = {}
    count, truncated = 1, False
    for depth in range(1, k + 1):
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
        others = others[~visited[others]]
        if len(others) * 16 > len(visited):  # a big layer: flag and scan rather than sort
            before = visited.copy()
            visited[others] = True
            new = np.flatnonzero(visited != before)
        else:
            new = np.unique(others)
            visited[new] = True
        if count + len(new) > MAX_VISITED:
            truncated = True
            break
        if not len(new):
            break
        nodes.append(new.astype(np.int64))
        dist.append(np.full(len(new), depth, dtype=np.int64))
        count += len(new)
        layer = new
    return Reach(np.concatenate(nodes), np.concatenate(dist), capped, truncated)


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
    found = _walk(walk, _step_weights(walk, graph, settings), start, k, wanted, expand_cap)
    reached = np.concatenate(found.nodes)
    dist, weight = np.concatenate(found.dist), np.concatenate(found.weight)

    index = _entry_index(graph, entries)
    risky = np.flatnonzero(index.has[reached])  # positions in ``reached`` of subjects with entries
    counts = index.ptr[reached[risky] + 1] - index.ptr[reached[risky]]
    at = _ranges(index.ptr[reached[risky]], counts)  # positions in index.rows
    where = np.repeat(risky, counts)  # position in ``reached`` of each entry's subject
    general = settings.severity_weight.get("general", 1.0)
    by_severity = np.array(
        [settings.severity_weight.get(s or "general", general) for s in index.severities] or [0.0], dtype=np.float64
    )
    decay = np.array([settings.decay**d for d in range(k + 1)], dtype=np.float64)
    scores = by_severity[index.severity[at]] * decay[dist[where]] * weight[where]
    ranked = np.lexsort((index.rows[at], index.id_rank[at], -scores))
    total = math.fsum(scores.tolist())

    shown_at = ranked[offset : offset + limit]
    rows = index.dicts(at[shown_at].tolist())
    nodes = where[shown_at]
    paths = _paths(graph, found, reached, reached[nodes])
    described = dict(zip(reached[nodes].tolist(), graph.describe_many(reached[nodes].tolist()), strict=True))
    shown = [
        {
            **row,
            "name": described[node]["name"],
            "kind": described[node]["kind"],
            "distance": d,
            "path": [dict(step) for step in paths[node]],
            "path_weight": round(w, 9),
            "score": round(score, 9),
        }
        for row, node, d, w, score in zip(
            rows,
            reached[nodes].tolist(),
            dist[nodes].tolist(),
            weight[nodes].tolist(),
            scores[shown_at].tolist(),
            strict=True,
        )
    ]
    capped = [{"subject_id": graph.ids[n], "edges": count, "followed": expand_cap} for n, count in found.capped.items()]
    return {
        "subject": graph.describe(start),
        "as_of": graph.as_of.isoformat(),
        "k": k,
        "roles": None if wanted is None else sorted(wanted),
        "total": round(total, 9),
        "level": level_of(total, settings),
        "thresholds": {"yellow": settings.yellow_threshold, "red": settings.red_threshold},
        "subjects_reached": len(reached),
        "count": len(scores),
        "items": shown,
        **page("exposure", len(scores), offset, limit),
        "truncated": found.truncated,
        "capped": sorted(capped, key=lambda r: str(r["subject_id"])),
        **completeness(
            [
                Cut("expand_cap", expand_cap, tuple(graph.ids[n] for n in found.capped)) if found.capped else None,
                Cut("max_visited", MAX_VISITED) if found.truncated else None,
            ]
        ),
    }


def _paths(graph: Adjacency, found: _Walk, reached: IntArray, ends: IntArray) -> dict[int, list[dict[str, Any]]]:
    """The path from the start to each of ``ends`` (node -> steps), following the step that reached each node."""
    parent, edge = np.concatenate(found.parent), np.concatenate(found.edge)
    outward = np.concatenate(found.outward)
    by_node = np.argsort(reached)
    wanted = np.unique(ends)
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
