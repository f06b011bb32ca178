"""Neo4j-store benchmark: load and full evaluation on a Bolt server beside the embedded store, same data, one run.

    python -m bench.neo4j_store [--subjects 100000] [--as-of 2026-06-30] [--batch-size 10000]

Without NEO4J_URI a private ArcadeDB Bolt server is started (tests/bolt_server.py); with it, that server is used
and its database is emptied first. The two stores' derived records are compared before any time is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run(subjects: int, as_of: str, batch_size: int, work: Path) -> dict[str, Any]:
    from bench.generate import generate
    from graphsvc.engine import evaluate
    from graphsvc.profiles import load_profile
    from graphsvc.stores.embedded import EmbeddedStore
    from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
    from loaders.canonical import load_directory
    from tests.bolt_server import BoltServer, start_arcadedb

    work.mkdir(parents=True, exist_ok=True)
    data = work / f"data-{subjects}"
    if not (data / "subjects.csv").exists():
        generate(data, subjects)
    day = dt.date.fromisoformat(as_of)
    profile = load_profile("default")
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "subjects": subjects,
        "as_of": as_of,
        "batch_size": batch_size,
    }
    with ExitStack() as stack:
        if os.environ.get("NEO4J_URI"):
            server = BoltServer(
                os.environ["NEO4J_URI"],
                os.environ.get("NEO4J_USER", "neo4j"),
                os.environ.get("NEO4J_PASSWORD", ""),
                os.environ.get("NEO4J_DATABASE", "neo4j"),
            )
            report["server"] = server.uri
        else:
            process = stack.enter_context(start_arcadedb(heap="4g"))
            server = process.bolt
            report["server"] = "ArcadeDB 26.10.2 Bolt server (arcadedb-embedded wheel), -Xmx4g"
        db = work / f"neo4j-peer-{subjects}.duckdb"
        for p in (db, Path(str(db) + ".wal")):
            p.unlink(missing_ok=True)
        with EmbeddedStore(db) as embedded:
            start = time.perf_counter()
            load_directory(data, embedded)
            report["embedded_load_seconds"] = time.perf_counter() - start
            start = time.perf_counter()
            expected = evaluate(embedded, profile, day).records
            report["embedded_evaluate_seconds"] = time.perf_counter() - start
            report["stats"] = embedded.stats()
        settings = Neo4jSettings(server.uri, server.user, server.password, server.database, batch_size)
        with Neo4jStore(settings) as neo:
            with server.driver() as driver, driver.session(database=server.database) as session:
                while session.run("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c").single()[0]:
                    pass
            start = time.perf_counter()
            load_directory(data, neo)
            report["neo4j_load_seconds"] = time.perf_counter() - start
            start = time.perf_counter()
            got = evaluate(neo, profile, day).records
            report["neo4j_evaluate_seconds"] = time.perf_counter() - start
            report["answers_agree"] = got.to_pylist() == expected.to_pylist()
            report["derived"] = got.num_rows
    if not report["answers_agree"]:
        raise SystemExit("the Neo4j store and the embedded store disagree: not reporting times")
    report["ratios"] = {
        "neo4j_load / embedded_load": report["neo4j_load_seconds"] / report["embedded_load_seconds"],
        "neo4j_evaluate / embedded_evaluate": report["neo4j_evaluate_seconds"] / report["embedded_evaluate_seconds"],
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    report = run(args.subjects, args.as_of, args.batch_size, args.work)
    out = args.work / f"neo4j-store-{args.subjects}.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
