"""Every shell example in README.md runs as written after the main job (scripts/demo.sh), on a small demo store.

The demo runs into a temporary folder that stands in for `var/` and serves on a free port; each command of every
```bash block then runs with bash in a folder holding that `var/`, the project's `.venv` and `docs/`, the HTTP
examples against that service. The few examples that cannot run here are listed below with the reason; a new
example that fails, fails this test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SUBJECTS = 600
# Examples that need what a test cannot give, by their first words.
NOT_RUN: dict[str, str] = {
    "bash scripts/demo.sh": "the main job itself: the fixture runs it (smaller, on a free port)",
    "bash scripts/test.sh": "the whole suite, which holds this test",
    "cp deploy.env.example": "the Docker deployment (tests/test_deployment.py checks its files)",
    "docker ": "needs a Docker engine",
    "export GRAPHSVC_STORE=neo4j": "needs the Neo4j server of the Docker deployment",
}

_BLOCK = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def shell_examples(text: str) -> list[tuple[int, list[str]]]:
    """(line number, commands) per ```bash block; continued lines (trailing backslash) joined."""
    blocks: list[tuple[int, list[str]]] = []
    for match in _BLOCK.finditer(text):
        line = text[: match.start()].count("\n") + 2
        commands: list[str] = []
        pending = ""
        for raw in match.group(1).splitlines():
            if raw.rstrip().endswith("\\"):
                pending += raw.rstrip()[:-1] + " "
                continue
            command = (pending + raw).strip()
            pending = ""
            if command and not command.startswith("#"):
                commands.append(command)
        blocks.append((line, commands))
    return blocks


def _skip_reason(command: str) -> str | None:
    return next((why for prefix, why in NOT_RUN.items() if command.startswith(prefix)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The main job as the README runs it, smaller: generate, load, evaluate, write var/demo.env, serve."""
    work = tmp_path_factory.mktemp("readme")
    var = work / "var"
    port = _free_port()
    env = os.environ | {"GRAPHSVC_DEMO_DIR": str(var), "GRAPHSVC_PORT": str(port), "GRAPHSVC_WORKERS": "1"}
    env.pop("GRAPHSVC_DB", None)
    log = (work / "demo.log").open("w", encoding="utf-8")
    demo = subprocess.Popen(
        ["bash", "scripts/demo.sh", str(SUBJECTS)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the service and its workers stop with it
    )
    try:
        deadline = time.monotonic() + 900
        while True:
            if demo.poll() is not None:
                pytest.fail("the demo exited: " + (work / "demo.log").read_text(encoding="utf-8")[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the demo did not serve within 900 s")
            time.sleep(1)
        assert "GOV_KEY=gs_" in (var / "demo.env").read_text(encoding="utf-8")
        (work / ".venv").symlink_to(ROOT / ".venv")
        shutil.copytree(ROOT / "docs" / "examples", work / "docs" / "examples")
        yield work
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(timeout=30)
        log.close()


def test_the_readme_has_shell_examples_beyond_the_two_commands() -> None:
    blocks = shell_examples(README.read_text(encoding="utf-8"))
    runnable = [c for _, commands in blocks for c in commands if _skip_reason(c) is None]
    assert len(runnable) >= 15
    assert any(c.startswith("graphsvc load") and "--mapping" in c for c in runnable)
    assert any(c.startswith("graphsvc export --format ftm") for c in runnable)
    assert any(c.startswith("curl ") for c in runnable)


def test_every_shell_example_in_the_readme_runs_after_the_demo(demo_folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPHSVC_", "NEO4J_"))}
    failures: list[str] = []
    ran = 0
    for line, commands in shell_examples(README.read_text(encoding="utf-8")):
        if any(_skip_reason(c) for c in commands[:1]) and any(c.startswith("export ") for c in commands):
            continue  # a block that configures what cannot run here (the Neo4j deployment): all of it
        for command in commands:
            if _skip_reason(command) is not None or command.startswith("source "):
                continue
            # Each block starts from the demo's environment, as a reader who followed the README would have it.
            script = f"set -e\nsource var/demo.env\n{command}\n"
            done = subprocess.run(
                ["bash", "-c", script], cwd=demo_folder, env=env, capture_output=True, text=True, timeout=600
            )
            ran += 1
            # curl -s exits 0 on an HTTP error: the problem document (RFC 9457) in the answer tells.
            refused = command.startswith("curl ") and re.search(r'"status":\s*[45]\d\d', done.stdout)
            if done.returncode != 0 or refused:
                said = done.stderr[-800:] + done.stdout[-400:]
                failures.append(f"README.md line {line}: {command}\n  exit {done.returncode}: {said}")
    assert not failures, "\n".join(failures)
    assert ran >= 15
