"""Faults of the machine, said in one line with what to do: a full disk, a read-only or foreign folder, a
corrupt store file. The CLI prints these instead of a traceback (exit code 1)."""

from __future__ import annotations

import errno

_FULL = ("no space left on device", "disk quota exceeded", "file too large")
_READ_ONLY = ("read-only file system", "permission denied", "operation not permitted")
_CORRUPT = ("not a valid duckdb database", "corrupt", "checksum", "invalid file", "is not a database")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe(exc: BaseException, where: str) -> str | None:
    """One line for a machine fault behind ``exc`` (or anything that caused it), or None if it is not one.
    ``where`` names the file or folder involved (the store, an output file)."""
    for cause in _chain(exc):
        text = str(cause).lower()
        code = cause.errno if isinstance(cause, OSError) else None
        if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or any(s in text for s in _FULL):
            return (
                f"the disk holding {where} is full: nothing of this command was committed; free some space "
                "(or use --db on another disk) and run it again"
            )
        if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(s in text for s in _READ_ONLY):
            return (
                f"cannot write {where}: the folder is read-only or not yours; choose a writable place with --db "
                "(or GRAPHSVC_DB), or fix the folder's permissions"
            )
        if any(s in text for s in _CORRUPT):
            return (
                f"{where} is not a readable graphsvc store (corrupt, or another kind of file); restore it from a "
                "backup, or point --db at the store"
            )
        if code in (errno.ENOTDIR, errno.ENOENT, errno.EISDIR):
            return f"cannot use {where}: {cause.strerror if isinstance(cause, OSError) else cause}; check the path"
    return None
