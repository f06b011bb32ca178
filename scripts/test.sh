#!/usr/bin/env bash
# The test command: lint, type-check and run the whole suite. `.ci/run` calls exactly this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash tests/cypher_lint/install.sh  # Neo4j's Cypher linter for tests/test_cypher_lint.py, when node and npm exist
.venv/bin/python -m ruff check .
.venv/bin/python -m mypy --strict graphsvc loaders api
.venv/bin/python -m pytest -q "$@"
