#!/usr/bin/env bash
# The whole test suite: unit, conformance, integration and interop, on PGlite and on a
# throwaway PostgreSQL from Debian's package (started here, removed on exit).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "${TEST_DATABASE_URL:-}" ] && [ -n "$PG_BIN" ] && [ -x "$PG_BIN/postgres" ]; then
  pg_dir=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
  port=${TEST_PG_PORT:-55432}
  [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
  as_pg "$PG_BIN/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "test: PostgreSQL on 127.0.0.1:$port"
elif [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "test: no PostgreSQL server found (run scripts/install-test-peers.sh); store tests run on PGlite only"
fi

npx vitest run "$@"
