"""Enterprise groups (企业关联群组) on the in-memory adjacency: who hangs together, and what they carry.

Two enterprises are in one group, on the adjacency's date, when

* the same subject is ``legal_representative`` of both (``shared_legal_representative``);
* the same subject is ``actual_controller`` of both (``shared_actual_controller``);
* one holds a strict majority (> 50 %) of the other's shares (``majority_shareholding``);

and groups are closed under these links (union-find). Only roles held on the date count: the adjacency holds
no others, so an expired role links nothing. Persons and other kinds are never members: the person or
controller who links two enterprises is the evidence. A 50 % holding is not a majority; directors, supervisors
and other roles link nothing.

A hub, such as one person who is legal representative of thousands of firms, puts all of them in one group.
That is intended (they do share that person), and is why every list in a report is capped: members are
paginated (``limit``/``cursor``, ``more``), a group's evidence stops at ``MAX_GROUP_LINKS`` links
(``more_links``), a member's links at ``MAX_MEMBER_LINKS`` and its entries at ``MAX_MEMBER_ENTRIES``.

Each answer says whether it is whole (``complete``, ``cut_by``): membership is never cut (pages are pages),
but evidence is, at ``MAX_GROUP_LINKS``, ``MAX_MEMBER_LINKS`` and ``MAX_MEMBER_ENTRIES``, naming where.

Cursors are offsets into a deterministic order (groups by size descending, then smallest member id; members by
subject id); they are valid for the same adjacency (date and batch).
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from graphsvc.analytics.adjacency import Adjacency, IntArray
from graphsvc.analytics.completeness import Cut, completeness
from graphsvc.analytics.ownership import MAJORITY  # percent: a strict majority links
from graphsvc.analytics.paging import page, window
from graphsvc.errors import InputError
from graphsvc.vocab import RoleType, SubjectKind

MAX_GROUP_LINKS = 100  # evidence links per group in a listing ("more_links" beyond)
MAX_MEMBER_LINKS = 20  # links shown per member
MAX_MEMBER_ENTRIES = 50  # in-force entries shown per member ("more_entries" beyond)
DEFAULT_LIMIT = 50

LINK_KINDS = {
    RoleType.LEGAL_REPRESENTATIVE.value: "shared_legal_representative",
    RoleType.ACTUAL_CONTROLLER.value: "shared_actual_controller",
    RoleType.SHAREHOLDER.value: "majority_shareholding",
}


@dataclass
class Grouping:
    """Every enterprise's group on one adjacency, in report order (CSR: ``members[ptr[g]:ptr[g + 1]]``)."""

    members: IntArray  # enterprise nodes, grouped, each group ordered by subject id
    ptr: IntArray
    group_of: IntArray  # node -> group position; -1 for non-enterprises
    is_link: npt.NDArray[np.bool_]  # edge -> it links two enterprises (one of LINK_KINDS)
    link_counts: IntArray  # group -> number of link edges (each counted once, at its target)

    def size(self, g: int) -> int:
        return int(self.ptr[g + 1] - self.ptr[g])

    def group_members(self, g: int) -> IntArray:
        return self.members[self.ptr[g] : self.ptr[g + 1]]


_cache: weakref.WeakKeyDictionary[Adjacency, Grouping] = weakref.WeakKeyDictionary()


