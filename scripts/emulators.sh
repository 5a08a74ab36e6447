#!/usr/bin/env bash
# emulators.sh — install, start and stop local warehouse emulators for
# end-to-end tests of WarehouseSync's HTTP clients.
#
#   snowflake : snowduck 0.3.0     (Snowflake SQL API v2, /api/v2/statements)
#   bigquery  : bqemulator 1.4.0   (BigQuery REST v2, /bigquery/v2/projects/...)
#
# Usage:
#   emulators.sh install [snowflake|bigquery|all]   # default: all; idempotent
#   emulators.sh start snowflake|bigquery            # prints "PORT PID" on stdout
#   emulators.sh stop PID
#   emulators.sh status PID                          # exit 0 if running
#
# Environment:
#   WS_VENV_DIR     where virtualenvs live (default $HOME/.cache/warehouse-sync/venvs)
#   WS_PYTHON       python >= 3.11 used to create the venvs (default python3)
#   WS_LOG_DIR      log directory (default $WS_VENV_DIR/../logs)
#   WS_START_TIMEOUT seconds to wait for readiness (default 90)
#   WS_SNOWDUCK_DB  DuckDB file for snowduck (default: in-memory)
#   WS_BQ_PROJECT   bqemulator default project id (default test-project)
#   WS_BQ_DATA_DIR  bqemulator persistent data dir (default: ephemeral/in-memory)
#
# Every diagnostic goes to stderr; stdout carries only the "PORT PID" line.
set -euo pipefail

WS_VENV_DIR="${WS_VENV_DIR:-$HOME/.cache/warehouse-sync/venvs}"
WS_PYTHON="${WS_PYTHON:-python3}"
WS_LOG_DIR="${WS_LOG_DIR:-$(dirname "$WS_VENV_DIR")/logs}"
WS_START_TIMEOUT="${WS_START_TIMEOUT:-90}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
abspath() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
WS_VENV_DIR="$(abspath "$WS_VENV_DIR")"
WS_LOG_DIR="$(abspath "$WS_LOG_DIR")"

# Pins. A change here changes the stamp, so `install` rebuilds the venv.
SNOW_VENV="$WS_VENV_DIR/snowduck-0.3.0"
SNOW_PINS=("snowduck[server]==0.3.0" "sqlglot[c]==30.22.0")
BQ_VENV="$WS_VENV_DIR/bqemulator-1.4.0"
BQ_PINS=("bqemulator==1.4.0" "duckdb==1.5.5" "duckdb-extension-spatial==1.5.5" "numpy")
# Optional full locks (pip freeze of a known-good venv) next to this script.
SNOW_LOCK="$SCRIPT_DIR/constraints-snowflake.txt"
BQ_LOCK="$SCRIPT_DIR/constraints-bigquery.txt"

