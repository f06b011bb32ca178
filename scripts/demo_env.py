"""Write the demo's environment file: ``source var/demo.env`` puts graphsvc on the PATH, points GRAPHSVC_DB at the
demo store and names demo subjects, so that every shell example in README.md runs as written after the demo.

Usage: python scripts/demo_env.py DATA_DIR DB ENV_FILE [AS_OF]

DEMO_ENTERPRISE is the enterprise with the most shareholders held on AS_OF (ties: the smallest id),
DEMO_PERSON its legal representative on that date, DEMO_OWNER its largest shareholder.
"""

from __future__ import annotations

import csv
import shlex
import sys
from collections import defaultdict
from pathlib import Path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _held(row: dict[str, str], as_of: str) -> bool:
    return (row["valid_from"] or "0000") <= as_of and (row["valid_to"] or "9999") >= as_of


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    data, db, env = Path(argv[0]), Path(argv[1]), Path(argv[2])
    as_of = argv[3] if len(argv) == 4 else "2026-06-30"
    roles = [r for r in _rows(data / "roles.csv") if _held(r, as_of)]
    holders: dict[str, list[dict[str, str]]] = defaultdict(list)
    representatives: dict[str, str] = {}
    for r in roles:
        if r["role"] == "shareholder":
            holders[r["target_id"]].append(r)
        elif r["role"] == "legal_representative":
            representatives.setdefault(r["target_id"], r["source_id"])
    candidates = sorted((-len(h), target) for target, h in holders.items() if target in representatives)
    if not candidates:
        print("no enterprise with shareholders and a legal representative in the demo data", file=sys.stderr)
        return 1
    enterprise = candidates[0][1]
    owner = max(holders[enterprise], key=lambda r: (float(r["ratio"] or 0), r["source_id"]))["source_id"]
    venv = (Path(sys.prefix) / "bin").resolve()  # run with .venv/bin/python: graphsvc lives beside it
    values = {
        "PATH": f"{venv}:$PATH",
        "GRAPHSVC_DB": str(db.resolve()),
        "DEMO_ENTERPRISE": enterprise,
        "DEMO_PERSON": representatives[enterprise],
        "DEMO_OWNER": owner,
        "DEMO_AS_OF": as_of,
    }
    lines = [f"# source this file: the CLI on the demo store ({db})"]
    for name, value in values.items():
        quoted = f'"{value}"' if name == "PATH" else shlex.quote(value)
        lines.append(f"export {name}={quoted}")
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f'CLI on the demo store: source {env}  (then e.g. graphsvc ownership "$DEMO_ENTERPRISE")')
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