def grouping(graph: Adjacency) -> Grouping:
    """Connected components of the enterprise links (scipy.sparse.csgraph); computed once per adjacency (so
    pages of one date are consistent)."""
    cached = _cache.get(graph)
    if cached is not None:
        return cached
    n = len(graph.ids)
    is_enterprise = pc.equal(graph.kinds.array, pa.scalar(SubjectKind.ENTERPRISE.value, pa.string()))
    enterprise: npt.NDArray[np.bool_] = np.asarray(is_enterprise.to_numpy(zero_copy_only=False), dtype=np.bool_)
    codes = graph.role_code
    source, target = graph.source, graph.target
    m = len(codes)
    is_link = np.zeros(m, dtype=bool)
    pairs_a: list[IntArray] = []
    pairs_b: list[IntArray] = []
    if m:
        target_ent = enterprise[target]
        # Shared legal representative / actual controller: consecutive targets of one (role, holder) are joined.
        for role in (RoleType.LEGAL_REPRESENTATIVE.value, RoleType.ACTUAL_CONTROLLER.value):
            edges = np.flatnonzero((codes == graph.code_of(role)) & target_ent)
            if not len(edges):
                continue
            edges = edges[np.lexsort((target[edges], source[edges]))]
            holder, targets = source[edges], target[edges]
            same_holder = holder[1:] == holder[:-1]
            # a holder links its enterprises when it holds the role at two different ones
            starts = np.flatnonzero(np.concatenate([[True], ~same_holder]))
            counts = np.diff(np.concatenate([starts, [len(edges)]]))
            first_target = np.repeat(targets[starts], counts)
            block_of = np.repeat(np.arange(len(starts)), counts)
            differs = np.zeros(len(starts), dtype=bool)
            np.logical_or.at(differs, block_of, targets != first_target)
            shared = differs[block_of]
            is_link[edges[shared]] = True
            pairs_a.append(first_target[shared])
            pairs_b.append(targets[shared])
        ratio = np.nan_to_num(graph.ratio, nan=0.0)
        majority = np.flatnonzero(
            (codes == graph.code_of(RoleType.SHAREHOLDER.value))
            & (ratio > MAJORITY)
            & enterprise[source]
            & target_ent
            & (source != target)
        )
        is_link[majority] = True
        pairs_a.append(source[majority])
        pairs_b.append(target[majority])
    a = np.concatenate(pairs_a) if pairs_a else np.zeros(0, dtype=np.int64)
    b = np.concatenate(pairs_b) if pairs_b else np.zeros(0, dtype=np.int64)
    links = coo_array((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, component = connected_components(links, directed=False)

    nodes = np.flatnonzero(enterprise).astype(np.int64)
    roots = component[nodes].astype(np.int64)
    rank = np.asarray(graph.rank, dtype=np.int64)
    if len(nodes):
        _, label, sizes = np.unique(roots, return_inverse=True, return_counts=True)
        label = label.reshape(-1)
        smallest = np.full(len(sizes), n, dtype=np.int64)
        np.minimum.at(smallest, label, rank[nodes])
        order = np.lexsort((smallest, -sizes))  # size descending, then smallest member id
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order), dtype=np.int64)
        group_pos = position[label]
        by_group = np.lexsort((rank[nodes], group_pos))
        members = nodes[by_group]
        ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes[order], out=ptr[1:])
    else:
        group_pos = np.zeros(0, dtype=np.int64)
        members = nodes
        ptr = np.zeros(1, dtype=np.int64)
    group_of = np.full(n, -1, dtype=np.int64)
    group_of[nodes] = group_pos
    link_edges = np.flatnonzero(is_link)
    link_counts = np.bincount(group_of[target[link_edges]], minlength=len(ptr) - 1).astype(np.int64)
    result = Grouping(members, ptr, group_of, is_link, link_counts)
    _cache[graph] = result
    return result


# -- report pieces -------------------------------------------------------------------------------------------


def _evidence_cuts(members: list[tuple[str, dict[str, Any]]], group_links: list[tuple[str, int]]) -> list[Cut | None]:
    """The evidence caps that cut an answer: per member (id, row) its links and entries, per group (id, left off)
    its links."""
    cut_groups = tuple(g for g, left_off in group_links if left_off > 0)
    cut_links = tuple(sid for sid, row in members if row["more_links"] > 0)
    cut_entries = tuple(sid for sid, row in members if row["more_entries"] > 0)
    return [
        Cut("max_group_links", MAX_GROUP_LINKS, cut_groups) if cut_groups else None,
        Cut("max_member_links", MAX_MEMBER_LINKS, cut_links) if cut_links else None,
        Cut("max_member_entries", MAX_MEMBER_ENTRIES, cut_entries) if cut_entries else None,
    ]


def _link(graph: Adjacency, e: int) -> dict[str, Any]:
    kind = LINK_KINDS[graph.roles[e]]
    edge = graph.edge(e).as_dict()
    if kind == "majority_shareholding":
        return {"kind_of_link": kind, "via": edge}
    return {"kind_of_link": kind, "via": graph.describe(int(graph.source[e])), "edge": edge}


def _member_link_edges(graph: Adjacency, grouped: Grouping, node: int) -> list[int]:
    """Link edges that put ``node`` in its group: roles into it, and majority holdings it has in others."""
    into = [e for e in graph.in_edges(node).tolist() if grouped.is_link[e]]
    out = [  # an enterprise that controls others is not linked to them by that (only those it controls are)
        e for e in graph.out_edges(node).tolist() if grouped.is_link[e] and graph.roles[e] == RoleType.SHAREHOLDER
    ]
    return sorted(
        into + out, key=lambda e: (graph.roles[e], graph.ids[int(graph.source[e])], graph.ids[int(graph.target[e])])
    )


