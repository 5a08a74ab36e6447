#!/usr/bin/env bash
# Syncs the example project from the Snowflake SQL API emulator (snowduck): starts it, loads a
# table, syncs, changes a row and syncs again, shows a profile, and stops the emulator.
#   docs/examples/snowflake/run.sh            (warehouse-sync on the PATH, or WAREHOUSE_SYNC=path)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${WAREHOUSE_SYNC:-warehouse-sync}

"$root/scripts/emulators.sh" install snowflake >/dev/null
read -r port pid < <("$root/scripts/emulators.sh" start snowflake)
trap '"$root/scripts/emulators.sh" stop "$pid"' EXIT
# One statement through the SQL API (the emulator checks no token; Snowflake would).
sql() {
    curl -sSf "http://127.0.0.1:$port/api/v2/statements" -H 'Content-Type: application/json' \
        -d "{\"statement\": \"$1\"}" >/dev/null
}
sql "CREATE DATABASE ANALYTICS"
sql "CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC"
sql "CREATE TABLE ANALYTICS.PUBLIC.CUSTOMERS (USER_ID VARCHAR, LTV NUMBER(12,2), TIER VARCHAR)"
sql "INSERT INTO ANALYTICS.PUBLIC.CUSTOMERS VALUES ('u1', 120.50, 'gold'), ('u2', 80.00, 'silver')"

project=$(mktemp -d)
trap '"$root/scripts/emulators.sh" stop "$pid"; rm -rf "$project"' EXIT
cp -R "$here/project/." "$project"
sed -i "s#http://127.0.0.1:PORT#http://127.0.0.1:$port#" "$project/warehouse-sync.toml"
cd "$project"
export SF_TOKEN=emulator-token
"$bin" validate --connect
"$bin" sync --all
sql "UPDATE ANALYTICS.PUBLIC.CUSTOMERS SET TIER = 'platinum' WHERE USER_ID = 'u1'"
"$bin" sync --all
"$bin" profile u1
