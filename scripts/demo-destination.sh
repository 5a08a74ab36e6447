#!/usr/bin/env bash
# The demo with a destination: a copy of the example project whose lifetime_value model delivers
# its changes to a tiny receiver on 127.0.0.1 (demo/receiver.py), which prints what it gets.
# It syncs, changes two customers' orders in the copy's warehouse, and syncs again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# With pipefail a failed build ends the script: the grep only hides the progress lines.
swift build --product warehouse-sync 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
tool="$PWD/.build/debug/warehouse-sync"
demo=.warehouse-sync/demo-destination
rm -rf "$demo" && mkdir -p "$demo/.warehouse-sync"
cp -r models warehouse-sync.toml "$demo/"
sqlite3 "$demo/.warehouse-sync/demo-warehouse.db" < demo/warehouse.sql >/dev/null
log=$(mktemp)
python3 -u demo/receiver.py 0 > "$log" &
receiver=$!
trap 'kill $receiver 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do [ -s "$log" ] && break; sleep 0.1; done
port=$(head -1 "$log")
printf '\n[destinations.demo]\nkind = "webhook"\nurl = "http://127.0.0.1:%s/changes"\n' "$port" >> "$demo/warehouse-sync.toml"
sed -i 's/^-- key: user_id$/-- key: user_id\n-- destinations: demo/' "$demo/models/lifetime_value.sql"
echo "== first sync: every profile is new; the receiver gets every change"
"$tool" --project "$demo" sync lifetime_value
echo "   the receiver got $(grep -c '^received' "$log") changes"
echo "== two customers' orders change in the warehouse; the second sync delivers just those"
sqlite3 "$demo/.warehouse-sync/demo-warehouse.db" \
  "UPDATE orders SET order_total = order_total + 100 WHERE user_id IN ('u00001', 'u00002')"
before=$(grep -c '^received' "$log")
"$tool" --project "$demo" sync lifetime_value
tail -n +$((before + 2)) "$log"
"$tool" --project "$demo" deliveries
