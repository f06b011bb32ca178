"""Schemathesis against the served API: the service as deployed (``graphsvc-api serve``: uvicorn with the service's
own protocol, middleware and limits) over HTTP, every check schemathesis has (``--checks all``) and every phase
(examples, coverage, fuzzing, stateful), for a bounded number of examples per operation, as an admin and as the
public. Zero failures: where the schema and the service disagreed, the schema now says what the service accepts
(api/inputs.py ``constrain_text``, ``name_values``), or the service was fixed.

What no schema can say (a reference to a subject the store must hold, a step a case's state does not allow, two
dates in the wrong order) is listed operation by operation in tests/schemathesis.toml.

The seed is fixed, so that a run is repeatable; ``GRAPHSVC_SCHEMATHESIS_SEED`` (a number, or ``random``) and
``GRAPHSVC_SCHEMATHESIS_EXAMPLES`` try others.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api_world import Served, served_world

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("GRAPHSVC_SCHEMATHESIS_EXAMPLES", "15")
SEED = os.environ.get("GRAPHSVC_SCHEMATHESIS_SEED", "20261207")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # No rate limit: schemathesis sends thousands of requests from one address.
    with served_world(tmp_path_factory.mktemp("served-schema"), {"GRAPHSVC_RATE_LIMIT": "0"}) as served:
        yield served


@pytest.mark.slow
@pytest.mark.parametrize("tier", ["admin", "public"])
def test_the_served_api_passes_every_check_in_every_phase(served: Served, tier: str, tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{served.url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        EXAMPLES,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--report-dir",
        str(tmp_path),
    ]
    if SEED != "random":
        command += ["--seed", SEED]
    if tier == "admin":
        command += ["--header", f"X-API-Key: {served.keys.admin}"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    report = run.stdout[-20000:] + run.stderr[-5000:]
    assert run.returncode == 0 and "Failures:" not in report, report
