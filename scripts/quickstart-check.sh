#!/usr/bin/env bash
# The README's quickstart, as a newcomer runs it: install the release binary into a temporary
# prefix, make the example project with init, sync it twice (the second run changes nothing),
# and read a profile, the runs and the changes. Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/ws-quickstart.XXXXXX)
trap 'rm -rf "$work"' EXIT
scripts/install.sh "$work/prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
export PATH="$work/prefix/bin:$PATH"
version=$(warehouse-sync --version)
case "$version" in
  "warehouse-sync "*" (commit $(git rev-parse HEAD | cut -c1-12))") ;;
  *) echo "quickstart: --version printed '$version', not the version and this commit" >&2; exit 1 ;;
esac
cd "$work"
warehouse-sync init demo >/dev/null
cd demo
first=$(warehouse-sync sync --all --json 2>/dev/null)
second=$(warehouse-sync sync --all --json 2>/dev/null)
python3 - "$first" "$second" <<'PY'
import json, sys
first, second = (json.loads(t)["runs"] for t in sys.argv[1:3])
assert [r["added"] for r in first] == [3375, 3498, 5000], first
assert all(r["added"] == r["changed"] == r["removed"] == 0 for r in second), second
PY
warehouse-sync profile u00042 | grep -q lifetime_value
warehouse-sync runs >/dev/null
warehouse-sync changes --limit 5 >/dev/null 2>&1
echo "quickstart: install, init and the README's commands work ($version)"
