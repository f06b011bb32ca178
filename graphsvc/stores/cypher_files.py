"""Named Cypher statements from ``cypher/`` (design.md §2: only the Neo4j store reads that folder).

Statements are always parameterised; nothing here splices values into Cypher text. A rule statement is its
prologue file followed by its body file, both named here.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from graphsvc.errors import StoreError

CYPHER_DIR_ENV = "GRAPHSVC_CYPHER_DIR"


def cypher_dir() -> Path:
    explicit = os.environ.get(CYPHER_DIR_ENV)
    return Path(explicit) if explicit else Path(__file__).resolve().parents[2] / "cypher"


@cache
def statement(name: str) -> str:
    """The text of ``cypher/<name>.cypher``."""
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise StoreError(f"missing Cypher statement {path}; set {CYPHER_DIR_ENV} to the project's cypher/ folder")
    return path.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """A file holding several statements separated by lines with only ';' (the schema)."""
    parts: list[str] = []
    current: list[str] = []
    for line in statement(name).splitlines():
        if line.strip() == ";":
            parts.append("\n".join(current))
            current = []
        elif not line.lstrip().startswith("//"):
            current.append(line)
    parts.append("\n".join(current))
    return [p for p in parts if p.strip()]


def rule_statement(body: str, *, prologue: tuple[str, ...] = ()) -> str:
    """A rule statement: its prologue files, then its body file."""
    return "\n".join([*(statement(p) for p in prologue), statement(body)])
