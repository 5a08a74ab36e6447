#!/usr/bin/env bash
# The test command: installs what is missing, starts a throwaway PostgreSQL, builds, and runs
# every test. Memory-bound suites (`*MemoryTests`) run in a second pass, alone, because they
# read the process's resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
# Formatting is checked first: swift format (in the toolchain) with the checked-in .swift-format.
swift format lint --strict --recursive Sources Tests Package.swift
swift build --build-tests
# The manual: every relative link resolves, every command and option it shows exists.
python3 scripts/check-docs.py .build/debug/warehouse-sync
# The README's quickstart on the installed release binary.
scripts/quickstart-check.sh
# The Snowflake SQL API and BigQuery REST emulators (snowduck and bqemulator, each in a virtualenv made
# once and reused), stopped on exit.
scripts/emulators.sh install all
read -r snowflake_port snowflake_pid < <(scripts/emulators.sh start snowflake)
[ -n "${snowflake_pid:-}" ] || { echo "test.sh: the Snowflake emulator did not start" >&2; exit 1; }
trap 'scripts/emulators.sh stop "$snowflake_pid"' EXIT
export WS_TEST_SNOWFLAKE_URL="http://127.0.0.1:$snowflake_port"
read -r bigquery_port bigquery_pid < <(scripts/emulators.sh start bigquery)
[ -n "${bigquery_pid:-}" ] || { echo "test.sh: the BigQuery emulator did not start" >&2; exit 1; }
trap 'scripts/emulators.sh stop "$snowflake_pid"; scripts/emulators.sh stop "$bigquery_pid"' EXIT
export WS_TEST_BIGQUERY_URL="http://127.0.0.1:$bigquery_port"
# dbt-core and dbt-postgres in a virtualenv made once and reused: the dbt tests run the real dbt.
scripts/dbt.sh install
export WS_TEST_DBT="$(scripts/dbt.sh path)"
# sqlglot from the emulator's virtualenv parses every statement generated for Snowflake, BigQuery and Redshift.
export WS_TEST_SQLGLOT_PYTHON="${WS_VENV_DIR:-$HOME/.cache/warehouse-sync/venvs}/snowduck-0.3.0/bin/python"
# The Snowflake and BigQuery examples of docs/warehouses.md, as written, on the debug binary (each starts
# its own emulator).
WAREHOUSE_SYNC="$PWD/.build/debug/warehouse-sync" docs/examples/snowflake/run.sh >/dev/null
WAREHOUSE_SYNC="$PWD/.build/debug/warehouse-sync" docs/examples/bigquery/run.sh >/dev/null
# docs/dbt.md's example, as written, against the fixture dbt project on its own throwaway PostgreSQL.
WAREHOUSE_SYNC="$PWD/.build/debug/warehouse-sync" docs/examples/dbt/run.sh >/dev/null
scripts/throwaway-postgres.sh bash -c '
  set -e
  swift test --skip-build --skip "MemoryTests"
  swift test --skip-build --no-parallel --filter "MemoryTests"
'
