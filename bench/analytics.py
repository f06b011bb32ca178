"""Investigator-analytics benchmark on the embedded store, beside a straightforward networkx peer.

    python -m bench.analytics [--subjects 1000000] [--as-of 2026-06-30] [--samples 200]

Uses the core benchmark's store (bench/out/core-N.duckdb, made by `python -m bench.core` or here). Measures
exposure k=2 and k=3 from typical subjects and from hubs, and upward ownership penetration to depth 10 from the
100 enterprises with the most shareholders; then the same queries with networkx on a graph of the same roles.
The reached sets (exposure) and cumulative percentages (penetration) are compared before any time is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from graphsvc.analytics.adjacency import Adjacency, AdjacencyCache
from graphsvc.analytics.exposure import exposure
from graphsvc.analytics.ownership import penetrate
from graphsvc.profiles import load_profile
from graphsvc.rules.context import build_context
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
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    g.add_nodes_from(graph.ids)
    for e in range(len(graph.roles)):
        ratio = float(graph.ratio[e])
        g.add_edge(
            graph.ids[int(graph.source[e])],
            graph.ids[int(graph.target[e])],
            role=graph.roles[e],
            ratio=None if np.isnan(ratio) else ratio,
        )
    return g


def _nx_reached(g: nx.MultiDiGraph[str], subject: str, k: int, cap: int) -> set[str]:
    """Subjects within k hops, undirected, following at most ``cap`` edges per node in subject-id order."""
    seen = {subject}
    frontier = [subject]
    for _ in range(k):
        nxt: list[str] = []
        for node in frontier:
            edges = sorted(
                [(v, key) for _, v, key in g.out_edges(node, keys=True)]
                + [(u, key) for u, _, key in g.in_edges(node, keys=True)]
            )[:cap]
            for other, _ in edges:
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        frontier = nxt
    return seen


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


def run(subjects: int, as_of: dt.date, samples: int, work: Path, db: Path | None = None) -> dict[str, Any]:
    db = db or work / f"core-{subjects}.duckdb"
    if not db.exists():
        raise SystemExit(f"no store {db}: run `python -m bench.core --subjects {subjects}` first")
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "subjects": subjects,
        "as_of": as_of.isoformat(),
    }
    profile = load_profile("default")
    with EmbeddedStore(db, read_only=True) as store:
        start = time.perf_counter()
        graph = AdjacencyCache().get(store, as_of)
        report["adjacency_build_seconds"] = time.perf_counter() - start
        entries = store.entries_in_force(build_context(profile, as_of))
    report["edges"] = len(graph.roles)
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

    ours: dict[str, Any] = {}
    for label, items, k in (("k2_typical", typical, 2), ("k3_typical", typical, 3), ("k2_hubs", hubs, 2)):
        times, _ = _timed(ours_exposure(k), items)
        ours[label] = _percentiles(times)
    times, penetrations = _timed(lambda s: penetrate(graph, s, "up", max_depth=10), top)
    ours["penetration_top100"] = _percentiles(times)
    report["graphsvc"] = ours
    report["peak_mb_after_graphsvc"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    start = time.perf_counter()
    g = _nx_graph(graph)
    report["networkx_build_seconds"] = time.perf_counter() - start
    peer: dict[str, Any] = {}
    for label, items, k in (("k2_typical", typical, 2), ("k3_typical", typical, 3), ("k2_hubs", hubs, 2)):
        times, sets = _timed(lambda s, k=k: _nx_reached(g, s, k, 1000), items)
        peer[label] = _percentiles(times)
        ours_counts = [
            exposure(graph, entries, s, k=k, settings=profile.exposure, limit=1)["subjects_reached"] for s in items
        ]
        if ours_counts != [len(x) for x in sets]:
            raise SystemExit(f"exposure {label}: reached sets differ from networkx; not reporting times")
    times, nx_pen = _timed(lambda s: _nx_penetrate(g, s, 10), top)
    peer["penetration_top100"] = _percentiles(times)
    for ours_result, theirs in zip(penetrations, nx_pen, strict=True):
        mine = {graph.ids[h.node]: h.percent for h in ours_result.holdings.values()}
        if mine.keys() != theirs.keys() or any(abs(mine[k] - theirs[k]) > 1e-6 for k in mine):
            raise SystemExit("penetration differs from networkx; not reporting times")
    report["networkx"] = peer
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
