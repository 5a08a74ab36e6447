#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL: initdb into a temporary directory, listen on a
# unix socket there and on 127.0.0.1 only, run the command, always stop the server and delete
# the directory (also when the command fails or is interrupted).
#   scripts/throwaway-postgres.sh COMMAND [ARG...]
# The command sees WS_TEST_PG_HOST (socket dir), WS_TEST_PG_PORT, WS_TEST_PG_URL (superuser
# over the socket) and WS_TEST_PG_PASSWORD_URL_BASE (TCP, password auth), and PGHOST/PGPORT/PGUSER.
# The server runs with fsync=off for the tests' speed; WS_PG_DURABLE=1 keeps PostgreSQL's durable
# defaults (the benchmark does, since the stores it compares sync their writes). pg_stat_statements
# is preloaded (a database measures a run's query once it has CREATE EXTENSION pg_stat_statements).
# It keeps up to 50,000 statements: the whole suite makes thousands of distinct ones (each warehouse-side
# diff names its own tables), and an evicted entry would make a test that counts calls fail.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "throwaway-postgres: no PostgreSQL server found; run scripts/install-deps.sh" >&2; exit 2; }

dir=$(mktemp -d /tmp/ws-pg.XXXXXX)
chmod 755 "$dir"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"   # initdb refuses to run as root
  run_as=(runuser -u postgres --)
fi
port=$(( 20000 + RANDOM % 20000 ))
durability="-c fsync=off"
[ "${WS_PG_DURABLE:-0}" = 1 ] && durability=""
stop() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $durability -c max_connections=60 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=50000" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
"$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt \
  -c "ALTER ROLE postgres PASSWORD 'throwaway-superuser-secret'" >/dev/null

export WS_TEST_PG_HOST="$dir" WS_TEST_PG_PORT="$port"
export WS_TEST_PG_URL="postgresql://postgres@/postgres?host=$dir&port=$port"
export PGHOST="$dir" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
"$@"
