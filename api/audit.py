"""The audit log (PRV-06: queries and uses of personal information are registered and reviewable).

Every request that returns personal data or list information is logged: key id, tier, time, endpoint,
parameters, authorisation reference and the ids it returned. Each worker process appends one JSON line per
request to its own journal segment (``O_APPEND``: one write per line, so a killed worker loses nothing it
acknowledged) and, every few seconds, moves new lines into the store's append-only ``audit_log`` together
with the position it read up to, in one transaction: every line reaches the log exactly once. Export reads
the store after moving every segment's remaining lines in.

Faults: a write that fails (a full disk) may leave half a line; the request fails (503: nothing is served
unlogged) and the next line starts on a fresh line. A complete line that is not an audit event (such a
fragment, or a damaged file) is moved to ``quarantine/<segment>.bad`` with its position, reported in the
server log and counted in ``/ready``, and never blocks the lines after it. While writing or flushing fails,
``/ready`` answers 503 with the reason.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import socket
import threading
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa

from api.storage import StoreAccess
from graphsvc.errors import StoreError
from graphsvc.stores.base import AUDIT_SCHEMA

log = logging.getLogger("graphsvc.api")
_EVENT_START = b'{"event_id"'

# A segment that its writer has fully moved into the store is replaced by a fresh one past this size.
ROTATE_BYTES = 16 * 1024 * 1024


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class AuditJournal:
    def __init__(self, directory: Path, access: StoreAccess) -> None:
        self.directory = directory
        self.access = access
        self._lock = threading.Lock()
        self._torn = False  # the last write failed: the segment may end in half a line
        self.write_problem: str | None = None
        self.flush_problem: str | None = None
        self.quarantined = 0  # lines this process moved to quarantine
        self._fd: int | None = None
        try:
            self._open_segment()
        except OSError as exc:  # the service still starts: /ready and every audited request say why (503)
            self.write_problem = (
                f"the audit journal folder {self.directory} cannot be written: {exc}; "
                "set GRAPHSVC_AUDIT_DIR to a writable folder"
            )
            log.error("%s; requests that must be audited get 503 until it can", self.write_problem)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _open_segment(self) -> None:
        name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self.segment = self.directory / name
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._fd = os.open(self.segment, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

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
        data = (line + "\n").encode("utf-8")
        with self._lock:
            if self._torn:
                data = b"\n" + data  # end the half line a failed write may have left: it is quarantined alone
            try:
                if self._fd is None:  # closed by a previous lifespan of the app, or never opened: a new segment
                    self._open_segment()
                assert self._fd is not None
                written = os.write(self._fd, data)
                if written != len(data):
                    raise OSError(f"only {written} of {len(data)} bytes were written")
            except OSError as exc:
                self._torn = True
                self.write_problem = f"the audit journal {self.segment} cannot be written: {exc}"
                if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                    self.write_problem += "; set GRAPHSVC_AUDIT_DIR to a writable folder"
                log.error("%s; requests that must be audited get 503 until it can", self.write_problem)
                raise StoreError(f"{self.write_problem}; nothing is served unlogged (PRV-06): retry later") from exc
            self._torn = False
            self.write_problem = None
        return event_id

    @property
    def problem(self) -> str | None:
        """Why the audit log is not healthy now, or None."""
        return self.write_problem or self.flush_problem

    # -- moving lines into the store --------------------------------------------------------------------
    def flush(self, *, all_segments: bool = False) -> int:
        """Move new journal lines into the store: this worker's segment, or every segment (for export)."""
        if self.access.read_only is not None:
            if not all_segments:
                return 0  # the lines wait in the journal until the store can be written
            raise StoreError(f"{self.access.read_only}; the audit journal's newest lines wait in {self.directory}")
        segments = sorted(self.directory.glob("*.jsonl")) if all_segments else [self.segment]
        with self.access.write() as store:
            positions = store.audit_journal_positions()
            rows: list[dict[str, Any]] = []
            advanced: dict[str, int] = {}
            bad: list[tuple[Path, int, bytes]] = []
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
                offset = start
                for raw in data[:end].split(b"\n")[:-1]:
                    if raw.strip():
                        rows += _events(segment, offset, raw, bad)
                    offset += len(raw) + 1
                advanced[segment.name] = start + end
            if advanced:
                store.append_audit(pa.Table.from_pylist(rows, schema=AUDIT_SCHEMA), advanced)
            own_done = advanced.get(self.segment.name, positions.get(self.segment.name, 0))
        for segment, offset, raw in bad:  # once the positions past them are committed: each is kept once
            self._quarantine(segment, offset, raw)
        self._rotate_if_done(own_done)
        return len(rows)

    def _quarantine(self, segment: Path, offset: int, raw: bytes) -> None:
        folder = self.directory / "quarantine"
        folder.mkdir(mode=0o700, exist_ok=True)
        target = folder / (segment.name + ".bad")
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            note = json.dumps({"segment": segment.name, "position": offset, "bytes": len(raw)})
            os.write(fd, note.encode("utf-8") + b"\n" + raw + b"\n")
        finally:
            os.close(fd)
        self.quarantined += 1
        log.error(
            "audit journal %s: the line at byte %d is not an audit event (%d bytes, e.g. cut by a full disk); "
            "moved to %s, the lines after it are kept",
            segment,
            offset,
            len(raw),
            target,
        )

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
                self.try_flush()

        self._thread = threading.Thread(target=loop, name="audit-journal", daemon=True)
        self._thread.start()

    def try_flush(self) -> bool:
        """Flush, and remember why it failed (``/ready`` reports it; the server log says it once per change)."""
        try:
            self.flush()
        except Exception as exc:
            problem = f"the audit journal cannot be moved into the store: {exc}"
            if problem != self.flush_problem:
                log.error("%s; its lines are kept and moved at the next flush that succeeds", problem)
            self.flush_problem = problem
            return False
        if self.flush_problem is not None:
            log.warning("the audit journal is moved into the store again")
        self.flush_problem = None
        return True

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


def _event(raw: bytes) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(raw)
    if not isinstance(event, dict) or set(event) != set(AUDIT_SCHEMA.names):
        raise ValueError("not an audit event")
    event["requested_at"] = dt.datetime.fromisoformat(event["requested_at"])
    return event


def _events(segment: Path, offset: int, raw: bytes, bad: list[tuple[Path, int, bytes]]) -> list[dict[str, Any]]:
    """The audit event of one journal line; a line that is not one goes to ``bad``. A half line left by a
    failed write, with a whole line written after it on the same line, gives up the whole one."""
    try:
        return [_event(raw)]
    except (ValueError, KeyError, TypeError):
        pass
    tail = raw.rfind(_EVENT_START)
    if tail > 0:
        try:
            event = _event(raw[tail:])
        except (ValueError, KeyError, TypeError):
            pass
        else:
            bad.append((segment, offset, raw[:tail]))
            return [event]
    bad.append((segment, offset, raw))
    return []
