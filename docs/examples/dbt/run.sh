#!/usr/bin/env bash
# docs/dbt.md's example, as written there: the fixture dbt project (Tests/Fixtures/dbt/shop) built by
# dbt-core and dbt-postgres on a throwaway PostgreSQL, then the WarehouseSync project beside it
# synced after the dbt run, its exposures parsed by dbt, and the pull-request check.
#   docs/examples/dbt/run.sh            (warehouse-sync on the PATH, or WAREHOUSE_SYNC=path)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
if [ -z "${WS_TEST_PG_HOST:-}" ]; then exec "$root/scripts/throwaway-postgres.sh" "$0" "$@"; fi
bin=${WAREHOUSE_SYNC:-warehouse-sync}
"$root/scripts/dbt.sh" install
PATH="$(dirname "$("$root/scripts/dbt.sh" path)"):$PATH"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$root/Tests/Fixtures/dbt/shop" "$work/analytics"
cp -R "$here/project" "$work/sync"
# The dbt profile and the source read the same database.
export WS_DBT_PGHOST="$WS_TEST_PG_HOST" WS_DBT_PGPORT="$WS_TEST_PG_PORT" WS_DBT_PGDATABASE=postgres
export DBT_PROFILES_DIR="$work/analytics"
export DATABASE_URL="host=$WS_TEST_PG_HOST port=$WS_TEST_PG_PORT user=postgres dbname=postgres"

# --- docs/dbt.md: "Set up" and "After dbt Core" ---
cd "$work/analytics"
dbt seed
dbt run
cd "$work/sync"
"$bin" validate
"$bin" plan customer_ltv
"$bin" sync --after-dbt ../analytics/target/run_results.json
"$bin" profile 1

# --- docs/dbt.md: "Exposures" ---
"$bin" dbt exposures --out ../analytics/models/warehouse_sync_exposures.yml
cd "$work/analytics"
dbt parse
dbt ls --select +exposure:customer_ltv --output name

# --- docs/dbt.md: "The pull-request check" (the pull request here changes nothing) ---
cd "$work/sync"
"$bin" validate --dbt-manifest ../analytics/target/manifest.json