log() { printf '[emulators] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- install --

ensure_venv_support() {
  command -v "$WS_PYTHON" >/dev/null 2>&1 || die "$WS_PYTHON not found"
  "$WS_PYTHON" - <<'EOF' || die "$WS_PYTHON is older than 3.11 (both emulators need >= 3.11); set WS_PYTHON"
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
EOF
  if "$WS_PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then return 0; fi
  log "python venv/ensurepip missing; installing python3-venv with apt-get"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not available; install python3-venv by hand"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >&2
  "$WS_PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 \
    || die "python3-venv installed but $WS_PYTHON still lacks venv (is $WS_PYTHON the Debian python?)"
}

# stamp_of LOCKFILE PINS... -> a string that changes whenever the recipe changes
stamp_of() {
  local lock="$1"; shift
  { printf '%s\n' "$@"; "$WS_PYTHON" -c 'import sys; print(sys.version)'; \
    [ -f "$lock" ] && cat "$lock"; } | sha256sum | cut -c1-16
}

# make_venv DIR LOCK PINS...
make_venv() {
  local dir="$1" lock="$2"; shift 2
  local stamp; stamp="$(stamp_of "$lock" "$@")"
  if [ -f "$dir/.ws-stamp" ] && [ "$(cat "$dir/.ws-stamp")" = "$stamp" ] \
     && "$dir/bin/python" -c 'pass' >/dev/null 2>&1; then
    log "$(basename "$dir"): up to date"
    return 1   # nothing done
  fi
  ensure_venv_support
  log "$(basename "$dir"): creating virtualenv"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  "$WS_PYTHON" -m venv "$dir" >&2
  local cargs=()
  [ -f "$lock" ] && cargs=(-c "$lock")
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
    "${cargs[@]}" "$@" >&2
  echo "$stamp" > "$dir/.ws-stamp.pending"
  return 0
}

install_snowflake() {
  if make_venv "$SNOW_VENV" "$SNOW_LOCK" "${SNOW_PINS[@]}"; then
    "$SNOW_VENV/bin/python" -c 'import snowduck.server.server' \
      || die "snowduck import failed"
    mv "$SNOW_VENV/.ws-stamp.pending" "$SNOW_VENV/.ws-stamp"
    log "snowduck installed in $SNOW_VENV"
  fi
}

install_bigquery() {
  local fresh=0
  make_venv "$BQ_VENV" "$BQ_LOCK" "${BQ_PINS[@]}" && fresh=1
  # DuckDB's spatial extension is required at bqemulator start (INSTALL/LOAD
  # spatial). Install it from the PyPI wheel into the emulator's private HOME
  # so that no download from the DuckDB extension repository is attempted.
  local home="$BQ_VENV/home"
  if [ "$fresh" = 1 ] || ! compgen -G "$home/.duckdb/extensions/*/*/spatial.duckdb_extension" >/dev/null; then
    mkdir -p "$home"
    HOME="$home" "$BQ_VENV/bin/python" - <<'EOF' >&2
import pathlib, duckdb, duckdb_extension_spatial
ext = (pathlib.Path(duckdb_extension_spatial.__file__).parent / "extensions"
       / f"v{duckdb.__version__}" / "spatial.duckdb_extension")
if not ext.exists():
    raise SystemExit(f"spatial extension not in wheel: {ext}")
con = duckdb.connect()
con.execute(f"INSTALL '{ext}'")
con.execute("LOAD spatial")
print("[emulators] spatial extension installed:",
      con.execute("select install_path from duckdb_extensions() where extension_name='spatial'").fetchone()[0])
EOF
  fi
  if [ "$fresh" = 1 ]; then
    "$BQ_VENV/bin/bqemulator" --version >&2 || die "bqemulator not runnable"
    mv "$BQ_VENV/.ws-stamp.pending" "$BQ_VENV/.ws-stamp"
    log "bqemulator installed in $BQ_VENV"
  fi
}

cmd_install() {
  local what="${1:-all}"
  case "$what" in
    snowflake) install_snowflake ;;
    bigquery)  install_bigquery ;;
    all)       install_snowflake; install_bigquery ;;
    *) die "install: unknown target '$what' (snowflake|bigquery|all)" ;;
  esac
}

# ------------------------------------------------------------------ start --

