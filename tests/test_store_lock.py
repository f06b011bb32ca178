"""Several processes on one embedded store: readers share it, a writer waits its turn, and says so if it cannot;
the service's workers build their facts indexes one at a time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pytest

from api.storage import StoreAccess
from api.views import Views
from graphsvc.errors import StoreError
from graphsvc.stores.base import WARNING_EVENT_SCHEMA
from graphsvc.stores.embedded import EmbeddedStore, read_generation
from graphsvc.stores.filelock import TurnLock
from loaders.canonical import load_directory
from tests.api_world import settings_for
from tests.scenario import Scenario

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


_HOLD_TURN = """
import sys
from pathlib import Path
from graphsvc.stores.filelock import TurnLock
lock = TurnLock(Path(sys.argv[1]), "facts-index", timeout=5)
print("held", flush=True)
sys.stdin.read()  # until the test closes it
lock.release()
"""


def _hold_turn(db: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_TURN, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_one_process_at_a_time_takes_a_turn_and_a_late_one_says_why(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    holder = _hold_turn(db)
    try:
        with pytest.raises(StoreError, match="doing facts-index"):
            TurnLock(db, "facts-index", timeout=0.3)
        TurnLock(db, "another-step", timeout=0.3).release()  # a turn is per step
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    TurnLock(db, "facts-index", timeout=1).release()
    assert stat.S_IMODE((tmp_path / "store.duckdb.facts-index.lock").stat().st_mode) == 0o600


def test_a_worker_builds_its_facts_index_only_in_its_turn(tmp_path: Path) -> None:
    """At 10M subjects a build holds some 7 GB beyond its index: two workers of a store build one after the other."""
    db = tmp_path / "store.duckdb"
    s = Scenario()
    firm, person = s.org("某某有限公司"), s.person("张伟")
    s.role(person, "legal_representative", firm)
    with EmbeddedStore(db) as store:
        load_directory(s.write(tmp_path / "in"), store)
    settings = settings_for(tmp_path, db, tmp_path / "keys.json", profile="default")  # views only: no keys read
    views = Views(StoreAccess(settings))
    built: list[int] = []
    holder = _hold_turn(db)  # another worker is building
    try:
        worker = threading.Thread(
            target=lambda: built.append(views.subject_facts(views.snapshot(), firm).roles(firm)[1])
        )
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive() and not built  # waiting for its turn
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    worker.join(timeout=30)
    assert built == [1]  # then built, and the firm's one role found
