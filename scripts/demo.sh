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
out="${GRAPHSVC_DEMO_DIR:-var}"   # where the demo data, store and derived records go
data="$out/demo-data"
db="$out/demo.duckdb"
mkdir -p "$out"
rm -rf "$data" "$db" "$db.wal"
.venv/bin/python -m bench.generate "$data" --subjects "$subjects"
.venv/bin/graphsvc load "$data" --db "$db"
.venv/bin/graphsvc derived --db "$db" --profile "$profile" --as-of "$as_of" --format csv --output "$out/derived.csv"
.venv/bin/graphsvc summary --db "$db"
echo "derived records: $out/derived.csv; store: $db"
