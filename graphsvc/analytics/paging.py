"""Opaque cursors for paginated analytics answers ("and N more", with a cursor to pass back)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from graphsvc.errors import InputError


def encode_cursor(kind: str, offset: int) -> str:
    raw = json.dumps({"k": kind, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int:
    """The offset in an opaque cursor from a previous page of the same kind of query (None: the first page)."""
    if cursor is None:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        offset = data["o"]
        if data["k"] != kind or not isinstance(offset, int) or offset < 0:
            raise ValueError(cursor)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InputError(f"invalid cursor {cursor!r}; pass the next_cursor of a previous {kind} answer") from None
    return offset


def page(kind: str, total: int, offset: int, limit: int) -> dict[str, Any]:
    end = min(total, offset + limit)
    return {"more": total - end, "next_cursor": encode_cursor(kind, end) if end < total else None}


def window(kind: str, total: int, cursor: str | None, limit: int) -> tuple[int, int]:
    """The [start, stop) slice of a page of ``limit`` items from ``cursor``."""
    if limit < 1:
        raise InputError("limit must be at least 1")
    start = decode_cursor(kind, cursor)
    if start > total:
        raise InputError(f"invalid cursor {cursor!r}; it points past the end of this {kind} answer")
    return start, min(total, start + limit)
