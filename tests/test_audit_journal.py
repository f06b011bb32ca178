"""The audit journal (PRV-06): every line reaches the store's audit log exactly once, whatever the workers do."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from pathlib import Path

import pytest

from api.audit import AuditJournal
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
