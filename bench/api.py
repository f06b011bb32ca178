"""HTTP API benchmark: the decision check (应查必查) under sustained load, beside ``GET /health``.

    python -m bench.api [--subjects 1000000] [--workers 2] [--seconds 60] [--concurrency 8] [--as-of 2026-06-30]

1. data: ``bench/out/data-N`` (made by bench.generate when missing, as bench.core does);
2. store: ``bench/out/api-N.duckdb``, loaded once with ``graphsvc load`` and then kept as this benchmark's pristine
   store; every run serves a fresh copy of it (``api-N.serve.duckdb``, with its own audit journal), so no run and
   no other benchmark sees the audit lines of another;
3. request mix (a child process reads the store and evaluates the rules once; cached in
   ``bench/out/api-N.requests.txt``): 80 % decision checks for typical subjects drawn at random from all subjects,
   12 % for subjects with entries in force or derived records, 8 % appointment checks
   (``action=appoint_legal_representative&enterprise_id=...``) for persons under an appointment ban (P5, an
   enterprise) or a public-institution ban (P6, a public institution);
4. the real service, ``graphsvc-api serve --db COPY --workers W --as-of D --port FREE`` with a government-tier API
   key, in its own process group (always stopped, with every worker, when the benchmark ends);
5. the load, from a second process on loopback: asyncio (uvloop when installed) with a minimal HTTP/1.1 keep-alive
   client, ``--concurrency`` connections, each sending its next request when the previous answer has been read
   (closed loop). The workers accept on one shared socket, where one of them often takes most connections: the
   generator reopens connections until each worker holds its share. Each worker builds its views at its first
   decision check, so every connection sends decision checks (``--warmup`` in all, at least) until all have had
   their answers; only then is anything measured. Then the decision checks for ``--seconds``, then the peer,
   ``GET /health`` (no store, no views, no audit: the floor of the HTTP stack) with the same generator and
   connections for ``--health-seconds``. Before each phase the driver waits (``--quiet-wait`` at most) until other
   processes leave the cores idle. ``--client httpx`` drives the same load with ``httpx.AsyncClient`` instead
   (much heavier on the client's CPU). ``--profile`` samples the workers with py-spy during the decision checks.

Any answer other than 200, and any failed or timed-out request, is an error. The load generator shares the
machine's cores with the workers: the CPU seconds of each, and of every other process, are reported beside the
figures. After the service has stopped, the audit log of the served store is counted: one event per decision
check is expected.

Results: ``bench/results-api-N.json`` and a summary on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import IO, Any

import numpy as np

from bench.machine import machine_busy, wait_for_quiet

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# Issue 13 (serve as measured): at 1M subjects, 2 workers, 8 connections.
TARGETS = {"p99_ms_below": 20.0, "requests_per_s_above": 1500.0, "errors": 0}
# Request mix: (share, pool, actions). Typical subjects are any subjects, drawn uniformly.
MIX: tuple[tuple[float, str, tuple[str, ...]], ...] = (
    (0.80, "typical", ("check", "check", "check", "admit_to_tender", "grant_red_incentive")),
    (0.12, "flagged", ("check", "admit_to_tender", "award_honour")),
    (0.08, "banned", ("appoint_legal_representative",)),
)
BAN_EFFECTS = {"appointment_ban": "enterprise", "public_institution_lr_ban": "public_institution"}


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


# What the service runs on in the interpreter that runs ``graphsvc-api``: uvicorn's "auto" event loop (uvloop when
# installed, uvicorn[standard], else asyncio's own) and the HTTP protocol api/cli.py names, api/server.py's
# subclass of uvicorn's httptools protocol (reported as that parser).
_STACK_PROBE = """
import json, uvicorn
from uvicorn.config import Config
from api.server import TimedHttpProtocol
parser = TimedHttpProtocol.__mro__[1]
loop = Config(app=None).get_loop_factory()()
try:
    kind = type(loop)
    print(json.dumps({"uvicorn": uvicorn.__version__, "event_loop": kind.__module__ + "." + kind.__qualname__,
                      "http_parser": parser.__module__ + "." + parser.__qualname__}))
finally:
    loop.close()
