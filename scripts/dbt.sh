#!/usr/bin/env bash
# dbt.sh — the dbt-core + dbt-postgres virtualenv the dbt tests and docs/examples/dbt run.
#
#   dbt.sh install        make or reuse the virtualenv (pinned, stamped, idempotent)
#   dbt.sh path           print the venv's bin/dbt
#
# Environment: WS_VENV_DIR (default $HOME/.cache/warehouse-sync/venvs), WS_PYTHON (default python3).
# Diagnostics go to stderr; stdout carries only the path.
set -euo pipefail

WS_VENV_DIR="${WS_VENV_DIR:-$HOME/.cache/warehouse-sync/venvs}"
WS_PYTHON="${WS_PYTHON:-python3}"
case "$WS_VENV_DIR" in /*) ;; *) WS_VENV_DIR="$PWD/$WS_VENV_DIR" ;; esac

# Pins. A change here changes the stamp, so `install` rebuilds the venv.
DBT_VENV="$WS_VENV_DIR/dbt-1.10.15"
DBT_PINS=("dbt-core==1.10.15" "dbt-postgres==1.9.1")

log() { printf '[dbt] %s\n' "$*" >&2; }

install() {
  local stamp
  stamp="$({ printf '%s\n' "${DBT_PINS[@]}"; "$WS_PYTHON" -c 'import sys; print(sys.version)'; } \
    | sha256sum | cut -c1-16)"
  if [ -f "$DBT_VENV/.ws-stamp" ] && [ "$(cat "$DBT_VENV/.ws-stamp")" = "$stamp" ] \
    && "$DBT_VENV/bin/dbt" --version >/dev/null 2>&1; then
    log "$(basename "$DBT_VENV"): up to date"
    return 0
  fi
  log "making $DBT_VENV (${DBT_PINS[*]})"
  rm -rf "$DBT_VENV"
  mkdir -p "$WS_VENV_DIR"
  "$WS_PYTHON" -m venv "$DBT_VENV" >&2
  "$DBT_VENV/bin/pip" install --quiet --disable-pip-version-check "${DBT_PINS[@]}" >&2
  "$DBT_VENV/bin/dbt" --version >&2
  printf '%s' "$stamp" >"$DBT_VENV/.ws-stamp"
}

case "${1:-}" in
  install) install ;;
  path) printf '%s\n' "$DBT_VENV/bin/dbt" ;;
  *) echo "usage: dbt.sh install|path" >&2; exit 2 ;;
esac
