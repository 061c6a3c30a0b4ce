#!/bin/sh
# The split shop on this machine: auth, catalog and order as three processes on three databases of the
# local MySQL/MariaDB, behind the nginx generated from k8s/base/ingress.yaml (TLS, self-signed).
#   deploy/local/services.sh up     # last line: BASE=https://127.0.0.1:PORT
#   deploy/local/services.sh down   # stops what `up` started (by its pid) and drops its databases
# Needs Node.js 24, `npm ci`, nginx, openssl and MySQL/MariaDB on 127.0.0.1:3306 (TEST_DATABASE_SERVER).
set -eu
cd "$(dirname "$0")/../.."
state="${BOOKSTORE_SERVICES_STATE:-${TMPDIR:-/tmp}/bookstore-services}"
mkdir -p "$state"
case "${1:-}" in
  up)
    if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then echo "already running (pid $(cat "$state/pid"))" >&2; grep '^BASE=' "$state/log"; exit 0; fi
    node scripts/copy-vendor.mjs >/dev/null
    nohup node --import tsx test/services/stack.cli.ts >"$state/log" 2>&1 &
    echo $! >"$state/pid"
    for _ in $(seq 1 120); do
      if grep -q '^BASE=' "$state/log"; then grep '^BASE=' "$state/log"; exit 0; fi
      kill -0 "$(cat "$state/pid")" 2>/dev/null || { cat "$state/log" >&2; exit 1; }
      sleep 0.5
    done
    echo "the stack did not start in 60 s; see $state/log" >&2; exit 1 ;;
  down)
    [ -f "$state/pid" ] || { echo "not running"; exit 0; }
    pid="$(cat "$state/pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"   # it stops nginx and the three services, then drops its databases
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$state/pid"; echo "stopped" ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
