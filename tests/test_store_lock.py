"""Several processes on one embedded store: readers share it, a writer waits its turn, and says so if it cannot."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from graphsvc.errors import StoreError
from graphsvc.stores.base import WARNING_EVENT_SCHEMA
from graphsvc.stores.embedded import EmbeddedStore, read_generation

_OPEN = """
import sys
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.errors import StoreError
try:
    EmbeddedStore(sys.argv[1], read_only=sys.argv[2] == "read", lock_timeout=float(sys.argv[3])).close()
except StoreError as exc:
    print(exc)
    sys.exit(3)
"""


def _open_elsewhere(db: Path, mode: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _OPEN, str(db), mode, str(timeout)], capture_output=True, text=True, check=False
    )


def test_readers_share_and_a_writer_waits_then_reports_busy(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    EmbeddedStore(db).close()
    with EmbeddedStore(db, read_only=True):
        assert _open_elsewhere(db, "read", 1).returncode == 0
        busy = _open_elsewhere(db, "write", 0.3)
        assert busy.returncode == 3 and "is busy" in busy.stdout
    assert _open_elsewhere(db, "write", 1).returncode == 0


def test_a_writer_keeps_readers_out_until_it_closes(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with EmbeddedStore(db):
        assert _open_elsewhere(db, "read", 0.3).returncode == 3
    assert _open_elsewhere(db, "read", 1).returncode == 0


def test_writes_publish_a_generation_that_others_read_without_opening(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with EmbeddedStore(db) as store:
        first = read_generation(db)
        assert first == store.generation() and first is not None
        event = {
            "warning_id": "d-1",
            "state": "confirmed",
            "reason": "核实",
            "actor": "k",
            "decided_at": dt.datetime(2026, 1, 1),
            "rule": "W1",
            "subject_id": "S",
        }
        store.append_warning_events(pa.Table.from_pylist([event], schema=WARNING_EVENT_SCHEMA))
        assert read_generation(db) == dataclasses.replace(first, warnings=first.warnings + 1)
    with pytest.raises(StoreError, match="no store"):
        EmbeddedStore(tmp_path / "absent.duckdb", read_only=True)
