"""Cross-process access to the embedded store's file.

DuckDB lets many processes read a file, or one process write it, but not both at once: a second opener fails
at once. The service runs several worker processes beside CLI loads, so every opener first takes an advisory
lock on ``<store>.lock`` (shared for readers, exclusive for the writer) and waits its turn, for at most
``timeout`` seconds, instead of failing.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from graphsvc.errors import StoreError

DEFAULT_TIMEOUT = 60.0
_POLL = 0.01


class StoreLock:
    """A held lock on ``<store>.lock``; ``release()`` lets the next opener in."""

    def __init__(self, store_path: Path, *, exclusive: bool, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = store_path.with_name(store_path.name + ".lock")
        self.exclusive = exclusive
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        # Private like the store itself (0600): only the store's owner opens it, to read or to write.
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self._fd)
                    self._fd = None
                    what = "write" if exclusive else "read"
                    raise StoreError(
                        f"the store {store_path} is busy: could not {what} it within {timeout:g} s because another "
                        "graphsvc process holds it (a load or an evaluation); try again when it has finished"
                    ) from None
                time.sleep(_POLL)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
