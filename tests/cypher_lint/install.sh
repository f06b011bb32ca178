#!/usr/bin/env bash
# Install the Cypher linter (tests/test_cypher_lint.py) from package-lock.json into tests/cypher_lint/node_modules.
# Idempotent and quick: nothing runs when the lock file has not changed since the last install.
#   --required  fail when node/npm are missing or the install fails (.ci/run); without it (scripts/test.sh)
#               say so and carry on, and the lint test skips outside CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
required=false
[ "${1:-}" = "--required" ] && required=true

give_up() {
    echo "cypher lint: $1" >&2
    if $required; then exit 1; fi
    echo "cypher lint: tests/test_cypher_lint.py will skip (it fails when CI=true)" >&2
    exit 0
}

stamp=node_modules/.graphsvc-installed
if [ -f "$stamp" ] && [ -f node_modules/@neo4j-cypher/language-support/package.json ] \
    && [ ! package-lock.json -nt "$stamp" ] && [ ! package.json -nt "$stamp" ]; then
    exit 0
fi
command -v node >/dev/null || give_up "node is not installed"
command -v npm >/dev/null || give_up "npm is not installed"
npm ci --no-audit --no-fund --loglevel=error || give_up "npm ci failed in tests/cypher_lint"
touch "$stamp"