free_port() {
  "$WS_PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# probe URL -> 0 when the server answers with the expected status
probe() {
  "$WS_PYTHON" - "$1" "$2" <<'EOF'
import sys, urllib.request, urllib.error
url, want = sys.argv[1], int(sys.argv[2])
try:
    with urllib.request.urlopen(url, timeout=2) as r:
        sys.exit(0 if r.status == want else 1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == want else 1)
except Exception:
    sys.exit(1)
EOF
}

# launch KIND PORT LOG -> echoes PID
launch() {
  local kind="$1" port="$2" logf="$3"
  case "$kind" in
    snowflake)
      [ -x "$SNOW_VENV/bin/snowduck" ] || die "snowduck not installed; run: $0 install snowflake"
      local stage="$WS_LOG_DIR/snowflake-$port.stage"
      mkdir -p "$stage"
      # SNOWDUCK_DB_PATH unset => in-memory DuckDB. Stage dir per instance.
      ( cd "$WS_LOG_DIR" && exec env ${WS_SNOWDUCK_DB:+SNOWDUCK_DB_PATH="$WS_SNOWDUCK_DB"} \
          SNOWDUCK_STAGE_DIR="$stage" PYTHONUNBUFFERED=1 \
          setsid "$SNOW_VENV/bin/snowduck" --host 127.0.0.1 --port "$port" \
          </dev/null >>"$logf" 2>&1 ) &
      ;;
    bigquery)
      [ -x "$BQ_VENV/bin/bqemulator" ] || die "bqemulator not installed; run: $0 install bigquery"
      local gport; gport="$(free_port)"
      local extra=()
      [ -n "${WS_BQ_DATA_DIR:-}" ] && extra=(--data-dir "$WS_BQ_DATA_DIR")
      # HOME points at the venv-private home holding the spatial extension.
      # cwd is the log dir so that a stray .bqemu.toml is never picked up.
      ( cd "$WS_LOG_DIR" && exec env HOME="$BQ_VENV/home" \
          BQEMU_ENABLE_FORMAT_EXTENSIONS=false PYTHONUNBUFFERED=1 \
          setsid "$BQ_VENV/bin/bqemulator" start \
          --rest-host 127.0.0.1 --rest-port "$port" \
          --grpc-host 127.0.0.1 --grpc-port "$gport" \
          --project "${WS_BQ_PROJECT:-test-project}" "${extra[@]}" \
          </dev/null >>"$logf" 2>&1 ) &
      ;;
  esac
  echo $!
}

cmd_start() {
  local kind="${1:-}"
  local url_path want
  case "$kind" in
    snowflake) url_path="/api/v2/query-history"; want=200 ;;
    bigquery)  url_path="/readyz"; want=200 ;;
    *) die "start: say snowflake or bigquery" ;;
  esac
  mkdir -p "$WS_LOG_DIR"
  local attempt port pid logf deadline
  for attempt in 1 2 3; do
    port="$(free_port)"
    logf="$WS_LOG_DIR/$kind-$port.log"
    : > "$logf"
    pid="$(launch "$kind" "$port" "$logf")"
    deadline=$(( $(date +%s) + WS_START_TIMEOUT ))
    while :; do
      if ! kill -0 "$pid" 2>/dev/null; then
        log "$kind exited during start-up (attempt $attempt); log $logf:"
        tail -n 20 "$logf" >&2 || true
        # Only a lost race for the port is worth another try.
        grep -qiE 'address already in use|errno 98' "$logf" && break
        die "start $kind failed"
      fi
      if probe "http://127.0.0.1:$port$url_path" "$want"; then
        log "$kind ready on 127.0.0.1:$port (pid $pid, log $logf)"
        echo "$port $pid"
        return 0
      fi
      if [ "$(date +%s)" -ge "$deadline" ]; then
        log "$kind not ready after ${WS_START_TIMEOUT}s; log $logf:"
        tail -n 20 "$logf" >&2 || true
        cmd_stop "$pid" || true
        die "start $kind timed out"
      fi
      sleep 0.3
    done
  done
  die "could not start $kind"
}

# ------------------------------------------------------------------- stop --

is_ours() {  # PID -> 0 if it is one of our emulator processes
  local pid="$1"
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -Eq '(bin/snowduck|bin/bqemulator)( |$)'
}

cmd_stop() {
  local pid="${1:-}"
  [[ "$pid" =~ ^[0-9]+$ ]] || die "stop: give the PID printed by start"
  if ! kill -0 "$pid" 2>/dev/null; then log "pid $pid not running"; return 0; fi
  is_ours "$pid" || die "pid $pid is not a snowduck/bqemulator process; refusing to stop it"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { log "stopped $pid"; return 0; }
    sleep 0.2
  done
  log "pid $pid ignored SIGTERM for 10s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  # reap by waiting briefly
  for i in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  die "pid $pid still alive"
}

cmd_status() {
  local pid="${1:-}"
  [[ "$pid" =~ ^[0-9]+$ ]] || die "status: give a PID"
  kill -0 "$pid" 2>/dev/null && is_ours "$pid"
}

# ------------------------------------------------------------------- main --

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start)   shift; cmd_start "$@" ;;
  stop)    shift; cmd_stop "$@" ;;
  status)  shift; cmd_status "$@" ;;
  *) sed -n '2,22p' "$0" >&2; exit 2 ;;
esac
