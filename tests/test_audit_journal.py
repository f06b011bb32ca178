"""The audit journal (PRV-06): every line reaches the store's audit log exactly once, whatever the workers do."""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import threading
from pathlib import Path

import pytest

from api.audit import AuditJournal
from api.cli import main as api_main
from api.settings import ServiceSettings
from api.storage import StoreAccess
from graphsvc.errors import StoreError
from graphsvc.stores.embedded import EmbeddedStore


def _access(tmp_path: Path) -> StoreAccess:
    db = tmp_path / "store.duckdb"
    EmbeddedStore(db).close()
    settings = ServiceSettings(
        store="embedded",
        db=db,
        profile="default",
        as_of=None,
        api_keys=None,
        audit_dir=tmp_path / "audit",
        audit_flush_seconds=3600,
    )
    return StoreAccess(settings)


def _record(journal: AuditJournal, n: int) -> str:
    return journal.record(
        key_id="k",
        tier="government",
        method="GET",
        endpoint="/v1/decisions",
        parameters={"n": n},
        authorisation_ref=None,
        status=200,
        result_ids=[f"S{n}"],
    )


def _logged(access: StoreAccess) -> list[str]:
    with access.read() as store:
        return list(store.audit_events().column("event_id").to_pylist())


def test_two_workers_flushing_concurrently_log_every_line_once(tmp_path: Path) -> None:
    access = _access(tmp_path)
    workers = [AuditJournal(tmp_path / "audit", access) for _ in range(2)]
    written: list[str] = []
    lock = threading.Lock()

    def work(journal: AuditJournal, offset: int) -> None:
        for n in range(200):
            event = _record(journal, offset + n)
            with lock:
                written.append(event)
            if n % 50 == 49:
                journal.flush(all_segments=offset == 0)  # one worker also moves the other's lines (export)

    threads = [threading.Thread(target=work, args=(w, i * 1000)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in workers:
        w.close()
    logged = _logged(access)
    assert sorted(logged) == sorted(written) and len(set(logged)) == 400


def test_a_line_cut_by_a_crash_waits_and_nothing_is_logged_twice(tmp_path: Path) -> None:
    access = _access(tmp_path)
    journal = AuditJournal(tmp_path / "audit", access)
    first = _record(journal, 1)
    # A worker killed in the middle of a write leaves a partial line: it is not moved (no newline yet).
    assert journal._fd is not None
    os.write(journal._fd, b'{"event_id": "half')
    assert journal.flush() == 1
    assert _logged(access) == [first]
    assert journal.flush() == 0  # nothing new: positions are kept in the store
    journal.close()
    # A fresh process (new journal) exports: the old segment's complete lines are already in, once.
    again = AuditJournal(tmp_path / "audit", access)
    again.flush(all_segments=True)
    again.close()
    assert _logged(access) == [first]


def test_a_failed_flush_keeps_the_lines_for_the_next_one(tmp_path: Path) -> None:
    access = _access(tmp_path)
    journal = AuditJournal(tmp_path / "audit", access)
    event = _record(journal, 1)
    (tmp_path / "not-a-store").mkdir()  # a folder where the store should be: opening it fails
    journal.access = StoreAccess(dataclasses.replace(access.settings, db=tmp_path / "not-a-store"))
    with pytest.raises(StoreError):
        journal.flush()
    assert _logged(access) == []
    journal.access = access
    journal.flush()
    journal.close()
    assert _logged(access) == [event]
    lines = [json.loads(line) for line in journal.segment.read_text(encoding="utf-8").splitlines()]
    assert [line["event_id"] for line in lines] == [event]


# -- faults: a full disk, a damaged line, a store that cannot be written (issue 10, item 5) ---------------------
def _fail_writes_after(monkeypatch: pytest.MonkeyPatch, written: int) -> None:
    """The next journal write puts ``written`` bytes on disk, then fails as on a full disk."""
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        monkeypatch.setattr("api.audit.os.write", real_write)
        if written:
            real_write(fd, data[:written])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("api.audit.os.write", full_disk)


def test_a_line_torn_by_a_full_disk_is_quarantined_and_later_lines_are_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    access = _access(tmp_path)
    journal = AuditJournal(tmp_path / "audit", access)
    first = _record(journal, 1)
    _fail_writes_after(monkeypatch, 25)
    with pytest.raises(StoreError, match="cannot be written"):
        _record(journal, 2)  # the request fails: nothing is served unlogged
    assert journal.problem is not None and "No space left" in journal.problem
    third = _record(journal, 3)  # space is back
    assert journal.problem is None
    fourth = _record(journal, 4)
    journal.flush()
    assert _logged(access) == [first, third, fourth]
    (bad,) = (tmp_path / "audit" / "quarantine").glob("*.bad")
    assert journal.quarantined == 1 and b'"event_id"' in bad.read_bytes().splitlines()[1]
    # Later flushes and a fresh exporter see the same log: the torn line blocks nothing and is kept once.
    fifth = _record(journal, 5)
    journal.close()
    exporter = AuditJournal(tmp_path / "audit", access)
    exporter.flush(all_segments=True)
    exporter.close()
    assert _logged(access) == [first, third, fourth, fifth]
    assert len(bad.read_bytes().splitlines()) == 2  # one note line and the fragment, once


def test_a_fragment_glued_to_the_next_line_gives_up_the_whole_line(tmp_path: Path) -> None:
    """A writer killed mid-line by an older version leaves no newline: the next line is appended to it."""
    access = _access(tmp_path)
    journal = AuditJournal(tmp_path / "audit", access)
    assert journal._fd is not None
    os.write(journal._fd, b'{"event_id": "cut-of')
    glued = _record(journal, 1)
    damaged = journal.segment.with_name("damaged.jsonl")
    damaged.write_bytes(b"\x00\x00 not json\n")
    journal.flush(all_segments=True)
    journal.close()
    assert _logged(access) == [glued]
    assert len(list((tmp_path / "audit" / "quarantine").glob("*.bad"))) == 2


def test_ready_is_503_with_the_reason_while_the_journal_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.api_world import build_world, running_app

    scenario, world = build_world()
    with running_app(tmp_path, scenario) as (client, _keys, _db):
        assert client.get("/ready").status_code == 200
        service = client.app.state.service  # type: ignore[attr-defined]
        _fail_writes_after(monkeypatch, 0)
        assert client.get(f"/v1/subjects/{world.listed}").status_code == 503
        failing = client.get("/ready")
        assert failing.status_code == 503 and "No space left" in failing.json()["detail"]
        assert client.get(f"/v1/subjects/{world.listed}").status_code == 200  # written again
        assert client.get("/ready").status_code == 200
        # A flush that cannot reach the store: /ready says so until one succeeds.
        (tmp_path / "not-a-store").mkdir()
        working = service.audit.access
        service.audit.access = StoreAccess(dataclasses.replace(working.settings, db=tmp_path / "not-a-store"))
        assert not service.audit.try_flush()
        assert "cannot be moved into the store" in client.get("/ready").json()["detail"]
        service.audit.access = working
        assert service.audit.try_flush() and client.get("/ready").status_code == 200


def test_audit_export_survives_a_bad_line(tmp_path: Path) -> None:
    from tests.api_world import build_world, running_app

    scenario, world = build_world()
    with running_app(tmp_path, scenario) as (client, keys, db):
        client.get(f"/v1/subjects/{world.listed}")
        audit_dir = db.with_name(db.name + ".audit")
        (audit_dir / "other-worker.jsonl").write_bytes(b'{"event_id": "torn\n')
        answer = client.get("/v1/audit", headers=keys.header("admin"))
        assert answer.status_code == 200 and f"/v1/subjects/{world.listed}" in {e["endpoint"] for e in answer.json()}
        assert client.get("/v1/audit", headers=keys.header("admin")).status_code == 200
    # The command line's export after the service stopped, with another damaged segment.
    (db.with_name(db.name + ".audit") / "late-worker.jsonl").write_bytes(b"\x00garbage\n")
    out = io.StringIO()
    assert api_main(["audit", "--db", str(db), "--format", "json"], out) == 0
    assert f"/v1/subjects/{world.listed}" in {e["endpoint"] for e in json.loads(out.getvalue())}
