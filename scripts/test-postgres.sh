#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite (trust auth, loopback only, no fsync) and print
# its URL. PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user.
set -euo pipefail
port="${VERAE_TEST_PG_PORT:-55432}"
data_dir="${VERAE_TEST_PG_DIR:-/tmp/verae-test-pg}"
bin_dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if ! as_postgres "$bin_dir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    mkdir -p "$data_dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data_dir"
    as_postgres "$bin_dir/initdb" -D "$data_dir" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  as_postgres "$bin_dir/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w start \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=300" >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$port/postgres"
