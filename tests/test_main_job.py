"""The README's main job (scripts/demo.sh) works end to end at a small size."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_script_generates_loads_evaluates_and_summarises(tmp_path: Path) -> None:
    # The demo writes into GRAPHSVC_DEMO_DIR, so the developer's var/ folder is left alone.
    proc = subprocess.run(
        ["bash", "scripts/demo.sh", "3000", "2026-06-30", "default"],
        cwd=ROOT,
        env={**os.environ, "GRAPHSVC_DEMO_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "latest evaluation: profile default, as of 2026-06-30" in proc.stdout
    with (tmp_path / "derived.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rules = {r["rule"] for r in rows}
    # the generator plants a case for every rule of the default profile
    assert {"P1", "P3", "P4", "P5", "P6", "P7", "P8", "W1", "W2", "W3", "W4"} <= rules
    assert all(r["explanation"] and r["citation"] for r in rows)
