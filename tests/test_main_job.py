"""The README's main job (scripts/demo.sh) works end to end at a small size: it generates, loads, evaluates,
then serves the API and a dashboard with populated warning lists."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_script_generates_loads_evaluates_and_serves_the_dashboard(tmp_path: Path) -> None:
    port = _free_port()
    # The demo writes into GRAPHSVC_DEMO_DIR, so the developer's var/ folder is left alone.
    env = {**os.environ, "GRAPHSVC_DEMO_DIR": str(tmp_path), "GRAPHSVC_PORT": str(port)}
    log = (tmp_path / "demo.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        ["bash", "scripts/demo.sh", "3000", "2026-06-30", "default"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        ready = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = httpx.get(url + "/ready", timeout=5)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        log.seek(0)
        output = log.read()
        assert ready is not None and ready.status_code == 200, output
        assert "latest evaluation: profile default, as of 2026-06-30" in output
        assert f"http://127.0.0.1:{port}/" in output
        assert "demo-government (government): gs_" in output
        page = httpx.get(url + "/", timeout=10)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        warnings = httpx.get(url + "/v1/warnings", timeout=30).json()
        assert warnings["total"] > 0 and warnings["as_of"] == "2026-06-30"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    with (tmp_path / "derived.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rules = {r["rule"] for r in rows}
    # the generator plants a case for every rule of the default profile
    assert {"P1", "P3", "P4", "P5", "P6", "P7", "P8", "W1", "W2", "W3", "W4"} <= rules
    assert all(r["explanation"] and r["citation"] for r in rows)


@pytest.mark.slow
def test_demo_script_removes_what_a_previous_run_kept_beside_its_store(tmp_path: Path) -> None:
    """A new demo store must not find the previous store's files: its batches count from 1 again."""
    kept = [
        tmp_path / "demo.duckdb.names" / "b1" / "meta.json",
        tmp_path / "demo.duckdb.analytics" / "b1" / "2026-06-30" / "meta.json",
        tmp_path / "demo.duckdb.facts-index.lock",
        tmp_path / "demo.duckdb.audit" / "segment.jsonl",
    ]
    others = [tmp_path / "demo.duckdbx", tmp_path / "other.duckdb.names" / "b1" / "meta.json"]  # not the store's
    for path in kept + others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    env = {**os.environ, "GRAPHSVC_DEMO_DIR": str(tmp_path), "GRAPHSVC_DEMO_SERVE": "0"}
    done = subprocess.run(
        ["bash", "scripts/demo.sh", "300"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not any(p.exists() for p in kept)
    assert not (tmp_path / "demo.duckdb.names").exists() and not (tmp_path / "demo.duckdb.analytics").exists()
    assert all(p.exists() for p in others)