"""


def serving_stack() -> dict[str, Any]:
    """The event loop and HTTP parser the service runs on, asked of the interpreter that runs ``graphsvc-api``."""
    script = BIN / "graphsvc-api"
    first = script.read_text(encoding="utf-8").splitlines()[0] if script.exists() else ""
    python = first[2:].strip() if first.startswith("#!") else sys.executable
    probe = subprocess.run([python, "-c", _STACK_PROBE], capture_output=True, text=True, check=True)
    stack: dict[str, Any] = json.loads(probe.stdout.strip().splitlines()[-1])
    stack["python"] = python
    stack["standard"] = stack["event_loop"].startswith("uvloop") and "httptools" in stack["http_parser"]
    return stack


def _public_args(argv: list[str]) -> list[str]:
    """The command line without --output (where this copy of the results went)."""
    out, skip = [], False
    for arg in argv:
        if skip or arg.startswith("--output="):
            skip = False
            continue
        if arg == "--output":
            skip = True
            continue
        out.append(arg)
    return out


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _child(args: list[str]) -> dict[str, Any]:
    """Run one preparation phase in a fresh interpreter; its memory goes away with it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.api", "--phase", *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- preparation ----------------------------------------------------------------------------------------------------


def prepare_store(data: Path, pristine: Path, served: Path) -> dict[str, Any]:
    """Load the pristine store once (``graphsvc load``), then copy it to the file this run serves."""
    report: dict[str, Any] = {}
    if not pristine.exists():  # loaded under another name first: an interrupted load leaves no pristine store
        loading = pristine.with_name(pristine.name + ".loading")
        for suffix in ("", ".wal", ".lock", ".generation"):
            Path(str(loading) + suffix).unlink(missing_ok=True)
        start = time.perf_counter()
        proc = subprocess.run(
            [str(BIN / "graphsvc"), "load", "--db", str(loading), str(data)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"graphsvc load failed:\n{proc.stdout}\n{proc.stderr}")
        report["load_seconds"] = time.perf_counter() - start
        for suffix in (".wal", ".generation"):
            if Path(str(loading) + suffix).exists():
                os.replace(Path(str(loading) + suffix), Path(str(pristine) + suffix))
        Path(str(loading) + ".lock").unlink(missing_ok=True)
        os.replace(loading, pristine)
    for suffix in ("", ".wal", ".lock", ".generation"):
        Path(str(served) + suffix).unlink(missing_ok=True)
    shutil.rmtree(Path(str(served) + ".audit"), ignore_errors=True)
    shutil.copyfile(pristine, served)
    for suffix in (".wal", ".generation"):
        if Path(str(pristine) + suffix).exists():
            shutil.copyfile(Path(str(pristine) + suffix), Path(str(served) + suffix))
    report["store_mb"] = served.stat().st_size / 2**20
    return report


def phase_mix(db: Path, as_of: str, out: Path, count: int, seed: int) -> dict[str, Any]:
    """Write ``count`` decision-check paths, mixed per MIX, one a line."""
    from graphsvc.context import build_context
    from graphsvc.engine import evaluate
    from graphsvc.profiles import load_profile
    from graphsvc.stores.embedded import EmbeddedStore

    day = dt.date.fromisoformat(as_of)
    profile = load_profile("default")
    with EmbeddedStore(db, read_only=True) as store:
        subjects = store.current_subjects().select(["subject_id", "kind"]).to_pydict()
        records = evaluate(store, profile, day, persist=False).records.select(["subject_id", "effect"]).to_pylist()
        in_force = store.entries_in_force(build_context(profile, day)).column("subject_id").to_pylist()
    ids: list[str] = subjects["subject_id"]
    kinds = dict(zip(ids, subjects["kind"], strict=True))
    by_kind: dict[str, list[str]] = {}
    for sid, kind in kinds.items():
        by_kind.setdefault(kind, []).append(sid)
    flagged: list[str] = sorted({str(r["subject_id"]) for r in records} | {str(s) for s in in_force})
    bans = {(str(r["subject_id"]), BAN_EFFECTS[r["effect"]]) for r in records if r["effect"] in BAN_EFFECTS}
    banned = sorted((s, t) for s, t in bans if kinds.get(s) == "person" and by_kind.get(t))
    if not flagged or not banned:
        raise SystemExit("the data hold no flagged subjects or no banned persons: cannot build the request mix")
    rng = random.Random(seed)
    shares = Counter[str]()
    lines: list[str] = []
    for _ in range(count):
        pick, (_, pool, actions) = rng.random(), MIX[-1]
        for entry in MIX:
            pick -= entry[0]
            if pick < 0:
                _, pool, actions = entry
                break
        params: dict[str, str] = {"date": as_of, "action": rng.choice(actions)}
        if pool == "typical":
            params["subject_id"] = rng.choice(ids)
        elif pool == "flagged":
            params["subject_id"] = rng.choice(flagged)
        else:
            person, target_kind = rng.choice(banned)
            params["subject_id"] = person
            params["enterprise_id"] = rng.choice(by_kind[target_kind])
        shares[f"{pool} {params['action']}"] += 1
        lines.append("/v1/decisions?" + urllib.parse.urlencode(params))
    out.write_text("\n".join(lines) + "\n", encoding="ascii")
    return {
        "requests_in_file": count,
        "pools": {"typical": len(ids), "flagged": len(flagged), "banned_persons": len(banned)},
        "shares": {k: v / count for k, v in sorted(shares.items())},
        "derived_records": len(records),
        "entries_in_force": len(in_force),
    }


# -- the load generator (a second process) ----------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: GET, read the status line, headers and a Content-Length body."""

    def __init__(self, port: int, headers: bytes) -> None:
        self.port = port
        self.headers = headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def local_port(self) -> int | None:
        if self.writer is None:
            return None
        port: int = self.writer.get_extra_info("sockname")[1]
        return port

    async def get(self, path: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(b"GET " + path + self.headers)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        at = head.lower().find(b"\r\ncontent-length:")
        if at < 0:
            raise ValueError("answer without Content-Length")
        length = int(head[at + 17 : head.index(b"\r\n", at + 2)])
        body = await self.reader.readexactly(length)
        return status, body


class HttpxConnection:
    """The same interface over one httpx.AsyncClient per connection (for comparing generators)."""

    def __init__(self, port: int, key: str) -> None:
        import httpx

        self.client = httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}",
            headers={"X-API-Key": key},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=120.0,
        )

    async def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def local_port(self) -> int | None:
        return None  # not exposed by httpx: these connections are not balanced over the workers

    async def get(self, path: bytes) -> tuple[int, bytes]:
        response = await self.client.get(path.decode("ascii"))
        return response.status_code, response.content


