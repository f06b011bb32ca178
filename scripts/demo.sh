#!/usr/bin/env bash
# The main job: generate demo data, load it into the embedded store, evaluate the rules, then serve the API
# and the warning-list dashboard on it (Ctrl-C stops the service).
# Usage: bash scripts/demo.sh [SUBJECTS] [AS_OF] [PROFILE]
# Environment: GRAPHSVC_DEMO_DIR (default var), GRAPHSVC_PORT (8000), GRAPHSVC_HOST (127.0.0.1),
#              GRAPHSVC_WORKERS (2), GRAPHSVC_DEMO_SERVE=0 to stop after the summary.
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
keys="$out/demo-api-keys.json"
mkdir -p "$out"
# The store and everything graphsvc keeps beside it, named after it ($db.wal, .audit, .generation, .names,
# .analytics, the lock files): a new store must not find the previous run's.
rm -rf "$data" "$db" "$db".* "$keys"
.venv/bin/python -m bench.generate "$data" --subjects "$subjects"
.venv/bin/graphsvc load "$data" --db "$db"
.venv/bin/graphsvc derived --db "$db" --profile "$profile" --as-of "$as_of" --format csv --output "$out/derived.csv"
.venv/bin/graphsvc summary --db "$db"
echo "derived records: $out/derived.csv; store: $db"
# The README's command examples run as written after `source $out/demo.env` (tests/test_readme_examples.py).
.venv/bin/python scripts/demo_env.py "$data" "$db" "$out/demo.env" "$as_of"
if [ "${GRAPHSVC_DEMO_SERVE:-1}" = "0" ]; then
  exit 0
fi
# Demo keys, one per tier above public (the file keeps only their digests; the keys are printed once here).
echo "demo API keys (send as X-API-Key; paste one into the dashboard's key box):"
# The government key belongs to one department of the demo data and is delegated for all the others, so that
# it may decide every warning on the dashboard; the authorised key needs an authorisation (POST
# /v1/authorisations) for each subject it looks up.
mapfile -t departments < <(.venv/bin/python -c 'import csv, sys
rows = csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))
print("\n".join(sorted({r["department"] for r in rows if r["department"]})))' "$data/entries.csv")
delegated=()
for d in "${departments[@]:1}"; do delegated+=(--delegated "$d"); done
government=$(.venv/bin/graphsvc-api keys add demo-government --tier government --department "${departments[0]}" \
  "${delegated[@]}" --file "$keys")
printf '%s\n' "$government"
for tier in authorised admin; do
  .venv/bin/graphsvc-api keys add "demo-$tier" --tier "$tier" --file "$keys"
done
# The README's HTTP examples read the service's address and the government key from the demo's environment file.
{
  echo "export GRAPHSVC_URL=http://${GRAPHSVC_HOST:-127.0.0.1}:${GRAPHSVC_PORT:-8000}"
  echo "export GOV_KEY=$(printf '%s\n' "$government" | sed -n 's/^demo-government (government): //p')"
  echo "export GOV_DEPARTMENT='${departments[0]}'"
} >> "$out/demo.env"
exec .venv/bin/graphsvc-api serve --db "$db" --as-of "$as_of" --profile "$profile" --api-keys "$keys" \
  --host "${GRAPHSVC_HOST:-127.0.0.1}" --port "${GRAPHSVC_PORT:-8000}" --workers "${GRAPHSVC_WORKERS:-2}"
