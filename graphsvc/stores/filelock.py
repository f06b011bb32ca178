"""Cross-process access to the embedded store's file.

DuckDB lets many processes read a file, or one process write it, but not both at once: a second opener fails
at once. The service runs several worker processes beside CLI loads, so every opener first takes an advisory
lock on ``<store>.lock`` (shared for readers, exclusive for the writer) and waits its turn, for at most
``timeout`` seconds, instead of failing. A store in a folder this process may not write is read without
making a lock file there: no writer can be at work in it either. A step that needs much memory takes a turn
on ``<store>.<step>.lock`` (``TurnLock``), so the service's workers do it one after the other.

Lock files hold no data: only their advisory locks count, so the lock files a deleted store leaves serve a store
made anew at the same path as well (what is kept beside a store with data in it says which store it is from:
graphsvc/stores/sidecar.py).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from graphsvc.errors import StoreError

DEFAULT_TIMEOUT = 60.0
_POLL = 0.01


# A folder this process may not write: the lock file can be neither made nor opened for writing there.
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
NO_LOCK_NEEDED = -1  # the lock file cannot exist and cannot be made: no graphsvc writer can be at work here


def _open(path: Path, *, read_only_ok: bool) -> int:
    """The lock file, opened; in a read-only folder (``read_only_ok``) the existing file opened for reading
    (flock needs no write access), or NO_LOCK_NEEDED where there is none: a writer needs the folder writable to
    make it, so none can be writing there either."""
    try:
        # Private like the store itself (0600): only the store's owner opens it, to read or to write.
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        if not read_only_ok or exc.errno not in _READ_ONLY:
            raise
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return NO_LOCK_NEEDED


def _acquire(path: Path, mode: int, timeout: float, *, read_only_ok: bool = False) -> int | None:
    """An open descriptor of ``path`` holding ``mode`` (or NO_LOCK_NEEDED, see ``_open``), or None if the lock
    was not free within ``timeout``."""
    fd = _open(path, read_only_ok=read_only_ok)
    if fd == NO_LOCK_NEEDED:
        return fd
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(_POLL)


def _release(fd: int | None) -> None:
    if fd is not None and fd != NO_LOCK_NEEDED:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class StoreLock:
    """A held lock on ``<store>.lock``; ``release()`` lets the next opener in."""

    def __init__(self, store_path: Path, *, exclusive: bool, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = store_path.with_name(store_path.name + ".lock")
        self.exclusive = exclusive
        # A reader of a store in a read-only folder reads it without a lock file (see _open).
        self._fd = _acquire(
            self.path, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH, timeout, read_only_ok=not exclusive
        )
        if self._fd is None:
            what = "write" if exclusive else "read"
            raise StoreError(
                f"the store {store_path} is busy: could not {what} it within {timeout:g} s because another "
                "graphsvc process holds it (a load or an evaluation); try again when it has finished"
            )

    def release(self) -> None:
        _release(self._fd)
        self._fd = None


class TurnLock:
    """One process of a store at a time for a step that needs much memory (a service worker building its index
    of every subject's facts): a held lock on ``<store>.<step>.lock``, released on ``release()`` or when the
    process ends."""

    def __init__(self, store_path: Path, step: str, *, timeout: float) -> None:
        self.path = store_path.with_name(f"{store_path.name}.{step}.lock")
        # In a read-only folder no turn can be taken; the workers then build one beside the other.
        self._fd = _acquire(self.path, fcntl.LOCK_EX, timeout, read_only_ok=True)
        if self._fd is None:
            raise StoreError(
                f"another process of the store {store_path} has been doing {step} for over {timeout:g} s; "
                "try again when it has finished"
            )

    def release(self) -> None:
        _release(self._fd)
        self._fd = None
