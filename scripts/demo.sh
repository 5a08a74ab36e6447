#!/usr/bin/env bash
# The main job: installs what is missing, builds, creates the embedded demo warehouse (once),
# and syncs every model in models/ into the store. Run it twice: the second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# With pipefail a failed build ends the script: the grep only hides the progress lines.
swift build --product warehouse-sync 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
mkdir -p .warehouse-sync
if [ ! -f .warehouse-sync/demo-warehouse.db ]; then
  sqlite3 .warehouse-sync/demo-warehouse.db < demo/warehouse.sql >/dev/null
  echo "created the demo warehouse .warehouse-sync/demo-warehouse.db"
fi
.build/debug/warehouse-sync validate
exec .build/debug/warehouse-sync sync --all "$@"