class Phase:
    """What one phase of the closed loop collected."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.failures: Counter[str] = Counter()
        self.verdicts: Counter[str] = Counter()
        self.bytes = 0
        self.short = 0  # connections that have not yet sent their count of requests

    def summary(self, seconds: float, cpu: float) -> dict[str, Any]:
        ms = np.array(self.latencies) * 1000.0 if self.latencies else np.array([np.nan])
        ok = self.statuses.get(200, 0)
        errors = sum(n for s, n in self.statuses.items() if s != 200) + sum(self.failures.values())
        return {
            "seconds": seconds,
            "requests": len(self.latencies),
            "ok": ok,
            "errors": errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": dict(self.failures),
            "requests_per_s": ok / seconds,
            "p50_ms": float(np.percentile(ms, 50)),
            "p90_ms": float(np.percentile(ms, 90)),
            "p99_ms": float(np.percentile(ms, 99)),
            "max_ms": float(np.max(ms)),
            "mean_ms": float(np.mean(ms)),
            "mean_answer_bytes": self.bytes / max(1, len(self.latencies)),
            "verdicts": dict(sorted(self.verdicts.items())),
            "generator_cpu_seconds": cpu,
        }


def _verdict(body: bytes) -> str | None:
    at = body.find(b'"verdict":"')
    if at < 0:
        return None
    return body[at + 11 : body.index(b'"', at + 11)].decode("ascii")


async def _loop(conn: Any, paths: list[bytes], first: int, stop: float, count: int | None, phase: Phase) -> None:
    i = first
    done = 0
    clock = time.perf_counter
    # With a count (the warm-up), every connection goes on until all have sent theirs: one left idle for 5 s
    # would be closed by the service while the others still wait for a worker's first answer.
    while clock() < stop and (count is None or done < count or phase.short > 0):
        path = paths[i % len(paths)]
        i += 1
        done += 1
        if done == count:
            phase.short -= 1
        start = clock()
        try:
            status, body = await conn.get(path)
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            phase.failures[type(exc).__name__] += 1
            conn.close()
            continue
        phase.latencies.append(clock() - start)
        phase.statuses[status] += 1
        phase.bytes += len(body)
        verdict = _verdict(body)
        if verdict is not None:
            phase.verdicts[verdict] += 1


async def _run_phase(
    conns: list[Any], paths: list[bytes], seconds: float, count: int | None, grace: float
) -> tuple[Phase, float, float]:
    """Every connection in a closed loop until ``seconds`` have passed (or all have sent ``count`` each)."""
    phase = Phase()
    phase.short = len(conns) if count is not None else 0
    cpu = time.process_time()
    start = time.perf_counter()
    stop = start + seconds
    step = max(1, len(paths) // len(conns))
    tasks = {asyncio.ensure_future(_loop(c, paths, i * step, stop, count, phase)): c for i, c in enumerate(conns)}
    _, pending = await asyncio.wait(tasks, timeout=seconds + grace)
    for task in pending:  # a request still unanswered long after the end: an error
        task.cancel()
        tasks[task].close()  # its answer may still come: never read it as the next one's
        phase.failures["timeout"] += 1
    elapsed = time.perf_counter() - start
    return phase, elapsed, time.process_time() - cpu


def _say(event: dict[str, Any]) -> None:
    print(json.dumps(event), flush=True)


async def _reconnect(conn: Any) -> None:
    """Open ``conn`` afresh and wait for one answer on it, so that the service has accepted it."""
    conn.close()
    await conn.open()
    await conn.get(b"/health")


async def _keep_alive(conns: list[Any], stop: asyncio.Event, reconnects: Counter[str]) -> None:
    """Keep idle connections open: the service closes keep-alive connections idle for 5 s."""

    async def ping(conn: Any) -> None:
        try:
            await conn.get(b"/health")
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            reconnects[type(exc).__name__] += 1
            await _reconnect(conn)

    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if not stop.is_set():
            await asyncio.gather(*(ping(conn) for conn in conns))


async def _commands(conns: list[Any], reconnects: Counter[str]) -> bool:
    """Obey the driver until it says go (True) or stop (False): report or reopen connections meanwhile."""
    loop = asyncio.get_running_loop()
    while True:
        stop = asyncio.Event()
        idle = asyncio.ensure_future(_keep_alive(conns, stop, reconnects))
        line = await loop.run_in_executor(None, sys.stdin.readline)
        stop.set()
        await idle  # not cancelled: no answer may be left unread on a connection
        command: dict[str, Any] = json.loads(line) if line.strip() else {"command": "stop"}
        if command["command"] in ("go", "stop"):
            return bool(command["command"] == "go")
        for i in command.get("connections", []):  # "reopen"
            await _reconnect(conns[i])
        _say({"event": "connected", "ports": [c.local_port() for c in conns], "reconnects": dict(reconnects)})


async def generate_load(args: argparse.Namespace) -> None:
    paths = [line.encode("ascii") for line in Path(args.paths).read_text(encoding="ascii").split()]
    key = os.environ["BENCH_API_KEY"]
    headers = f" HTTP/1.1\r\nHost: {HOST}:{args.port}\r\nX-API-Key: {key}\r\n\r\n".encode("ascii")
    conns: list[Any]
    if args.client == "httpx":
        conns = [HttpxConnection(args.port, key) for _ in range(args.concurrency)]
    else:
        conns = [Connection(args.port, headers) for _ in range(args.concurrency)]
    for conn in conns:  # one by one, each answered, so that they need not all land on the same worker
        await _reconnect(conn)
    reconnects: Counter[str] = Counter()
    _say({"event": "ready", "phase": "warmup"})
    if not await _commands(conns, reconnects):
        return
    per_conn = max(1, -(-args.warmup // args.concurrency))
    warm, warm_seconds, _ = await _run_phase(conns, paths, 3600.0, per_conn, 0.0)
    _say({"event": "warm", **warm.summary(warm_seconds, 0.0)})
    results: dict[str, Any] = {}
    for name, seconds, phase_paths in (
        ("decisions", args.seconds, paths),
        ("health", args.health_seconds, [b"/health"]),
    ):
        _say({"event": "ready", "phase": name})
        if not await _commands(conns, reconnects):
            return
        _say({"event": "start", "phase": name})
        phase, elapsed, cpu = await _run_phase(conns, phase_paths, seconds, None, 60.0)
        _say({"event": "end", "phase": name})
        results[name] = phase.summary(elapsed, cpu)
    for conn in conns:
        conn.close()
    _say({"event": "result", "idle_reconnects": dict(reconnects), **results})


def phase_load(args: argparse.Namespace) -> None:
    try:
        import uvloop

        uvloop.install()
        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    _say({"event": "loop", "loop": loop})
    asyncio.run(generate_load(args))


# -- the service ----------------------------------------------------------------------------------------------------


class Server:
    """``graphsvc-api serve`` in its own process group."""

    def __init__(self, db: Path, workers: int, as_of: str, keys: Path, log: Path) -> None:
        self.port = _free_port()
        self.log = log.open("w", encoding="utf-8")
        # The benchmark measures throughput: the per-key rate limit is off for it.
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GRAPHSVC_RATE_LIMIT": "0"}
        self.proc = subprocess.Popen(
            [
                str(BIN / "graphsvc-api"),
                "serve",
                "--db",
                str(db),
                "--workers",
                str(workers),
                "--as-of",
                as_of,
                "--port",
                str(self.port),
                "--api-keys",
                str(keys),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the service exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url("/ready"), timeout=timeout) as answer:
                    ready: dict[str, Any] = json.loads(answer.read())
                    return ready
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise SystemExit(f"the service was not ready within {timeout:g} s; see {self.log.name}") from None
                time.sleep(0.5)

    def workers(self) -> list[Any]:
        import psutil

        main = psutil.Process(self.proc.pid)
        children = [p for p in main.children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())]
        return children or [main]  # one worker: uvicorn serves in the process itself, with no supervisor

    def stop(self) -> None:
        """SIGTERM to the whole group (the workers flush their audit journals), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers of the group, if any
        self.proc.wait()
        self.log.close()


