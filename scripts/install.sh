#!/usr/bin/env bash
# Builds the release binary and installs it: PREFIX/bin/warehouse-sync (PREFIX defaults to
# /usr/local), with the commit it was built from in PREFIX/share/warehouse-sync/commit, which
# `warehouse-sync --version` prints. Installs the Debian packages it needs first.
#   scripts/install.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-/usr/local}"
scripts/install-deps.sh
echo "building the release binary (a few minutes the first time)" >&2
# With pipefail a failed build ends the script: the grep only hides the progress lines.
swift build -c release --product warehouse-sync 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
binary="$(swift build -c release --show-bin-path)/warehouse-sync"
[ -x "$binary" ] || { echo "install: the build did not produce $binary" >&2; exit 1; }
mkdir -p "$prefix/bin" "$prefix/share/warehouse-sync"
install -m 0755 "$binary" "$prefix/bin/warehouse-sync"
git rev-parse HEAD > "$prefix/share/warehouse-sync/commit" 2>/dev/null || echo unknown > "$prefix/share/warehouse-sync/commit"
"$prefix/bin/warehouse-sync" --version
echo "installed $prefix/bin/warehouse-sync" >&2
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "add $prefix/bin to your PATH: export PATH=\"$prefix/bin:\$PATH\"" >&2 ;; esac
