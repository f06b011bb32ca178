"""Core-engine benchmark: load from CSV, evaluate all rules for one date, and a networkx peer for P1 and W1.

    python -m bench.core [--subjects 1000000] [--as-of 2026-06-30] [--work bench/out]

Each phase runs in its own process, so the peak memory reported (ru_maxrss of that process) is the phase's own.
The peer is a straightforward networkx implementation of P1 and W1 with the same semantics (default profile:
validity by severity, objections suspend, roles held on the act date), built from the same CSV files; its answers
are checked against the engine's before any time is reported.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- phases (each runs in a child process) -----------------------------------------------------------------------


def phase_generate(data: Path, subjects: int) -> dict[str, Any]:
    from bench.generate import generate

    start = time.perf_counter()
    summary = generate(data, subjects)
    return {
        "seconds": time.perf_counter() - start,
        "subjects": summary.subjects,
        "roles": summary.roles,
        "entries": summary.entries,
        "findings": summary.responsibilities,
    }


def phase_load(data: Path, db: Path, fresh: bool) -> dict[str, Any]:
    from graphsvc.stores.embedded import EmbeddedStore
    from loaders.canonical import load_directory

    if fresh:
        for p in (db, Path(str(db) + ".wal")):
            p.unlink(missing_ok=True)
    start = time.perf_counter()
    with EmbeddedStore(db) as store:
        report = load_directory(data, store)
        stats = store.stats()
    assert report.result is not None
    return {
        "seconds": time.perf_counter() - start,
        "stats": stats,
        "inserted": report.result.inserted,
        "superseded": report.result.superseded,
    }


def phase_evaluate(db: Path, as_of: str, rules: str) -> dict[str, Any]:
    from graphsvc.engine import evaluate
    from graphsvc.profiles import Profile, load_profile
    from graphsvc.stores.embedded import EmbeddedStore

    profile = load_profile("default")
    if rules != "all":
        wanted = set(rules.split(","))
        profile = Profile.model_validate(
            {**profile.model_dump(), "rules": {k: v for k, v in profile.rules.items() if k in wanted}}
        )
    with EmbeddedStore(db) as store:
        start = time.perf_counter()
        result = evaluate(store, profile, dt.date.fromisoformat(as_of))
        seconds = time.perf_counter() - start
    records = result.records.to_pylist()
    by_rule: dict[str, int] = {}
    for r in records:
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    p1 = sorted({(r["subject_id"], r["source_entry_id"]) for r in records if r["rule"] == "P1"})
    w1 = sorted({r["subject_id"] for r in records if r["rule"] == "W1"})
    return {"seconds": seconds, "derived": len(records), "by_rule": by_rule, "p1": p1, "w1": w1}


def phase_networkx(data: Path, as_of: str) -> dict[str, Any]:
    """The peer: networkx graph of the same data, P1 and W1 by direct traversal."""
    import networkx as nx

    day = dt.date.fromisoformat(as_of)

    def d(text: str) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    start = time.perf_counter()
    graph = nx.MultiDiGraph()
    with (data / "subjects.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            graph.add_node(row["subject_id"], kind=row["kind"])
    with (data / "roles.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            graph.add_edge(
                row["source_id"],
                row["target_id"],
                role=row["role"],
                since=d(row["valid_from"]),
                until=d(row["valid_to"]),
            )
    entries: list[dict[str, Any]] = []
    with (data / "entries.csv").open(encoding="utf-8-sig", newline="") as fh:
        entries = list(csv.DictReader(fh))
    findings: dict[str, set[str]] = {}
    with (data / "responsibilities.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            findings.setdefault(row["entry_id"], set()).add(row["person_id"])
    build = time.perf_counter() - start

    def until(e: dict[str, Any]) -> dt.date | None:
        if e["valid_until"]:
            return d(e["valid_until"])
        if e["list_type"] == "red":
            return None
        determined = d(e["determined_on"])
        assert determined is not None
        years = 3 if e["severity"] == "serious" else 1
        try:
            return determined.replace(year=determined.year + years)
        except ValueError:  # 29 February
            return determined.replace(year=determined.year + years, day=28)

    def in_force(e: dict[str, Any]) -> bool:
        status = e["status"] if not e.get("status_since") or d(e["status_since"]) <= day else "active"  # type: ignore[operator]
        end = until(e)
        determined = d(e["determined_on"])
        assert determined is not None
        return status == "active" and determined <= day and (end is None or day <= end)

    start = time.perf_counter()
    organisations = {"enterprise", "social_org", "public_institution", "government"}
    p1: set[tuple[str, str]] = set()
    for e in entries:
        if e["severity"] != "serious" or e["list_type"] == "red" or not in_force(e):
            continue
        org = e["subject_id"]
        if graph.nodes[org].get("kind") not in organisations:
            continue
        when = d(e["act_date"]) or d(e["determined_on"])
        assert when is not None
        for person, _, attrs in graph.in_edges(org, data=True):
            held = (attrs["since"] is None or attrs["since"] <= when) and (
                attrs["until"] is None or when <= attrs["until"]
            )
            if held and attrs["role"] in ("legal_representative", "main_person_in_charge"):
                p1.add((person, e["entry_id"]))
        for person in findings.get(e["entry_id"], ()):
            p1.add((person, e["entry_id"]))
    p1_seconds = time.perf_counter() - start

    start = time.perf_counter()
    domains: dict[str, set[str]] = {}
    for e in entries:
        if e["list_type"] == "focus" and in_force(e):
            domains.setdefault(e["subject_id"], set()).add(e["domain"])
    w1 = sorted(s for s, ds in domains.items() if len(ds) >= 3)
    w1_seconds = time.perf_counter() - start
    return {
        "build_seconds": build,
        "p1_seconds": p1_seconds,
        "w1_seconds": w1_seconds,
        "p1": sorted(p1),
        "w1": w1,
    }


# -- driver ---------------------------------------------------------------------------------------------------------


def _child(args: list[str]) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; return its result and its own peak memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.core", "--phase", *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run(subjects: int, as_of: str, work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    data, db = work / f"data-{subjects}", work / f"core-{subjects}.duckdb"
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "subjects": subjects,
        "as_of": as_of,
    }
    if not (data / "subjects.csv").exists():
        report["generate"] = _child(["generate", str(data), str(subjects)])
    report["load"] = _child(["load", str(data), str(db), "fresh"])
    report["reload_same_files"] = _child(["load", str(data), str(db), "again"])
    report["evaluate_all"] = _child(["evaluate", str(db), as_of, "all"])
    report["evaluate_p1_w1"] = _child(["evaluate", str(db), as_of, "P1,W1"])
    report["networkx"] = _child(["networkx", str(data), as_of])
    ours, peer = report["evaluate_p1_w1"], report["networkx"]
    agree = [tuple(x) for x in ours["p1"]] == [tuple(x) for x in peer["p1"]] and ours["w1"] == peer["w1"]
    report["answers_agree"] = agree
    if not agree:
        raise SystemExit("the engine and the networkx peer disagree on P1/W1: not reporting times")
    for key in ("evaluate_all", "evaluate_p1_w1", "networkx"):
        for big in ("p1", "w1"):
            report[key].pop(big, None)
    peer_total = peer["p1_seconds"] + peer["w1_seconds"]
    report["ratios"] = {
        "networkx_p1_w1_rules / engine_p1_w1": peer_total / ours["seconds"],
        "networkx_build_plus_rules / engine_load_plus_p1_w1": (peer["build_seconds"] + peer_total)
        / (report["load"]["seconds"] + ours["seconds"]),
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "generate":
            result = phase_generate(Path(rest[0]), int(rest[1]))
        elif name == "load":
            result = phase_load(Path(rest[0]), Path(rest[1]), rest[2] == "fresh")
        elif name == "evaluate":
            result = phase_evaluate(Path(rest[0]), rest[1], rest[2])
        else:
            result = phase_networkx(Path(rest[0]), rest[1])
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    report = run(args.subjects, args.as_of, args.work)
    out = args.work / f"core-{args.subjects}.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
