#!/usr/bin/env bash
# The benchmark: builds the release binary, starts a throwaway PostgreSQL, and measures a sync
# of N rows (default 1,000,000) against the floor, the SQL-only upsert and the peers (drt and dlt,
# installed from PyPI into bench/.venv-peers, the benchmark's own virtualenv; --no-peers skips them).
#   scripts/bench.sh [--rows N] [--no-peers] [--warehouse-diff-rows N (default 10,000,000; 0 skips)]
# Writes bench/results.md and bench/results.json, and bench/results-warehouse-diff.{md,json}
# (client-side vs warehouse-side diff, docs/warehouse-diff.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# With pipefail a failed build ends the script: the grep only hides the progress lines.
swift build -c release --product warehouse-sync 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
# A durable server (fsync on), like the SQLite store, which syncs its log at every commit.
WS_PG_DURABLE=1 exec scripts/throwaway-postgres.sh python3 bench/bench.py "$@"
