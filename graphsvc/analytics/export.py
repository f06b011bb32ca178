"""Export of any subgraph an analytics report returns, as GraphML, GEXF or node-link JSON.

GraphML and GEXF are read by networkx, Gephi, Cytoscape and yEd; node-link JSON by networkx
(``node_link_graph``) and by most JavaScript graph tools. The subgraph is whatever the report shows, found by
walking it: a dict with ``source``, ``role`` and ``target`` is a role edge, a dict with ``subject_id`` names a
node (an edge's endpoints are nodes too), a dict with ``entry_id`` and ``subject_id`` is an entry attached to
that subject. Node attributes: ``kind``, ``name`` and ``label`` (the name, which Gephi shows), and for subjects
with entries in the report ``entry_count``, ``entry_ids`` and ``list_types`` (comma-separated: the formats hold
no lists). Edge attributes: ``role``, ``ratio`` (percent), ``valid_from`` and ``valid_to`` (ISO dates); absent
values are left out, since GraphML cannot hold a null. A capped report exports what it shows, not what it left
off ("and N more").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from graphsvc.analytics.adjacency import Adjacency
from graphsvc.errors import InputError

Format = Literal["graphml", "gexf", "json"]
FORMATS: tuple[str, ...] = ("graphml", "gexf", "json")
EDGE_FIELDS = ("role", "ratio", "valid_from", "valid_to")


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))


def subgraph_from_report(graph: Adjacency, report: Any) -> nx.MultiDiGraph[str]:
    """The subjects and role edges found anywhere in a JSON-ready report, as a directed multigraph."""
    nodes: dict[str, dict[str, Any]] = {}
    entries: dict[str, dict[str, str]] = {}  # subject -> entry id -> list type
    edges: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in _walk(report):
        if {"source", "role", "target"} <= item.keys():
            attrs = {k: item[k] for k in EDGE_FIELDS if item.get(k) is not None}
            key = (str(item["source"]), str(item["target"]), *(attrs.get(k) for k in EDGE_FIELDS))
            edges.setdefault(key, attrs)  # the same edge on several paths is one edge
            for sid in (str(item["source"]), str(item["target"])):
                nodes.setdefault(sid, {})
        if "subject_id" in item:
            sid = str(item["subject_id"])
            nodes.setdefault(sid, {})
            if "entry_id" in item:
                entries.setdefault(sid, {})[str(item["entry_id"])] = str(item.get("list_type") or "")
            else:
                for k in ("kind", "name"):
                    if item.get(k) is not None:
                        nodes[sid].setdefault(k, str(item[k]))
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(as_of=graph.as_of.isoformat())
    for sid in sorted(nodes):
        attrs = dict(nodes[sid])
        node = graph.find(sid)
        if node is not None:
            attrs["kind"], attrs["name"] = graph.kinds[node], graph.names[node]
        if "name" in attrs:
            attrs["label"] = attrs["name"]
        carried = entries.get(sid)
        if carried:
            attrs["entry_count"] = len(carried)
            attrs["entry_ids"] = ",".join(sorted(carried))
            attrs["list_types"] = ",".join(sorted({t for t in carried.values() if t}))
        g.add_node(sid, **attrs)
    for key in sorted(edges, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        g.add_edge(key[0], key[1], **edges[key])
    return g


def write_subgraph(g: nx.MultiDiGraph[str], path: str | Path, fmt: str) -> Path:
    """Write ``g`` as ``graphml``, ``gexf`` or ``json`` (networkx node-link data, UTF-8); returns the path."""
    target = Path(path)
    if fmt == "graphml":
        nx.write_graphml(g, target, encoding="utf-8")
    elif fmt == "gexf":
        nx.write_gexf(g, target, encoding="utf-8")
    elif fmt == "json":
        data = nx.node_link_data(g)
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        raise InputError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
    return target
