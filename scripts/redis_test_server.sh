#!/usr/bin/env bash
# Run a command beside a throwaway Redis server: `scripts/redis_test_server.sh .venv/bin/python -m pytest`.
#
# Installs Debian's `redis-server` package when it is missing, serves Redis on a free port on
# 127.0.0.1 only, with a password and nothing written to disk, runs the command with REDIS_URL
# pointing at it, then stops the server by its PID and removes its folder whatever happens.
# Exits with the command's exit code. The tests that count limits across several app processes
# use it (tests/load/test_shared_limits.py); `make test` runs the PostgreSQL pass inside it.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not installed: installing Debian's redis-server package" >&2
  as_root apt-get update -q
  # The package would start a system-wide server where services can start; the tests never use it.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dropin-redis.XXXXXX")"
PID=""

stop() {
  status=$?
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
# The password goes in a file only this user reads, never on a command line others can see.
umask 077
cat > "$WORK/redis.conf" <<EOF
bind 127.0.0.1
port $PORT
protected-mode yes
requirepass $PASSWORD
dir $WORK
save ""
appendonly no
daemonize no
logfile $WORK/redis.log
EOF

redis-server "$WORK/redis.conf" &
PID=$!
for _ in $(seq 100); do
  if REDISCLI_AUTH="$PASSWORD" redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; then break; fi
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/redis.log" >&2; exit 1; }
  sleep 0.1
done
REDISCLI_AUTH="$PASSWORD" redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG \
  || { echo "Redis did not answer on 127.0.0.1:$PORT" >&2; cat "$WORK/redis.log" >&2; exit 1; }

echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$PORT" >&2
export REDIS_URL="redis://default:$PASSWORD@127.0.0.1:$PORT/0"
"$@"
