#!/usr/bin/env bash
# The main job: generate demo data, load it into the embedded store, evaluate the rules, print a summary.
# Usage: bash scripts/demo.sh [SUBJECTS] [AS_OF] [PROFILE]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
subjects="${1:-20000}"
as_of="${2:-2026-06-30}"
profile="${3:-default}"
data="var/demo-data"
db="var/demo.duckdb"
rm -rf "$data" "$db" "$db.wal"
.venv/bin/python -m bench.generate "$data" --subjects "$subjects"
.venv/bin/graphsvc load "$data" --db "$db"
.venv/bin/graphsvc derived --db "$db" --profile "$profile" --as-of "$as_of" --format csv --output var/derived.csv
.venv/bin/graphsvc summary --db "$db"
echo "derived records: var/derived.csv; store: $db"
