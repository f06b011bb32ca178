"""Which JSON input format a file holds, from its first record: FollowTheMoney or BODS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphsvc.errors import LoadRejected
from loaders.source import depth_problem, too_deep


def _parsed(text: str, path: Path) -> Any:
    """``text`` parsed, unless it nests deeper than the readers read: that stops the load, naming the file."""
    if too_deep(text):
        raise LoadRejected([depth_problem(path.name)], "these stop the input from being read; fix them first")
    return json.loads(text)


def sniff_json(path: Path) -> str | None:
    """ftm or bods from the first record of a JSON or JSON-lines file."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            head = fh.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return None
    text = head.lstrip()
    first: object = None
    if text.startswith("["):
        try:
            data = _parsed(path.read_text(encoding="utf-8-sig"), path)
        except (ValueError, OSError):
            return None
        first = data[0] if isinstance(data, list) and data else None
    elif text.startswith("{"):
        try:
            first = _parsed(text.splitlines()[0], path)
        except ValueError:
            try:
                first = _parsed(path.read_text(encoding="utf-8-sig"), path)
            except (ValueError, OSError):
                return None
    if not isinstance(first, dict):
        return None
    if "statementType" in first or "recordType" in first or "statementID" in first or "statementId" in first:
        return "bods"
    if "schema" in first and ("properties" in first or "id" in first):
        return "ftm"
    return None


__all__ = ["sniff_json"]