class Sampler(threading.Thread):
    """Peak RSS of every worker while the load runs, sampled every 0.5 s."""

    def __init__(self, workers: list[Any]) -> None:
        super().__init__(daemon=True)
        self.workers = workers
        self.peak = {p.pid: 0 for p in workers}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.sample()

    def sample(self) -> None:
        for p in self.workers:
            try:
                self.peak[p.pid] = max(self.peak[p.pid], p.memory_info().rss)
            except Exception:  # a worker that has gone: its errors show
                continue


def _cpu(procs: list[Any]) -> dict[int, float]:
    out = {}
    for p in procs:
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except Exception:
            out[p.pid] = float("nan")
    return out


QUIET_BELOW = 0.15  # cores other processes may use while this benchmark counts the machine as idle


def _owners(workers: list[Any], port: int) -> dict[int, set[int]]:
    """For each worker, the client ports of the connections it accepted."""
    out: dict[int, set[int]] = {}
    for p in workers:
        conns = p.net_connections(kind="tcp")
        out[p.pid] = {c.raddr.port for c in conns if c.status == "ESTABLISHED" and c.laddr.port == port and c.raddr}
    return out


def _send(to_gen: IO[str], command: dict[str, Any]) -> None:
    to_gen.write(json.dumps(command) + "\n")
    to_gen.flush()


