#!/usr/bin/env bash
# Installs the system packages WarehouseSync builds and tests against (Debian/Ubuntu).
set -euo pipefail
# libcurl4: FoundationNetworking (destinations) is built on it; python3: the test receiver and the demo's;
# libmicrohttpd-dev: serve's HTTP server; libssl-dev: libcrypto (the Snowflake key-pair JWT);
# python3-venv: the benchmark's virtualenv for its peers (bench/peers.py) and the warehouse emulators'.
# With --tests also chromium: the dashboard's test in a real headless browser.
packages=(postgresql libpq-dev unixodbc-dev odbc-postgresql libsqliteodbc libsqlite3-dev libxxhash-dev libssl-dev
  sqlite3 libcurl4 python3 python3-venv libmicrohttpd-dev)
if [ "${1:-}" = "--tests" ]; then packages+=(chromium); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
