"""Lookups by id: the subject profile and the decision check, in process and over HTTP, beside peers.

    python -m bench.lookups [--subjects 1000000] [--hub-roles 100000] [--samples 2000] [--seconds 20]
                            [--concurrency 2] [--as-of 2026-06-30]

1. store: ``bench/out/lookups-N.duckdb``, made once: a copy of the API benchmark's pristine store
   (``api-N.duckdb``, loaded by ``bench.api``'s preparation when missing) with a planted hub: the enterprise
   that already has the most roles gets shareholdings in further enterprises (1 %, one ``graphsvc load`` of a
   roles file) until it has ``--hub-roles`` role versions. Every run serves a fresh copy
   (``lookups-N.serve.duckdb``);
2. in process (a child process, so its memory is its own): the service object as a worker holds it
   (``api.service.Service``), its decision view and its subject-facts index built and timed, then the endpoint
   functions called directly, as FastAPI calls them but without HTTP: ``GET /v1/subjects/{id}`` for
   ``--samples`` subjects drawn at random (government tier, first page of roles), alone and with the response
   model's JSON; the hub's first page, a 1,000-role page and a page deep in its roles; ``GET /v1/decisions``
   (``action=check``) for the same subjects. Peers in the same process: a plain dict lookup of the same
   subjects' roles (prebuilt Python lists: the floor of any in-memory answer), and the per-request store read
   the profile did before the index (open the store, ``subject_facts``, close), for typical subjects and the hub;
3. over HTTP: ``graphsvc-api serve`` with ``--workers`` workers and the load generator of ``bench.api``
   (``--concurrency`` keep-alive connections spread over the workers, closed loop, warm-up first), for
   ``--seconds`` each: profiles of random subjects, random pages of the hub's roles, and the API benchmark's
   decision-check mix (``api-N.requests.txt``, when present); each followed by ``GET /health`` with the same
   connections as the peer.

The load average is recorded at the start and at the end: the machine may be shared. Results:
``bench/results-lookups-N.json`` and a summary on stdout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench import api as http

ROOT = http.ROOT
BIN = http.BIN
TARGETS = {"in_process_p99_ms_below": 10.0, "http_p99_ms_below": 25.0}


def _ms(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000.0
    return {
        "n": len(samples),
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(np.max(ms)),
        "mean_ms": float(np.mean(ms)),
    }


def _timed(calls: list[Callable[[], Any]]) -> dict[str, float]:
    clock = time.perf_counter
    samples = []
    for call in calls:
        start = clock()
        call()
        samples.append(clock() - start)
    return _ms(samples)


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- the store with a planted hub ------------------------------------------------------------------------------------


def _biggest_hub(db: Path) -> tuple[str, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            """SELECT id, count(*) AS n FROM (SELECT source_id AS id FROM roles
                   UNION ALL SELECT target_id FROM roles WHERE target_id <> source_id)
               GROUP BY id ORDER BY n DESC, id LIMIT 1"""
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0]), int(row[1])


def plant_hub(db: Path, hub_roles: int, work: Path) -> dict[str, Any]:
    """Give the enterprise with the most roles shareholdings (1 %) in further enterprises, by id, until it has
    ``hub_roles`` role versions, in one ``graphsvc load`` of a roles file."""
    import duckdb

    hub, held = _biggest_hub(db)
    wanted = max(0, hub_roles - held)
    con = duckdb.connect(str(db), read_only=True)
    try:
        targets = [
            str(r[0])
            for r in con.execute(
                """SELECT subject_id FROM subjects s
                   WHERE superseded_at IS NULL AND kind = 'enterprise' AND subject_id <> $hub
                     AND NOT EXISTS (SELECT 1 FROM roles r WHERE r.source_id = $hub AND r.target_id = s.subject_id)
                   ORDER BY subject_id LIMIT $n""",
                {"hub": hub, "n": wanted},
            ).fetchall()
        ]
    finally:
        con.close()
    if len(targets) < wanted:
        raise SystemExit(f"only {len(targets)} enterprises to plant {wanted} holdings of {hub}")
    folder = work / "lookups-hub"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    first = dt.date(2010, 1, 1)
    with (folder / "roles.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["source_id", "role", "target_id", "ratio", "valid_from", "valid_to"])
        for i, target in enumerate(targets):
            out.writerow([hub, "shareholder", target, "1", (first + dt.timedelta(days=i % 5000)).isoformat(), ""])
    start = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "graphsvc"), "load", "--db", str(db), str(folder)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"graphsvc load of the hub's roles failed:\n{proc.stdout}\n{proc.stderr}")
    shutil.rmtree(folder)
    return {"hub": hub, "roles_before": held, "planted": wanted, "load_seconds": time.perf_counter() - start}


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    work: Path = args.work
    n = args.subjects
    data, api_pristine = work / f"data-{n}", work / f"api-{n}.duckdb"
    pristine, served = work / f"lookups-{n}.duckdb", work / f"lookups-{n}.serve.duckdb"
    report: dict[str, Any] = {}
    if not (data / "subjects.csv").exists():
        subprocess.run(
            [sys.executable, "-m", "bench.generate", str(data), "--subjects", str(n)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    manifest = work / f"lookups-{n}.json"
    known = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() and pristine.exists() else {}
    if known.get("hub_roles") != args.hub_roles:
        making = work / f"lookups-{n}.making.duckdb"
        http.prepare_store(data, api_pristine, making)  # loads the API benchmark's store first when missing
        planted = plant_hub(making, args.hub_roles, work)
        for suffix in (".generation", ""):
            os.replace(Path(str(making) + suffix), Path(str(pristine) + suffix))
        for suffix in (".wal", ".lock"):
            Path(str(making) + suffix).unlink(missing_ok=True)
        shutil.rmtree(Path(str(making) + ".audit"), ignore_errors=True)
        known = {"hub_roles": args.hub_roles, **planted}
        manifest.write_text(json.dumps(known), encoding="utf-8")
    report["hub"] = known
    report["store"] = http.prepare_store(data, pristine, served)
    return report


# -- in process -----------------------------------------------------------------------------------------------------


def _request(path: str, query: dict[str, Any] | None = None) -> Any:
    from starlette.requests import Request

    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("127.0.0.1", 80),
            "root_path": "",
            "path": path,
            "query_string": urllib.parse.urlencode(query or {}).encode("ascii"),
            "headers": [],
            "path_params": {},
        }
    )


def phase_inprocess(db: Path, as_of: str, samples: int, hub: str, seed: int) -> dict[str, Any]:
    from api.models import DecisionAnswer, SubjectProfile
    from api.routers.subjects import ROLES_LIMIT, decision_check, subject_profile
    from api.settings import ServiceSettings
    from api.tiers import Tier, add_key
    from graphsvc.decisions import Action

    report: dict[str, Any] = {"rss_mb_at_start": _rss_mb()}
    keys = db.with_name(db.name + ".inprocess-keys.json")
    keys.unlink(missing_ok=True)
    key = add_key(keys, "bench", Tier.GOVERNMENT)
    audit = db.with_name(db.name + ".inprocess-audit")
    shutil.rmtree(audit, ignore_errors=True)
    settings = ServiceSettings(
        store="embedded",
        db=db,
        profile="default",
        as_of=dt.date.fromisoformat(as_of),
        api_keys=keys,
        audit_dir=audit,
        audit_flush_seconds=3600.0,
    )
    from api.service import Service

    service = Service(settings)
    record = service.keys.identify(key)
    assert record is not None
    caller = record.caller()
    start = time.perf_counter()
    snapshot, _view = service.views.view(settings.profile, settings.today())
    report["views_seconds"] = time.perf_counter() - start
    report["rss_mb_after_views"] = _rss_mb()
    start = time.perf_counter()
    service.views.warm_facts()
    report["facts_index_seconds"] = time.perf_counter() - start
    facts = service.views.subject_facts(snapshot, hub)
    report["facts_index_mb"] = facts.nbytes / 2**20
    gc.collect()
    report["rss_mb_after_index"] = _rss_mb()
    ids: list[str] = snapshot.subjects.column("subject_id").to_pylist()
    chosen = random.Random(seed).sample(ids, samples)
    report["subjects"] = len(ids)
    sizes = [facts.roles(sid, 0, 0)[1] for sid in chosen]
    report["typical_roles"] = {"mean": float(np.mean(sizes)), "max": int(np.max(sizes))}
    report["hub"] = {"subject_id": hub, "roles": facts.roles(hub, 0, 0)[1]}

    def profile(sid: str, **page: int) -> dict[str, Any]:
        answer: dict[str, Any] = subject_profile(
            request=_request(f"/v1/subjects/{sid}", page),
            subject_id=sid,
            service=service,
            caller=caller,
            as_of=None,
            profile=None,
            roles_offset=page.get("roles_offset", 0),
            roles_limit=page.get("roles_limit", ROLES_LIMIT),
        )
        return answer

    def profile_json(sid: str, **page: int) -> str:
        return SubjectProfile.model_validate(profile(sid, **page)).model_dump_json()

    def decision(sid: str) -> str:
        answer = decision_check(
            request=_request("/v1/decisions", {"subject_id": sid}),
            service=service,
            caller=caller,
            subject_id=sid,
            date=None,
            action=Action.CHECK,
            enterprise_id=None,
            profile=None,
        )
        return DecisionAnswer.model_validate(answer).model_dump_json()

    for sid in chosen[:50]:  # first calls: imports, caches
        profile_json(sid)
        decision(sid)
    # The peer: the same subjects' roles from a plain dict of prebuilt lists.
    prebuilt = {sid: facts.roles(sid, 0, ROLES_LIMIT)[0] for sid in chosen}
    hub_pages = max(1, report["hub"]["roles"] // ROLES_LIMIT)
    rng = random.Random(seed + 1)
    offsets = [rng.randrange(hub_pages) * ROLES_LIMIT for _ in range(200)]
    deep = max(0, report["hub"]["roles"] - ROLES_LIMIT)
    timings: dict[str, Any] = {
        "profile": _timed([lambda s=sid: profile(s) for sid in chosen]),
        "profile_json": _timed([lambda s=sid: profile_json(s) for sid in chosen]),
        "decision_json": _timed([lambda s=sid: decision(s) for sid in chosen]),
        "peer_dict_lookup": _timed([lambda s=sid: list(prebuilt[s]) for sid in chosen]),
        "hub_first_page_json": _timed([lambda: profile_json(hub)] * 200),
        "hub_random_page_json": _timed([lambda o=o: profile_json(hub, roles_offset=o) for o in offsets]),
        "hub_last_page_json": _timed([lambda: profile_json(hub, roles_offset=deep)] * 200),
        "hub_page_of_1000_json": _timed([lambda: profile_json(hub, roles_limit=1000)] * 50),
    }

    def store_read(sid: str) -> None:
        with service.access.read() as store:
            store.subject_facts(sid)

    # Before the index: every profile opened the store and scanned the roles (the peer the issue measured).
    timings["before_store_read"] = _timed([lambda s=sid: store_read(s) for sid in chosen[:100]])
    timings["before_store_read_hub"] = _timed([lambda: store_read(hub)] * 5)
    report["timings"] = timings
    report["answer_bytes"] = {
        "typical_mean": float(np.mean([len(profile_json(s)) for s in chosen[:200]])),
        "hub_first_page": len(profile_json(hub)),
    }
    report["rss_mb_at_end"] = _rss_mb()
    service.close()
    keys.unlink(missing_ok=True)
    shutil.rmtree(audit, ignore_errors=True)
    return report


def _child(args: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.lookups", "--phase", *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- over HTTP ------------------------------------------------------------------------------------------------------


def _paths_file(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def over_http(args: argparse.Namespace, served: Path, hub: str, hub_roles: int) -> dict[str, Any]:
    import duckdb

    from api.routers.subjects import ROLES_LIMIT
    from api.tiers import Tier, add_key

    work: Path = args.work
    n = args.subjects
    con = duckdb.connect(str(served), read_only=True)
    try:
        ids = [str(r[0]) for r in con.execute("SELECT subject_id FROM subjects WHERE superseded_at IS NULL").fetchall()]
    finally:
        con.close()
    rng = random.Random(args.seed)
    scenarios: dict[str, Path] = {
        "profiles": _paths_file(
            work / f"lookups-{n}.profiles.txt",
            [f"/v1/subjects/{urllib.parse.quote(s)}" for s in rng.sample(ids, min(len(ids), 50_000))],
        ),
        "hub_pages": _paths_file(
            work / f"lookups-{n}.hub.txt",
            [
                f"/v1/subjects/{hub}?roles_offset={rng.randrange(max(1, hub_roles // ROLES_LIMIT)) * ROLES_LIMIT}"
                for _ in range(5_000)
            ],
        ),
    }
    decisions = work / f"api-{n}.requests.txt"
    if decisions.exists():
        scenarios["decisions"] = decisions
    keys = work / f"lookups-{n}.keys.json"
    keys.unlink(missing_ok=True)
    key = add_key(keys, "bench", Tier.GOVERNMENT)
    drive_args = argparse.Namespace(
        concurrency=args.concurrency,
        seconds=args.seconds,
        health_seconds=args.health_seconds,
        warmup=args.warmup,
        client="raw",
        quiet_wait=args.quiet_wait,
        profile=False,
        work=work,
        subjects=n,
    )
    report: dict[str, Any] = {"serving": http.serving_stack(), "workers": args.workers}
    server = http.Server(served, args.workers, args.as_of, keys, work / f"lookups-{n}.server.log")
    try:
        start = time.perf_counter()
        report["ready"] = server.wait_ready(900.0)
        report["ready_seconds"] = time.perf_counter() - start
        for name, paths in scenarios.items():
            print(f"over HTTP: {name} ({args.seconds:g} s, then /health), load average {_loadavg()}", file=sys.stderr)
            run = http.drive(server, drive_args, paths, key)
            report[name] = {
                "answers": run.pop("decisions"),
                "health": run.pop("health"),
                "load_average_after": _loadavg(),
                **run,
            }
    finally:
        server.stop()
    return report


# -- the run --------------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "machine": http._machine(),
        "subjects": args.subjects,
        "as_of": args.as_of,
        "command": " ".join(["python -m bench.lookups", *http._public_args(sys.argv[1:])]),
        "load_average_at_start": _loadavg(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    report.update(prepare(args))
    served = args.work / f"lookups-{args.subjects}.serve.duckdb"
    hub = report["hub"]["hub"]
    print(f"in process: {args.samples} subjects and the hub {hub}, load average {_loadavg()}", file=sys.stderr)
    report["in_process"] = _child(["inprocess", str(served), args.as_of, str(args.samples), hub, str(args.seed)])
    report["load_average_after_in_process"] = _loadavg()
    if args.seconds > 0:
        report["http"] = over_http(args, served, hub, report["in_process"]["hub"]["roles"])
    report["load_average_at_end"] = _loadavg()
    t = report["in_process"]["timings"]
    report["ratios"] = {
        "profile_json / peer_dict_lookup (p50)": t["profile_json"]["p50_ms"] / t["peer_dict_lookup"]["p50_ms"],
        "before_store_read / profile_json (p50)": t["before_store_read"]["p50_ms"] / t["profile_json"]["p50_ms"],
        "before_store_read / profile_json (p99)": t["before_store_read"]["p99_ms"] / t["profile_json"]["p99_ms"],
    }
    targets: dict[str, Any] = {
        **TARGETS,
        "in_process_met": t["profile_json"]["p99_ms"] < TARGETS["in_process_p99_ms_below"]
        and t["hub_random_page_json"]["p99_ms"] < TARGETS["in_process_p99_ms_below"],
    }
    if "http" in report:
        h = report["http"]
        for name in ("profiles", "hub_pages", "decisions"):
            if name in h:
                answers, health = h[name]["answers"], h[name]["health"]
                report["ratios"][f"{name} / health (p50)"] = answers["p50_ms"] / health["p50_ms"]
                report["ratios"][f"{name} / health (p99)"] = answers["p99_ms"] / health["p99_ms"]
        targets["http_met"] = (
            h["profiles"]["answers"]["p99_ms"] < TARGETS["http_p99_ms_below"]
            and h["hub_pages"]["answers"]["p99_ms"] < TARGETS["http_p99_ms_below"]
            and h["profiles"]["answers"]["errors"] + h["hub_pages"]["answers"]["errors"] == 0
        )
    report["targets"] = targets
    return report


def _summary(r: dict[str, Any]) -> str:
    p = r["in_process"]
    t = p["timings"]
    lines = [
        f"{r['subjects']:,} subjects; hub {p['hub']['subject_id']} with {p['hub']['roles']:,} roles; {r['machine']}",
        f"load average: start {r['load_average_at_start']}, end {r['load_average_at_end']}",
        f"facts index: {p['facts_index_seconds']:.1f} s, {p['facts_index_mb']:.0f} MB "
        f"(RSS {p['rss_mb_after_views']:.0f} -> {p['rss_mb_after_index']:.0f} MB)",
        f"{'in process':28} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}",
    ]
    for name, v in t.items():
        lines.append(f"{name:28} {v['p50_ms']:8.3f} {v['p90_ms']:8.3f} {v['p99_ms']:8.3f} {v['max_ms']:8.2f}")
    if "http" in r:
        header = f"{'over HTTP':28} {'req/s':>8} {'p50':>8} {'p99':>8} {'errors':>8}"
        lines.append(header + "  (peer /health: req/s, p50, p99)")
        for name in ("profiles", "hub_pages", "decisions"):
            if name in r["http"]:
                a, h = r["http"][name]["answers"], r["http"][name]["health"]
                lines.append(
                    f"{name:28} {a['requests_per_s']:8.0f} {a['p50_ms']:8.2f} {a['p99_ms']:8.2f} {a['errors']:8d}  "
                    f"({h['requests_per_s']:.0f}, {h['p50_ms']:.2f}, {h['p99_ms']:.2f})"
                )
    lines.append("ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in r["ratios"].items()))
    lines.append("targets: " + json.dumps(r["targets"]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--hub-roles", type=int, default=100_000, help="role versions of the planted hub")
    parser.add_argument("--samples", type=int, default=2000, help="typical subjects timed in process")
    parser.add_argument("--seconds", type=float, default=20.0, help="each HTTP scenario; 0: in process only")
    parser.add_argument("--health-seconds", type=float, default=10.0, help="the GET /health peer after each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="keep-alive connections (closed loop)")
    parser.add_argument("--warmup", type=int, default=200, help="requests before measuring (in all)")
    parser.add_argument("--quiet-wait", type=float, default=30.0, help="wait at most this long for idle cores")
    parser.add_argument("--seed", type=int, default=20181)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--output", type=Path, help="default bench/results-lookups-N.json")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "inprocess":
            print(json.dumps(phase_inprocess(Path(rest[0]), rest[1], int(rest[2]), rest[3], int(rest[4]))))
        return
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, http._exit_on_signal)
    args.work.mkdir(parents=True, exist_ok=True)
    report = run(args)
    out = args.output or ROOT / "bench" / f"results-lookups-{args.subjects}.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(_summary(report))


if __name__ == "__main__":
    main()
