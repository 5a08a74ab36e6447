#!/usr/bin/env bash
# Syncs the example project from the BigQuery REST emulator (bqemulator): starts it, loads a
# table, syncs, changes a row and syncs again, shows a profile, and stops the emulator.
#   docs/examples/bigquery/run.sh            (warehouse-sync on the PATH, or WAREHOUSE_SYNC=path)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${WAREHOUSE_SYNC:-warehouse-sync}

"$root/scripts/emulators.sh" install bigquery >/dev/null
read -r port pid < <("$root/scripts/emulators.sh" start bigquery)
project=$(mktemp -d)
trap '"$root/scripts/emulators.sh" stop "$pid"; rm -rf "$project"' EXIT
api="http://127.0.0.1:$port/bigquery/v2/projects/test-project"
# One REST call (the emulator checks no token; BigQuery would).
call() { curl -sSf -X POST "$api/$1" -H 'Content-Type: application/json' -d "$2" >/dev/null; }
sql() { call queries "{\"query\": \"$1\", \"useLegacySql\": false}"; }
call datasets '{"datasetReference": {"projectId": "test-project", "datasetId": "analytics"}}'
sql "CREATE TABLE analytics.customers AS SELECT 'u1' AS user_id, 120.5 AS ltv, 'gold' AS tier UNION ALL SELECT 'u2', 80.0, 'silver'"

cp -R "$here/project/." "$project"
sed -i "s#http://127.0.0.1:PORT#http://127.0.0.1:$port#" "$project/warehouse-sync.toml"
cd "$project"
export BQ_TOKEN=emulator-token
"$bin" validate --connect
"$bin" sync --all
# The emulator moves a table's lastModifiedTime only when the table is made again, so the change
# is made that way (on BigQuery an UPDATE would do).
sql "CREATE OR REPLACE TABLE analytics.customers AS SELECT 'u1' AS user_id, 120.5 AS ltv, 'platinum' AS tier UNION ALL SELECT 'u2', 80.0, 'silver'"
"$bin" sync --all
"$bin" profile u1
