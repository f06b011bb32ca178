"""Investigator-analytics benchmark on the embedded store, beside a networkx peer and an igraph peer.

    python -m bench.analytics [--subjects 1000000] [--as-of 2026-06-30] [--samples 200]

Uses the core benchmark's store (bench/out/core-N.duckdb, made by `python -m bench.core` or here). Measures
exposure k=2 and k=3 from typical subjects and from hubs, and upward ownership penetration to depth 10 from the
100 enterprises with the most shareholders; then the same queries with networkx on a graph of the same roles.
Before any time is reported the answers are compared: exposure items (entry, distance, score, path), reach,
count, total and capped nodes against a like-for-like networkx exposure, and cumulative percentages
(penetration). The exposure indexes (walk order, step weights, entries by node) are built and timed apart.

The igraph peer: the same roles in an ``igraph.Graph`` (C), asked for the subjects within k hops
(``neighborhood(order=k, mode="all")``) from the same typical subjects and hubs, with no expansion cap; graphsvc
answers the same questions uncapped (``expand_cap`` above the largest degree), both as the reach alone
(``graphsvc.analytics.exposure.reach``) and as the whole exposure answer (reach, path weights, entries, scores,
one page of 100 items with paths). Before any time is reported, every subject's reach and distances must equal
igraph's (one ``neighborhood(order=d, mindist=d)`` per layer d). Then, like for like, the whole exposure answer
capped as served (1000 edges per node) written on igraph (``IgraphExposure``: igraph's ``incident`` edges per
node, the rest in plain Python as with networkx), compared item by item with graphsvc's before timing; timed
once all of one then all of the other, and once alternating subject by subject (``alternating``).
Graph memory: graphsvc's columns (``Adjacency.nbytes``) and the resident-set growth of building each graph in
this process.

Then the command line: ``graphsvc exposure`` in a fresh process, first with no saved graph (it builds the
adjacency and saves it beside the store), then again (it maps the saved one), wall time of the whole process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import psutil
import pyarrow as pa

from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache, saved_directory
from graphsvc.analytics.exposure import exposure, prepare, reach
from graphsvc.analytics.ownership import penetrate
from graphsvc.analytics.paths import MAX_VISITED
from graphsvc.context import build_context
from graphsvc.profiles import ExposureSettings, load_profile
from graphsvc.stores.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000.0
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)), "n": len(samples)}


def _timed(fn: Any, items: list[str]) -> tuple[list[float], list[Any]]:
    times, results = [], []
    for item in items:
        start = time.perf_counter()
        results.append(fn(item))
        times.append(time.perf_counter() - start)
    return times, results


def _nx_graph(graph: Adjacency) -> nx.MultiDiGraph[str]:
    """The same roles as a networkx ``MultiDiGraph``, keyed by edge number (graphsvc's tie order on edges)."""
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    g.add_nodes_from(graph.ids)
    for e in range(len(graph.roles)):
        ratio = float(graph.ratio[e])
        g.add_edge(
            graph.ids[int(graph.source[e])],
            graph.ids[int(graph.target[e])],
            key=e,
            role=graph.roles[e],
            ratio=None if np.isnan(ratio) else ratio,
            valid_from=graph.valid_from[e],
            valid_to=graph.valid_to[e],
        )
    return g


def _nx_entries(entries: pa.Table) -> dict[str, list[dict[str, Any]]]:
    """The in-force entries (as row dicts) by subject_id, for the peer."""
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for row in entries.to_pylist():
        by_subject.setdefault(row["subject_id"], []).append(row)
    return by_subject


def _nx_exposure(
    g: nx.MultiDiGraph[str],
    entries: dict[str, list[dict[str, Any]]],
    subject: str,
    k: int,
    settings: ExposureSettings,
    *,
    cap: int = 1000,
    limit: int = 1000,
) -> dict[str, Any]:
    """graphsvc's exposure written the straightforward way on networkx: layered breadth-first search over role
    edges in both directions (at most ``cap`` per node, by neighbour subject_id then edge), the strongest path
    weight among same-depth parents (the first in walk order on a tie), every non-red entry of a reached subject
    scored severity weight x decay^distance x path weight, sorted by score then entry_id; paths for the page."""

    def step_weight(data: dict[str, Any]) -> float:
        w = settings.role_weight.get(data["role"], 1.0)
        if data["role"] == "shareholder" and data["ratio"] is not None:
            w *= data["ratio"] / 100.0
        return w

    dist, weight = {subject: 0}, {subject: 1.0}
    parent: dict[str, tuple[str, str, str, int, bool]] = {}  # node -> (previous, source, target, key, outward)
    capped: dict[str, int] = {}
    layer, truncated = [subject], False
    for depth in range(k):
        best: dict[str, tuple[float, str, str, str, int, bool]] = {}
        for node in sorted(layer):
            steps = sorted(
                [(v, key, True, d) for _, v, key, d in g.out_edges(node, keys=True, data=True) if v != node]
                + [(u, key, False, d) for u, _, key, d in g.in_edges(node, keys=True, data=True) if u != node],
                key=lambda step: (step[0], step[1]),
            )
            if len(steps) > cap:
                capped[node] = len(steps)
                steps = steps[:cap]
            for other, key, outward, data in steps:
                if other in dist:
                    continue
                w = weight[node] * step_weight(data)
                held = best.get(other)
                if held is None or w > held[0]:
                    src, tgt = (node, other) if outward else (other, node)
                    best[other] = (w, node, src, tgt, key, outward)
            if len(dist) + len(best) > MAX_VISITED:
                truncated = True
                break
        for other, (w, node, src, tgt, key, outward) in best.items():
            dist[other], weight[other], parent[other] = depth + 1, w, (node, src, tgt, key, outward)
        layer = list(best)
        if truncated or not layer:
            break

    general = settings.severity_weight.get("general", 1.0)
    items = []
    for node, d in dist.items():
        for row in entries.get(node, []):
            if row["list_type"] == "red":
                continue
            severity = settings.severity_weight.get(row["severity"] or "general", general)
            items.append((severity * settings.decay**d * weight[node], row["entry_id"], node, row))
    items.sort(key=lambda item: (-item[0], item[1]))

    def path(node: str) -> list[dict[str, Any]]:
        steps = []
        while node != subject:
            previous, src, tgt, key, outward = parent[node]
            data = g.edges[src, tgt, key]
            steps.append(
                {
                    "source": src,
                    "role": data["role"],
                    "target": tgt,
                    "ratio": data["ratio"],
                    "valid_from": data["valid_from"],
                    "valid_to": data["valid_to"],
                    "direction": "out" if outward else "in",
                }
            )
            node = previous
        return steps[::-1]

    total = math.fsum(item[0] for item in items)
    shown = [
        {**row, "distance": dist[node], "path": path(node), "score": round(score, 9)}
        for score, _, node, row in items[:limit]
    ]
    return {
        "total": round(total, 9),
        "subjects_reached": len(dist),
        "count": len(items),
        "items": shown,
        "truncated": truncated,
        "capped": [{"subject_id": n, "edges": c, "followed": cap} for n, c in sorted(capped.items())],
    }


def _exposure_answer(report: dict[str, Any]) -> tuple[Any, ...]:
    """What both exposures must agree on: reach, count, total, and per item entry, distance, score and path."""
    items = [
        (
            item["entry_id"],
            item["distance"],
            round(item["score"], 9),
            [(st["source"], st["role"], st["target"], st["direction"]) for st in item["path"]],
        )
        for item in report["items"]
    ]
    reach = ("subjects_reached", "count", "total", "truncated", "capped")
    return (*(report[key] for key in reach), items)


def _nx_penetrate(g: nx.MultiDiGraph[str], subject: str, depth: int) -> dict[str, float]:
    """Upward cumulative percentages over simple shareholding paths (depth-first)."""
    out: dict[str, float] = {}
    stack = [(subject, 1.0, 0, frozenset({subject}))]
    while stack:
        node, share, d, seen = stack.pop()
        if d >= depth:
            continue
        for owner, _, data in g.in_edges(node, data=True):
            ratio = data.get("ratio")
            if data["role"] != "shareholder" or not ratio or owner in seen:
                continue
            step = share * ratio / 100.0
            out[owner] = out.get(owner, 0.0) + step * 100.0
            stack.append((owner, step, d + 1, seen | {owner}))
    return out


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def _igraph_graph(graph: Adjacency) -> ig.Graph:
    """The same role edges, numbered alike, as a directed igraph graph (walked with mode="all")."""
    edges = np.column_stack([np.asarray(graph.source, np.int64), np.asarray(graph.target, np.int64)])
    return ig.Graph(n=len(graph.ids), edges=edges, directed=True)


def _igraph_layers(g: ig.Graph, node: int, k: int) -> list[list[int]]:
    """The nodes at distance 1..k of ``node``, each layer sorted (for the check, not timed)."""
    return [sorted(g.neighborhood(node, order=d, mode="all", mindist=d)) for d in range(1, k + 1)]


def _our_layers(found: Any, k: int) -> list[list[int]]:
    return [sorted(found.nodes[found.distance == d].tolist()) for d in range(1, k + 1)]


class IgraphExposure:
    """graphsvc's exposure written the straightforward way on igraph: the graph's ``incident`` edges in both
    directions for each node of a layer (at most ``cap`` per node, by neighbour subject_id then edge), the strongest
    path weight among same-depth parents (the first in walk order on a tie), every non-red entry of a reached
    subject scored severity weight x decay^distance x path weight, sorted by score then entry_id; paths for the
    page. The edge data (role, ratio, dates) and the entries by node are plain Python, as an igraph user keeps
    them beside the graph; built once, apart from the queries."""

    def __init__(self, g: ig.Graph, graph: Adjacency, entries: pa.Table, settings: ExposureSettings) -> None:
        self.g, self.settings = g, settings
        self.ends = g.get_edgelist()
        self.ids = list(graph.ids)
        self.node = {sid: i for i, sid in enumerate(self.ids)}
        self.rank = np.asarray(graph.rank).tolist()
        self.roles = list(graph.roles)
        self.ratio = [None if r != r else r for r in np.asarray(graph.ratio).tolist()]
        self.valid_from = [graph.valid_from[e] for e in range(len(self.roles))]
        self.valid_to = [graph.valid_to[e] for e in range(len(self.roles))]
        self.step = []
        for role, ratio in zip(self.roles, self.ratio, strict=True):
            w = settings.role_weight.get(role, 1.0)
            self.step.append(w * ratio / 100.0 if role == "shareholder" and ratio is not None else w)
        self.by_node: dict[int, list[dict[str, Any]]] = {}
        for row in entries.to_pylist():
            node = graph.find(row["subject_id"])
            if node is not None:
                self.by_node.setdefault(node, []).append(row)

    def __call__(self, subject: str, k: int, *, cap: int = 1000, limit: int = 1000) -> dict[str, Any]:
        node0 = self.node[subject]
        dist, weight = {node0: 0}, {node0: 1.0}
        parent: dict[int, tuple[int, int, bool]] = {}
        capped: dict[int, int] = {}
        layer, truncated = [node0], False
        for depth in range(k):
            best: dict[int, tuple[float, int, int, bool]] = {}
            for node in sorted(layer, key=self.rank.__getitem__):
                steps = []
                for e in self.g.incident(node, mode="all"):
                    a, b = self.ends[e]
                    if a == b:
                        continue  # a self-loop leads nowhere
                    steps.append((self.rank[b if a == node else a], e, b if a == node else a, a == node))
                steps.sort()
                if len(steps) > cap:
                    capped[node] = len(steps)
                    steps = steps[:cap]
                for _, e, other, outward in steps:
                    if other in dist:
                        continue
                    w = weight[node] * self.step[e]
                    held = best.get(other)
                    if held is None or w > held[0]:
                        best[other] = (w, node, e, outward)
                if len(dist) + len(best) > MAX_VISITED:
                    truncated = True
                    break
            for other, (w, node, e, outward) in best.items():
                dist[other], weight[other], parent[other] = depth + 1, w, (node, e, outward)
            layer = list(best)
            if truncated or not layer:
                break
        settings = self.settings
        general = settings.severity_weight.get("general", 1.0)
        items = []
        for node, d in dist.items():
            for row in self.by_node.get(node, []):
                if row["list_type"] == "red":
                    continue
                severity = settings.severity_weight.get(row["severity"] or "general", general)
                items.append((severity * settings.decay**d * weight[node], row["entry_id"], node, row))
        items.sort(key=lambda item: (-item[0], item[1]))

        def path(node: int) -> list[dict[str, Any]]:
            steps = []
            while node != node0:
                previous, e, outward = parent[node]
                a, b = self.ends[e]
                steps.append(
                    {
                        "source": self.ids[a],
                        "role": self.roles[e],
                        "target": self.ids[b],
                        "ratio": self.ratio[e],
                        "valid_from": self.valid_from[e],
                        "valid_to": self.valid_to[e],
                        "direction": "out" if outward else "in",
                    }
                )
                node = previous
            return steps[::-1]

        shown = [
            {**row, "distance": dist[node], "path": path(node), "score": round(score, 9)}
            for score, _, node, row in items[:limit]
        ]
        return {
            "total": round(math.fsum(item[0] for item in items), 9),
            "subjects_reached": len(dist),
            "count": len(items),
            "items": shown,
            "truncated": truncated,
            "capped": [
                {"subject_id": self.ids[n], "edges": c, "followed": cap}
                for n, c in sorted(capped.items(), key=lambda x: self.ids[x[0]])
            ],
        }


def igraph_peer(graph: Adjacency, entries: pa.Table, settings: ExposureSettings, pools: dict[str, list[str]]) -> Any:
    """igraph's k-hop reach beside graphsvc's reach and exposure, uncapped, answers checked first."""
    out: dict[str, Any] = {}
    before = _rss_mb()
    start = time.perf_counter()
    g = _igraph_graph(graph)
    out["igraph_build_seconds"] = time.perf_counter() - start
    out["igraph_graph_rss_mb"] = _rss_mb() - before
    uncapped = int(np.diff(np.asarray(graph.walk_ptr)).max()) + 1
    out["uncapped_expand_cap"] = uncapped
    queries = (
        ("k2_typical", "typical", 2),
        ("k3_typical", "typical", 3),
        ("k2_hubs", "hubs", 2),
        ("k3_hubs", "hubs", 3),
    )
    timings: dict[str, Any] = {}
    for label, pool, k in queries:
        items = pools[pool]
        nodes = [graph.node(s) for s in items]
        for subject, node in zip(items, nodes, strict=True):  # like for like, before any time
            ours = reach(graph, subject, k=k, expand_cap=uncapped)
            if ours.truncated or _our_layers(ours, k) != _igraph_layers(g, node, k):
                raise SystemExit(f"reach {label} from {subject}: differs from igraph; not reporting times")
            answer = exposure(graph, entries, subject, k=k, settings=settings, expand_cap=uncapped)
            if answer["subjects_reached"] != len(ours.nodes) or not answer["complete"]:
                raise SystemExit(f"exposure {label} from {subject}: reach differs from igraph; not reporting times")
        peer_times, _ = _timed(lambda s, k=k: g.neighborhood(graph.node(s), order=k, mode="all"), items)
        reach_times, _ = _timed(lambda s, k=k: reach(graph, s, k=k, expand_cap=uncapped), items)
        exposure_times, _ = _timed(
            lambda s, k=k: exposure(graph, entries, s, k=k, settings=settings, expand_cap=uncapped), items
        )
        timings[label] = {
            "igraph_reach": _percentiles(peer_times),
            "graphsvc_reach": _percentiles(reach_times),
            "graphsvc_exposure": _percentiles(exposure_times),
            "reached_mean": float(np.mean([len(g.neighborhood(n, order=k, mode="all")) for n in nodes])),
        }
        t = timings[label]
        t["ratio_reach_p50"] = t["graphsvc_reach"]["p50_ms"] / t["igraph_reach"]["p50_ms"]
        t["ratio_exposure_p50"] = t["graphsvc_exposure"]["p50_ms"] / t["igraph_reach"]["p50_ms"]
    out["queries"] = timings
    # like for like: the whole exposure answer, capped as served (1000 edges per node), on igraph
    start = time.perf_counter()
    peer = IgraphExposure(g, graph, entries, settings)
    out["igraph_exposure_setup_seconds"] = time.perf_counter() - start
    served: dict[str, Any] = {}
    for label, pool, k in queries[:3]:
        items = pools[pool]
        mine_times, mine = _timed(lambda s, k=k: exposure(graph, entries, s, k=k, settings=settings, limit=1000), items)
        theirs_times, theirs = _timed(lambda s, k=k: peer(s, k), items)
        for a, b in zip(mine, theirs, strict=True):
            if _exposure_answer(a) != _exposure_answer(b):
                raise SystemExit(f"exposure {label}: differs from the igraph exposure; not reporting times")
        served[label] = {"graphsvc": _percentiles(mine_times), "igraph_exposure": _percentiles(theirs_times)}
        served[label]["ratio_graphsvc_over_igraph_p50"] = (
            served[label]["graphsvc"]["p50_ms"] / served[label]["igraph_exposure"]["p50_ms"]
        )
        # the same again, each subject asked of one then the other: neither runs with the caches the other left
        # (one subject after another of the same kind), and load changes on a shared machine hit both alike
        mine_times, theirs_times = [], []
        for s in items:
            mine_times += _timed(lambda s, k=k: exposure(graph, entries, s, k=k, settings=settings, limit=1000), [s])[0]
            theirs_times += _timed(lambda s, k=k: peer(s, k), [s])[0]
        alternating: dict[str, Any] = {
            "graphsvc": _percentiles(mine_times),
            "igraph_exposure": _percentiles(theirs_times),
        }
        alternating["ratio_graphsvc_over_igraph_p50"] = (
            alternating["graphsvc"]["p50_ms"] / alternating["igraph_exposure"]["p50_ms"]
        )
        served[label]["alternating"] = alternating
    out["exposure_capped_like_for_like"] = served
    return out


def cli_timings(db: Path, as_of: dt.date, subject: str, graph_dir: Path | None) -> dict[str, Any]:
    """Wall time of ``graphsvc exposure`` in a fresh process: with no saved graph, then mapping the saved one."""
    if graph_dir is not None:
        shutil.rmtree(graph_dir.parent.parent, ignore_errors=True)
    command = [str(Path(sys.executable).parent / "graphsvc"), "exposure", subject, "--db", str(db)]
    command += ["--as-of", as_of.isoformat()]
    runs, cpu = [], []
    for _ in range(6):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
        runs.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
    return {
        "command": " ".join(["graphsvc", *command[1:]]),
        "first_seconds": runs[0],
        "later_seconds": runs[1:],
        "first_cpu_seconds": cpu[0],
        "later_cpu_seconds": cpu[1:],
        "load_average_1min": os.getloadavg()[0],
    }


def run(subjects: int, as_of: dt.date, samples: int, work: Path, db: Path | None = None) -> dict[str, Any]:
    db = db or work / f"core-{subjects}.duckdb"
    if not db.exists():
        raise SystemExit(f"no store {db}: run `python -m bench.core --subjects {subjects}` first")
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "subjects": subjects,
        "as_of": as_of.isoformat(),
        "command": f"python -m bench.analytics --subjects {subjects} --samples {samples}",
        "load_average_1min_at_start": os.getloadavg()[0],  # other processes on the same cores
        "igraph_version": ig.__version__,
    }
    profile = load_profile("default")
    with EmbeddedStore(db, read_only=True) as store:
        before = _rss_mb()
        start = time.perf_counter()
        graph = AdjacencyCache(keep_on_disk=False).get(store, as_of)  # built here, in memory, to be measured
        report["adjacency_build_seconds"] = time.perf_counter() - start
        report["adjacency_rss_mb_after_build"] = _rss_mb() - before
        report["adjacency_columns_mb"] = graph.nbytes() / 2**20
        entries = store.entries_in_force(build_context(profile, as_of))
        graph_dir = saved_directory(store, as_of, store.generation().batch)
    report["edges"] = len(graph.roles)
    report["entries_in_force"] = entries.num_rows
    degree = np.bincount(graph.source, minlength=len(graph.ids)) + np.bincount(graph.target, minlength=len(graph.ids))
    rng = random.Random(7)
    typical_pool = [i for i in np.flatnonzero((degree >= 2) & (degree <= 10)).tolist()]
    typical = [graph.ids[i] for i in rng.sample(typical_pool, min(samples, len(typical_pool)))]
    hubs = [graph.ids[int(i)] for i in np.argsort(-degree)[:20]]
    holders = np.bincount(graph.target[np.array([r == "shareholder" for r in graph.roles])], minlength=len(graph.ids))
    enterprises = np.array([k == "enterprise" for k in graph.kinds])
    top = [graph.ids[int(i)] for i in np.argsort(-(holders * enterprises))[:100]]

    def ours_exposure(k: int) -> Any:
        return lambda s: exposure(graph, entries, s, k=k, settings=profile.exposure, limit=1000)

    start = time.perf_counter()
    prepare(graph, entries, profile.exposure)  # walk order, step weights, entries by node: once per graph
    report["exposure_index_seconds"] = time.perf_counter() - start
    queries = (("k2_typical", typical, 2), ("k3_typical", typical, 3), ("k2_hubs", hubs, 2))
    ours: dict[str, Any] = {}
    exposures: dict[str, list[Any]] = {}
    for label, items, k in queries:
        times, exposures[label] = _timed(ours_exposure(k), items)
        ours[label] = _percentiles(times)
    times, penetrations = _timed(lambda s: penetrate(graph, s, "up", max_depth=10), top)
    ours["penetration_top100"] = _percentiles(times)
    report["graphsvc"] = ours
    report["peak_mb_after_graphsvc"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    start = time.perf_counter()
    g = _nx_graph(graph)
    report["networkx_build_seconds"] = time.perf_counter() - start
    by_subject = _nx_entries(entries)
    peer: dict[str, Any] = {}
    for label, items, k in queries:
        times, theirs = _timed(lambda s, k=k: _nx_exposure(g, by_subject, s, k, profile.exposure), items)
        peer[label] = _percentiles(times)
        for mine, other in zip(exposures[label], theirs, strict=True):
            if _exposure_answer(mine) != _exposure_answer(other):
                raise SystemExit(f"exposure {label}: items differ from networkx; not reporting times")
    times, nx_pen = _timed(lambda s: _nx_penetrate(g, s, 10), top)
    peer["penetration_top100"] = _percentiles(times)
    for ours_result, theirs in zip(penetrations, nx_pen, strict=True):
        mine = {graph.ids[h.node]: h.percent for h in ours_result.holdings.values()}
        if mine.keys() != theirs.keys() or any(abs(mine[k] - theirs[k]) > 1e-6 for k in mine):
            raise SystemExit("penetration differs from networkx; not reporting times")
    report["networkx"] = peer
    g.clear()  # the networkx graph's memory, before the igraph peer is measured
    report["igraph"] = igraph_peer(graph, entries, profile.exposure, {"typical": typical, "hubs": hubs})
    report["cli"] = cli_timings(db, as_of, typical[0], graph_dir)
    report["load_average_1min_at_end"] = os.getloadavg()[0]
    report["answers_agree"] = True
    report["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["ratios_networkx_over_graphsvc_p50"] = {
        label: peer[label]["p50_ms"] / ours[label]["p50_ms"] for label in ours
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--db", type=Path, help="another store than bench/out/core-N.duckdb")
    args = parser.parse_args()
    report = run(args.subjects, dt.date.fromisoformat(args.as_of), args.samples, args.work, args.db)
    args.work.mkdir(parents=True, exist_ok=True)
    out = args.work / f"analytics-{args.subjects}.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