def _group_links(graph: Adjacency, grouped: Grouping, g: int, cap: int) -> list[dict[str, Any]]:
    """The first ``cap`` link edges of group ``g`` (each once, at its target member), in member order."""
    links: list[dict[str, Any]] = []
    for node in grouped.group_members(g).tolist():
        for e in graph.in_edges(node).tolist():
            if grouped.is_link[e]:
                links.append(_link(graph, e))
                if len(links) >= cap:
                    return links
    return links


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _entries_by_subject(entries: pa.Table, subject_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The in-force entries of these subjects, as JSON-ready rows (in the table's order)."""
    wanted = entries.filter(pc.is_in(entries.column("subject_id"), value_set=pa.array(subject_ids, pa.string())))
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for row in wanted.to_pylist():
        by_subject.setdefault(str(row["subject_id"]), []).append({k: _json_value(v) for k, v in row.items()})
    return by_subject


def _list_type_counts(by_subject: dict[str, list[dict[str, Any]]], ids: list[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for sid in ids:
        counts.update(str(row["list_type"]) for row in by_subject.get(sid, []))
    return dict(sorted(counts.items()))


def _summary(
    graph: Adjacency, grouped: Grouping, g: int, by_subject: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    ids = [graph.ids[x] for x in grouped.group_members(g).tolist()]
    list_types = _list_type_counts(by_subject, ids)
    links = _group_links(graph, grouped, g, MAX_GROUP_LINKS)
    return {
        "group_id": ids[0],  # the smallest member id
        "members": len(ids),
        "entries": sum(list_types.values()),
        "list_types": list_types,
        "links": links,
        "more_links": int(grouped.link_counts[g]) - len(links),
    }


def group_of(
    graph: Adjacency, entries: pa.Table, subject_id: str, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, Any]:
    """JSON-ready: the group containing enterprise ``subject_id``, its members (paginated) with the links that
    put each in and the in-force entries each carries, and the group's totals.

    ``entries`` is the in-force entries table (``EmbeddedStore.entries_in_force``) for the same date.
    """
    node = graph.node(subject_id)
    if graph.kinds[node] != SubjectKind.ENTERPRISE.value:
        raise InputError(f"{subject_id!r} is a {graph.kinds[node]}; groups are made of enterprises")
    grouped = grouping(graph)
    g = int(grouped.group_of[node])
    members = grouped.group_members(g).tolist()
    by_subject = _entries_by_subject(entries, [graph.ids[x] for x in members])
    start, stop = window("group", len(members), cursor, limit)
    rows = []
    for member in members[start:stop]:
        edges = _member_link_edges(graph, grouped, member)
        carried = by_subject.get(graph.ids[member], [])
        rows.append(
            {
                **graph.describe(member),
                "links": [_link(graph, e) for e in edges[:MAX_MEMBER_LINKS]],
                "more_links": max(0, len(edges) - MAX_MEMBER_LINKS),
                "entries": carried[:MAX_MEMBER_ENTRIES],
                "more_entries": max(0, len(carried) - MAX_MEMBER_ENTRIES),
            }
        )
    summary = _summary(graph, grouped, g, by_subject)
    return {
        "subject": graph.describe(node),
        "as_of": graph.as_of.isoformat(),
        "group": {key: summary[key] for key in ("group_id", "members", "entries", "list_types")},
        "members": rows,
        **page("group", len(members), start, limit),
        **completeness(_evidence_cuts([(str(r["subject_id"]), r) for r in rows], [])),
    }


def groups(
    graph: Adjacency,
    entries: pa.Table,
    *,
    min_size: int = 2,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """JSON-ready: every group of at least ``min_size`` enterprises, largest first (ties: smallest member id),
    paginated, each with its member count, in-force entry count, list-type counts and capped evidence links."""
    if min_size < 1:
        raise InputError("min_size must be at least 1")
    grouped = grouping(graph)
    sizes = np.diff(grouped.ptr)
    total = int(np.count_nonzero(sizes >= min_size))  # groups are in size order: the first ``total`` qualify
    start, stop = window("groups", total, cursor, limit)
    shown = range(start, stop)
    by_subject = _entries_by_subject(entries, [graph.ids[x] for g in shown for x in grouped.group_members(g).tolist()])
    summaries = [_summary(graph, grouped, g, by_subject) for g in shown]
    return {
        "as_of": graph.as_of.isoformat(),
        "min_size": min_size,
        "total": total,
        "groups": summaries,
        **page("groups", total, start, limit),
        **completeness(_evidence_cuts([], [(str(s["group_id"]), int(s["more_links"])) for s in summaries])),
    }
