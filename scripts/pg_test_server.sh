#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server: `scripts/pg_test_server.sh .venv/bin/python -m pytest`.
#
# Installs Debian's `postgresql` package when pg_ctl is missing, makes a cluster in a temporary
# folder, serves it on a free port on 127.0.0.1 only (and a unix socket in that folder), creates
# a database, runs the command with DATABASE_URL pointing at it, then stops the server and
# removes the folder whatever happens. Exits with the command's exit code.
#
# The cluster is for tests only: fsync is off (the crash test runs on SQLite; a test server
# losing its data on a power cut loses nothing), which keeps the per-test schema resets quick.
# PG_DURABLE=1 turns it back on, for measuring writes as a real server would make them (the bench).
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() {
  # pg_ctl may be on PATH as a link into that folder; createdb and psql there match its version.
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  # Debian keeps the server programs out of PATH, one folder per major version.
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

BIN="$(pg_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  echo "PostgreSQL is not installed: installing Debian's postgresql package" >&2
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  BIN="$(pg_bin)"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dropin-pg.XXXXXX")"
DATA="$WORK/data"
# initdb refuses to run as root: as root, the cluster belongs to the `postgres` user the package made.
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$WORK"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

stop() {
  status=$?
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 \
      || as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DURABLE=off
[ "${PG_DURABLE:-0}" = 1 ] && DURABLE=on
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
printf '%s\n' "$PASSWORD" > "$WORK/pwfile"
[ "$(id -u)" = 0 ] && chown postgres: "$WORK/pwfile"

as_pg "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$WORK/pwfile" --auth=scram-sha-256 \
  --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
rm -f "$WORK/pwfile"

as_pg "$BIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w -t 60 \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $WORK -c max_connections=200 -c fsync=$DURABLE -c synchronous_commit=$DURABLE -c full_page_writes=$DURABLE" \
  start >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

export PGPASSWORD="$PASSWORD"
"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres dropin_test
unset PGPASSWORD

echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $WORK)" >&2
export DATABASE_URL="postgresql://postgres:$PASSWORD@127.0.0.1:$PORT/dropin_test"
"$@"
