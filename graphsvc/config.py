"""Where things live by default, and how the environment overrides it."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "GRAPHSVC_DB"
STORE_ENV = "GRAPHSVC_STORE"


def default_db_path() -> Path:
    """``$GRAPHSVC_DB``, else ``$XDG_DATA_HOME/graphsvc/graphsvc.duckdb`` (``~/.local/share/...``)."""
    explicit = os.environ.get(DB_ENV)
    if explicit:
        return Path(explicit)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "graphsvc" / "graphsvc.duckdb"