def _balance(server: Server, workers: list[Any], to_gen: IO[str], from_gen: IO[str]) -> dict[str, Any]:
    """Spread the generator's connections evenly over the workers; return the spread as found and as used.

    All workers accept on one shared socket: whichever wakes first may take every pending connection, so
    the generator reopens the connections of over-full workers until each holds its share."""
    _send(to_gen, {"command": "ports"})
    found: list[int] | None = None
    for _ in range(50):
        event = _read_event(from_gen)
        ports: list[int | None] = event["ports"]
        owners = _owners(workers, server.port)
        held = [[i for i, port in enumerate(ports) if port in owned] for owned in owners.values()]
        found = found or [len(h) for h in held]
        share = -(-len(ports) // len(workers))
        excess = [i for h in held for i in h[share:]]
        if not excess or None in ports:
            break
        _send(to_gen, {"command": "reopen", "connections": excess})
    return {"as_found": found, "used": [len(h) for h in held], "idle_reconnects": event["reconnects"]}


def _read_event(stream: IO[str]) -> dict[str, Any]:
    line = stream.readline()
    if not line:
        raise SystemExit("the load generator ended early")
    event: dict[str, Any] = json.loads(line)
    return event


def drive(server: Server, args: argparse.Namespace, paths: Path, key: str) -> dict[str, Any]:
    """Run the load generator against the service and collect the server's side."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_API_KEY": key}
    command = [sys.executable, "-m", "bench.api", "--phase", "load", "--port", str(server.port), "--paths", str(paths)]
    command += ["--concurrency", str(args.concurrency), "--seconds", str(args.seconds)]
    command += ["--health-seconds", str(args.health_seconds), "--warmup", str(args.warmup), "--client", args.client]
    gen = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert gen.stdin is not None and gen.stdout is not None
    report: dict[str, Any] = {}
    spies: list[subprocess.Popen[bytes]] = []
    try:
        report["generator_loop"] = _read_event(gen.stdout)["loop"]
        workers = server.workers()
        gen_proc = psutil.Process(gen.pid)
        sampler = Sampler(workers)
        cpu: dict[str, dict[str, Any]] = {}
        waited: dict[str, float] = {}
        spread: dict[str, Any] = {}
        while True:
            event = _read_event(gen.stdout)
            if event["event"] == "ready":
                if event["phase"] != "warmup":
                    waited[event["phase"]] = wait_for_quiet(args.quiet_wait, QUIET_BELOW)
                spread[event["phase"]] = _balance(server, workers, gen.stdin, gen.stdout)
                if event["phase"] == "decisions" and args.profile:
                    spies = _spy(workers, args)
                _send(gen.stdin, {"command": "go"})
            elif event["event"] == "warm":
                report["warmup"] = {k: event[k] for k in ("requests", "seconds", "errors", "max_ms")}
                report["rss_mb_per_worker_after_warmup"] = [p.memory_info().rss / 2**20 for p in workers]
                sampler.start()
            elif event["event"] == "start":
                begin = (time.perf_counter(), _cpu(workers), _cpu([gen_proc])[gen.pid], machine_busy())
            elif event["event"] == "end":
                wall = time.perf_counter() - begin[0]
                after = _cpu(workers)
                share: dict[str, Any] = {
                    "wall_seconds": wall,
                    "workers_cpu_seconds": [after[p.pid] - begin[1][p.pid] for p in workers],
                    "generator_cpu_seconds": _cpu([gen_proc])[gen.pid] - begin[2],
                }
                ours = sum(share["workers_cpu_seconds"]) + share["generator_cpu_seconds"]
                share["other_processes_cores_busy"] = max(0.0, (machine_busy() - begin[3] - ours) / wall)
                cpu[event["phase"]] = share
            elif event["event"] == "result":
                break
        report["waited_for_quiet_seconds"] = waited
        report["connections_per_worker"] = spread
        report["generator_idle_reconnects"] = event["idle_reconnects"]
        report["worker_pids_unchanged"] = [p.pid for p in server.workers()] == [p.pid for p in workers]
        sampler.done.set()
        sampler.join()
        sampler.sample()
        report["rss_mb_per_worker_peak"] = [sampler.peak[p.pid] / 2**20 for p in workers]
        report["supervisor_rss_mb"] = psutil.Process(server.proc.pid).memory_info().rss / 2**20
        for name in ("decisions", "health"):
            report[name] = event[name]
            share = cpu[name]
            share["workers_cores_busy"] = sum(share["workers_cpu_seconds"]) / share["wall_seconds"]
            share["generator_cores_busy"] = share["generator_cpu_seconds"] / share["wall_seconds"]
            # Less sensitive than req/s to other processes on a shared machine: CPU the workers spent per answer.
            share["workers_cpu_ms_per_request"] = 1000 * sum(share["workers_cpu_seconds"]) / max(1, event[name]["ok"])
            report[name]["cpu"] = share
        gen.wait(timeout=60)
        for spy in spies:
            spy.wait(timeout=120)
        if spies:
            report["profiles"] = [str(p) for p in _spy_outputs(workers, args)]
    finally:
        for spy in spies:
            if spy.poll() is None:
                spy.kill()
                spy.wait()
        if gen.poll() is None:
            gen.kill()
            gen.wait()
    return report


def _spy_outputs(workers: list[Any], args: argparse.Namespace) -> list[Path]:
    return [args.work / f"api-{args.subjects}.worker{i}.folded" for i in range(len(workers))]


def _spy(workers: list[Any], args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    """py-spy (``pip install py-spy``) samples each worker's GIL holder during the decision checks (collapsed)."""
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    spies = []
    for p, out in zip(workers, _spy_outputs(workers, args), strict=True):
        command = [spy, "record", "--pid", str(p.pid), "--duration", str(int(args.seconds)), "--rate", "100"]
        command += ["--gil", "--format", "raw", "--nonblocking", "--output", str(out)]
        log = out.with_suffix(".log").open("w", encoding="utf-8")
        spies.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        log.close()
    return spies


def _audit_events(db: Path) -> int:
    from graphsvc.stores.embedded import EmbeddedStore

    with EmbeddedStore(db, read_only=True) as store:
        return int(store.audit_events().num_rows)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from api.tiers import Tier, add_key

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    n = args.subjects
    data, pristine, served = work / f"data-{n}", work / f"api-{n}.duckdb", work / f"api-{n}.serve.duckdb"
    report: dict[str, Any] = {
        "machine": _machine(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "subjects": n,
        "as_of": args.as_of,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "client": args.client,
        "tier": "government",
        "command": " ".join(["python -m bench.api", *_public_args(sys.argv[1:])]),
        "note": (
            f"the load generator runs on the same {os.cpu_count()} cores as the {args.workers} workers; "
            "see cpu.generator_cores_busy and cpu.workers_cores_busy"
        ),
    }
    report["serving"] = serving_stack()
    _say_stack(report["serving"])
    if not (data / "subjects.csv").exists():
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bench.generate", str(data), "--subjects", str(n)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        report["generate_seconds"] = time.perf_counter() - start
    report["store"] = prepare_store(data, pristine, served)
    paths = work / f"api-{n}.requests.txt"
    mix = work / f"api-{n}.requests.json"  # the mix depends only on the pristine store and these arguments
    mix_args = ["mix", str(pristine), args.as_of, str(paths), str(args.requests), "20181"]
    known = json.loads(mix.read_text(encoding="utf-8")) if mix.exists() and paths.exists() else {}
    if known.get("args") != mix_args or "load_seconds" in report["store"]:
        known = {"args": mix_args, "summary": _child(mix_args)}
        mix.write_text(json.dumps(known), encoding="utf-8")
    report["mix"] = known["summary"]
    keys = work / f"api-{n}.keys.json"
    keys.unlink(missing_ok=True)
    key = add_key(keys, "bench", Tier.GOVERNMENT)

    server = Server(served, args.workers, args.as_of, keys, work / f"api-{n}.server.log")
    try:
        start = time.perf_counter()
        ready = server.wait_ready(900.0)
        report["ready_seconds"] = time.perf_counter() - start
        report["ready"] = ready
        report.update(drive(server, args, paths, key))
    finally:
        server.stop()
    decisions, health = report["decisions"], report["health"]
    report["audit_events"] = _audit_events(served)
    report["audit_events_expected"] = report["warmup"]["requests"] + decisions["requests"]
    report["targets"] = {
        **TARGETS,
        "p99_met": decisions["p99_ms"] < TARGETS["p99_ms_below"],
        "throughput_met": decisions["requests_per_s"] > TARGETS["requests_per_s_above"],
        "errors_met": decisions["errors"] + report["warmup"]["errors"] == 0,
    }
    report["targets"]["all_met"] = all(report["targets"][k] for k in ("p99_met", "throughput_met", "errors_met"))
    report["ratios"] = {
        "health_rps / decisions_rps": health["requests_per_s"] / decisions["requests_per_s"],
        "decisions_p50 / health_p50": decisions["p50_ms"] / health["p50_ms"],
        "decisions_p99 / health_p99": decisions["p99_ms"] / health["p99_ms"],
        "decisions_cpu_per_request / health_cpu_per_request": decisions["cpu"]["workers_cpu_ms_per_request"]
        / health["cpu"]["workers_cpu_ms_per_request"],
    }
    return report


def _stack_line(stack: dict[str, Any]) -> str:
    line = (
        f"service stack: uvicorn {stack['uvicorn']}, event loop {stack['event_loop']}, "
        f"HTTP parser {stack['http_parser']}"
    )
    if not stack["standard"]:
        line += " (NOT uvicorn[standard]: run `bash scripts/setup.sh` to serve as measured)"
    return line


def _say_stack(stack: dict[str, Any]) -> None:
    print(_stack_line(stack), file=sys.stderr, flush=True)


def _summary(r: dict[str, Any]) -> str:
    lines = [
        f"{r['subjects']:,} subjects, {r['workers']} workers, {r['concurrency']} connections ({r['client']}), "
        f"{r['machine']}; {r['note']}",
        _stack_line(r["serving"]),
        f"{'':10} {'req/s':>8} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>8} {'errors':>6}  "
        "cores busy (workers / generator)",
    ]
    for name in ("decisions", "health"):
        p = r[name]
        lines.append(
            f"{name:10} {p['requests_per_s']:8.0f} {p['p50_ms']:7.2f} {p['p90_ms']:7.2f} {p['p99_ms']:7.2f} "
            f"{p['max_ms']:8.2f} {p['errors']:6d}  {p['cpu']['workers_cores_busy']:.2f} / "
            f"{p['cpu']['generator_cores_busy']:.2f} (other processes {p['cpu']['other_processes_cores_busy']:.2f})"
        )
    lines.append(
        "worker CPU per answer: "
        + ", ".join(f"{name} {r[name]['cpu']['workers_cpu_ms_per_request']:.2f} ms" for name in ("decisions", "health"))
    )
    rss = ", ".join(f"{m:.0f}" for m in r["rss_mb_per_worker_peak"])
    spread = r["connections_per_worker"]["decisions"]
    lines.append(
        f"worker RSS peak: {rss} MB; connections per worker: {spread['used']} (as accepted: {spread['as_found']})"
    )
    lines.append(f"audit events: {r['audit_events']:,} (expected {r['audit_events_expected']:,})")
    lines.append("ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in r["ratios"].items()))
    t = r["targets"]
    lines.append(
        f"targets: p99 < {t['p99_ms_below']:g} ms {'met' if t['p99_met'] else 'NOT met'}; "
        f"> {t['requests_per_s_above']:g} req/s {'met' if t['throughput_met'] else 'NOT met'}; "
        f"zero errors {'met' if t['errors_met'] else 'NOT met'}"
    )
    return "\n".join(lines)


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60.0, help="decision checks, sustained")
    parser.add_argument("--health-seconds", type=float, default=None, help="the GET /health peer (default 20)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections (closed loop)")
    parser.add_argument("--warmup", type=int, default=400, help="decision checks before measuring (in all)")
    parser.add_argument("--requests", type=int, default=100_000, help="distinct requests in the mix file")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--profile", action="store_true", help="sample the workers with py-spy (collapsed stacks)")
    parser.add_argument("--quiet-wait", type=float, default=600.0, help="wait at most this long for idle cores")
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--output", type=Path, help="default bench/results-api-N.json")
    # internal: the phases run in child processes
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.health_seconds is None:
        args.health_seconds = min(20.0, args.seconds)
    if args.phase:
        name, *rest = args.phase
        if name == "mix":
            print(json.dumps(phase_mix(Path(rest[0]), rest[1], Path(rest[2]), int(rest[3]), int(rest[4]))))
        else:
            phase_load(args)
        return
    # Stopped by a signal, the service and the load generator still go: `finally` runs on SystemExit.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _exit_on_signal)
    report = run(args)
    out = args.output or ROOT / "bench" / f"results-api-{args.subjects}.json"
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    print(_summary(report))


if __name__ == "__main__":
    main()
