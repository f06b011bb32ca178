"""The audit log (PRV-06: queries and uses of personal information are registered and reviewable).

Every request that returns personal data or list information is logged: key id, tier, time, endpoint,
parameters, authorisation reference and the ids it returned. Each worker process appends one JSON line per
request to its own journal segment (``O_APPEND``: one write per line, so a killed worker loses nothing it
acknowledged) and, every few seconds, moves new lines into the store's append-only ``audit_log`` together
with the position it read up to, in one transaction: every line reaches the log exactly once. Export reads
the store after moving every segment's remaining lines in.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa

from api.storage import StoreAccess
from graphsvc.stores.base import AUDIT_SCHEMA

# A segment that its writer has fully moved into the store is replaced by a fresh one past this size.
ROTATE_BYTES = 16 * 1024 * 1024


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class AuditJournal:
    def __init__(self, directory: Path, access: StoreAccess) -> None:
        self.directory = directory
        self.access = access
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._open_segment()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _open_segment(self) -> None:
        name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self.segment = self.directory / name
        self._fd: int | None = os.open(self.segment, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def record(
        self,
        *,
        key_id: str,
        tier: str,
        method: str,
        endpoint: str,
        parameters: dict[str, Any],
        authorisation_ref: str | None,
        status: int,
        result_ids: list[str],
    ) -> str:
        event_id = uuid.uuid4().hex
        line = json.dumps(
            {
                "event_id": event_id,
                "requested_at": _now().isoformat(),
                "key_id": key_id,
                "tier": tier,
                "method": method,
                "endpoint": endpoint,
                "parameters": json.dumps(parameters, ensure_ascii=False, sort_keys=True, default=str),
                "authorisation_ref": authorisation_ref,
                "status": status,
                "result_ids": json.dumps(result_ids, ensure_ascii=False),
            },
            ensure_ascii=False,
        )
        with self._lock:
            if self._fd is None:  # closed by a previous lifespan of the app: start a new segment
                self._open_segment()
            assert self._fd is not None
            os.write(self._fd, (line + "\n").encode("utf-8"))
        return event_id

    # -- moving lines into the store --------------------------------------------------------------------
    def flush(self, *, all_segments: bool = False) -> int:
        """Move new journal lines into the store: this worker's segment, or every segment (for export)."""
        segments = sorted(self.directory.glob("*.jsonl")) if all_segments else [self.segment]
        with self.access.write() as store:
            positions = store.audit_journal_positions()
            rows: list[dict[str, Any]] = []
            advanced: dict[str, int] = {}
            for segment in segments:
                start = positions.get(segment.name, 0)
                try:
                    with segment.open("rb") as handle:
                        handle.seek(start)
                        data = handle.read()
                except FileNotFoundError:
                    continue
                end = data.rfind(b"\n") + 1  # a line still being written waits for the next flush
                if end == 0:
                    continue
                for raw in data[:end].splitlines():
                    if raw.strip():
                        event = json.loads(raw)
                        event["requested_at"] = dt.datetime.fromisoformat(event["requested_at"])
                        rows.append(event)
                advanced[segment.name] = start + end
            if advanced:
                store.append_audit(pa.Table.from_pylist(rows, schema=AUDIT_SCHEMA), advanced)
            own_done = advanced.get(self.segment.name, positions.get(self.segment.name, 0))
        self._rotate_if_done(own_done)
        return len(rows)

    def _rotate_if_done(self, moved_to: int) -> None:
        with self._lock:
            if self._fd is None:
                return
            size = os.fstat(self._fd).st_size
            if size >= ROTATE_BYTES and moved_to >= size:
                old = self.segment
                os.close(self._fd)
                self._open_segment()
                old.unlink(missing_ok=True)

    def start(self, every: float) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.flush()
                except Exception:
                    continue

        self._thread = threading.Thread(target=loop, name="audit-journal", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the flusher, move the remaining lines into the store and close the segment (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        try:
            self.flush()
        finally:
            with self._lock:
                if self._fd is not None:
                    os.close(self._fd)
                    self._fd = None
