#!/usr/bin/env bash
# A throwaway PostgreSQL for the CDC examples: wal_level=logical (the machine's cluster may run with
# "replica"), port 55432 on 127.0.0.1, trust auth, data in /tmp/sluice-example-pg. As root the
# cluster belongs to the postgres user (initdb refuses root). Runs orders.sql: public.orders with a
# few rows and the empty public.orders_copy. Stop it with examples/postgres/stop-postgres.sh.
set -euo pipefail
BIN="$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | tail -1)"
DIR=/tmp/sluice-example-pg
PORT=55432
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -d "$DIR/data" ]; then
  mkdir -p "$DIR" && chmod 755 "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
  as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync -E UTF8 >/dev/null
fi
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DIR -c wal_level=logical" start >/dev/null
psql -q -h 127.0.0.1 -p $PORT -U postgres postgres -f "$(dirname "$0")/orders.sql"
echo "postgres with wal_level=logical on postgres://postgres@127.0.0.1:$PORT/postgres"
