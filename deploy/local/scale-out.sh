#!/usr/bin/env bash
# The scale-out topology (docs/scale-out.md) on one machine, as real processes on 127.0.0.1:
#
#   client ──https──▶ lb (HAProxy, HTTP mode: TLS, 80→443, X-Forwarded-*, round robin, GET /ping)
#                      ├──▶ app1 (npm start) ─┐  one shared UPLOAD_DIR (EFS in AWS)
#                      └──▶ app2 (npm start) ─┤
#                                             ▼
#                      db-haproxy (TCP, option mysql-check) ──▶ db-primary ══GTID, semi-sync══▶ db-replica (backup)
#
#   scale-out.sh up             start everything; the last line printed is BASE=https://127.0.0.1:PORT
#   scale-out.sh pids           "name pid" for db-primary db-replica db-haproxy lb app1 app2
#   scale-out.sh promote        the replica becomes the writable primary; the old one is fenced
#   scale-out.sh start NAME     start a member again (db-primary, db-replica, app1, app2) with its own config
#   scale-out.sh env            the ports, URLs and secrets of the running topology, as NAME=value lines
#   scale-out.sh down           stop everything it started, by pid, and remove its folder
#
# All state lives in one folder: $SCALE_OUT_DIR, by default ${TMPDIR:-/tmp}/bookstore-scale-out.
# SCALE_OUT_BUILD=0 skips `npm run build` (when dist/ is already current); SCALE_OUT_KEEP=1 makes
# `down` keep the folder and its logs.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="${SCALE_OUT_DIR:-${TMPDIR:-/tmp}/bookstore-scale-out}"
marker="$state/.bookstore-scale-out"
members=(db-primary db-replica db-haproxy app1 app2 lb)

log() { printf '%s\n' "$*" >&2; }
die() { log "scale-out: $*"; exit 1; }

# --- what it needs --------------------------------------------------------------------------------
need_packages() {
  command -v node >/dev/null || die "node (24) must be on PATH"
  # The same install CI uses: haproxy, mariadb-server and openssl from Debian's packages, when missing.
  sh "$repo/scripts/ci-install-scale.sh" >&2
}

# Free TCP ports on 127.0.0.1, chosen by the kernel.
free_ports() {
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]); const servers = []; const ports = [];
    (async () => {
      for (let i = 0; i < n; i++) {
        const s = net.createServer(); servers.push(s);
        await new Promise((r) => s.listen(0, "127.0.0.1", r)); ports.push(s.address().port);
      }
      servers.forEach((s) => s.close()); console.log(ports.join(" "));
    })();' "$1"
}

secret() { openssl rand -hex 32; }

sql() { # sql MEMBER "statements": as root, over the member's own socket
  mariadb --no-defaults -S "$state/$1/mysqld.sock" -uroot --batch --skip-column-names -e "$2"
}

wait_for_sql() { # MEMBER
  for _ in $(seq 1 150); do sql "$1" 'SELECT 1' >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$1 did not answer (see $state/$1/mariadbd.log)"
}

wait_for_http() { # URL NAME
  for _ in $(seq 1 150); do
    node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1" && return 0
    sleep 0.2
  done
  die "$2 did not answer $1 (see $state/$2.log)"
}

pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$state/pids" 2>/dev/null; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
record_pid() { # NAME PID: replaces the member's line
  touch "$state/pids"
  { grep -v "^$1 " "$state/pids" || true; echo "$1 $2"; } >"$state/pids.new"
  mv "$state/pids.new" "$state/pids"
}

# --- the databases ---------------------------------------------------------------------------------
write_db_config() { # NAME SERVER_ID PORT ROLE
  local dir="$state/$1"
  mkdir -p "$dir"
  {
    echo '[mysqld]'
    echo "datadir=$dir/data"
    echo "socket=$dir/mysqld.sock"
    echo "pid-file=$dir/mysqld.pid"
    echo "log-error=$dir/mariadbd.log"
    echo "port=$3"
    echo 'bind-address=127.0.0.1'
    echo 'user=root'
    echo 'innodb-buffer-pool-size=64M'
    echo "server-id=$2"
    echo "log-bin=$dir/binlog"
    echo "relay-log=$dir/relay"
    # The replication settings AWS runs (GTID, semi-sync AFTER_SYNC, ...): the same file.
    sed -n '/^[a-z]/p' "$repo/deploy/aws/host/mariadb-replication.cnf"
    if [ "$4" = replica ]; then
      echo 'read-only=ON'
      echo 'skip-slave-start=ON'
    fi
  } >"$dir/my.cnf"
}

start_db() { # NAME
  local dir="$state/$1"
  setsid /usr/sbin/mariadbd --defaults-file="$dir/my.cnf" >>"$dir/mariadbd.log" 2>&1 </dev/null &
  record_pid "$1" $!
}

init_db() { # NAME
  mariadb-install-db --defaults-file="$state/$1/my.cnf" --auth-root-authentication-method=normal --skip-test-db >"$state/$1/install.log" 2>&1 ||
    die "mariadb-install-db failed for $1 (see $state/$1/install.log)"
}

up_databases() {
  write_db_config db-primary 1 "$DB_PRIMARY_PORT" primary
  write_db_config db-replica 2 "$DB_REPLICA_PORT" replica
  init_db db-primary
  init_db db-replica
  start_db db-primary
  start_db db-replica
  wait_for_sql db-primary
  wait_for_sql db-replica
  # Each binary log starts empty: what mariadb-install-db wrote is already on both servers.
  sql db-primary 'RESET MASTER'
  sql db-replica 'RESET MASTER'
  # Users on the primary; the replica gets them (and everything after) through replication.
  # HAProxy's mysql-check logs in as a user without a password or any privilege.
  sql db-primary "
    CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY '$REPL_PASSWORD';
    GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
    CREATE USER 'haproxy_check'@'127.0.0.1';
    CREATE DATABASE bookstore CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER 'bookstore'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
    GRANT ALL PRIVILEGES ON bookstore.* TO 'bookstore'@'127.0.0.1';"
  sql db-replica "
    SET GLOBAL gtid_slave_pos = '';
    CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$DB_PRIMARY_PORT, MASTER_USER='repl',
      MASTER_PASSWORD='$REPL_PASSWORD', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
    START SLAVE;"
  # Semi-sync is on only once the replica has connected and acknowledged.
  for _ in $(seq 1 100); do
    [ "$(sql db-primary "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_status'")" = ON ] &&
      [ "$(sql db-replica "SELECT COUNT(*) FROM mysql.user WHERE user = 'bookstore'")" = 1 ] && return 0
    sleep 0.2
  done
  die "replication did not start (see $state/db-replica/mariadbd.log)"
}

# --- HAProxy for the database and the load balancer -------------------------------------------------
write_db_haproxy_config() { # FENCED: "yes" after a promotion
  # The one HAProxy database config AWS runs (deploy/aws/host/haproxy-db.cfg), rendered by the
  # same tool: before a promotion the primary writes and the replica is the backup; after it the
  # promoted replica writes and the old primary stays disabled (fenced) for good.
  local writer=db-primary standby=db-replica
  if [ "$1" = yes ]; then writer=db-replica standby=none; fi
  HAPROXY_BIND="127.0.0.1:$DB_HAPROXY_PORT" HAPROXY_ADMIN_BIND="ipv4@127.0.0.1:$DB_HAPROXY_ADMIN_PORT" \
    DB_PRIMARY_ADDR="127.0.0.1:$DB_PRIMARY_PORT" DB_REPLICA_ADDR="127.0.0.1:$DB_REPLICA_PORT" \
    DB_WRITER="$writer" DB_STANDBY="$standby" \
    bash "$repo/deploy/aws/host/bin/bookstore-haproxy-config" render "$repo/deploy/aws/host/haproxy-db.cfg" "$state/db-haproxy/haproxy.cfg"
}

write_lb_config() {
  cat >"$state/lb/haproxy.cfg" <<EOF
# Stands in for the AWS Application Load Balancer: TLS ends here (the ACM certificate there, a
# self-signed one here), HTTP redirects to HTTPS, X-Forwarded-For/-Proto/-Port as the ALB sets them,
# round robin over the instances, health check GET /ping, failed instances out.
global
    stats socket ipv4@127.0.0.1:$LB_ADMIN_PORT level admin
    log stdout format raw local0 notice
    ssl-default-bind-options ssl-min-ver TLSv1.2

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s

frontend http
    bind 127.0.0.1:$LB_HTTP_PORT
    http-request redirect prefix https://127.0.0.1:$LB_HTTPS_PORT code 301

frontend https
    bind 127.0.0.1:$LB_HTTPS_PORT ssl crt $state/lb/lb.pem alpn http/1.1
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    http-request set-header X-Forwarded-Port $LB_HTTPS_PORT
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /ping
    http-check expect status 200
    # A request that could not reach an instance (refused, reset before any answer) goes to the
    # other one: an instance that is shutting down loses nobody's request.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    default-server check inter 1s fall 2 rise 2
    server app1 127.0.0.1:$APP1_PORT
    server app2 127.0.0.1:$APP2_PORT
EOF
}

start_haproxy() { # NAME
  haproxy -c -q -f "$state/$1/haproxy.cfg" >/dev/null || die "bad HAProxy config $state/$1/haproxy.cfg"
  setsid haproxy -db -f "$state/$1/haproxy.cfg" >>"$state/$1.log" 2>&1 </dev/null &
  record_pid "$1" $!
}

haproxy_admin() { # PORT COMMAND: one command on a runtime API socket (TCP)
  local reply
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0 # not listening yet
  printf '%s\n' "$2" >&3
  reply="$(cat <&3)"
  exec 3<&-
  printf '%s' "$reply"
}

# --- the app instances ------------------------------------------------------------------------------
children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | head -n1 || true; }
# (Node 24 names its main thread "MainThread", so the command line tells a shell from node.)
is_shell() { case "$(ps -o args= -p "$1" 2>/dev/null || true)" in sh\ * | */sh\ * | bash\ *) return 0 ;; *) return 1 ;; esac; }

start_app() { # NAME PORT
  (
    cd "$repo"
    export NODE_ENV=production HOST=127.0.0.1 PORT="$2" INSTANCE_NAME="$1" TRUST_PROXY=127.0.0.1 \
      DATABASE_URL="mysql://bookstore:$DB_PASSWORD@127.0.0.1:$DB_HAPROXY_PORT/bookstore" \
      SESSION_SECRET="$SESSION_SECRET" JWT_SECRET="$JWT_SECRET" UPLOAD_DIR="$state/uploads" \
      MIGRATE_ON_START=true LOG_LEVEL="${SCALE_OUT_LOG_LEVEL:-warn}" \
      LOGIN_ADDRESS_MAX_FAILURES="${LOGIN_ADDRESS_MAX_FAILURES:-100}"
    exec setsid npm start --silent >>"$state/$1.log" 2>&1 </dev/null
  ) &
  local npm_pid=$! node_pid=""
  # `pids` names the server process itself (npm's child), so a signal reaches it directly.
  for _ in $(seq 1 100); do
    node_pid="$(children_of "$npm_pid")"
    # npm may run the script through sh; then the node process is one level further down.
    [ -n "$node_pid" ] && is_shell "$node_pid" && node_pid="$(children_of "$node_pid")"
    [ -n "$node_pid" ] && ! is_shell "$node_pid" && break
    node_pid=""
    sleep 0.1
  done
  [ -n "$node_pid" ] || die "$1 did not start (see $state/$1.log)"
  record_pid "$1" "$node_pid"
  echo "$npm_pid" >"$state/$1.npm.pid"
}

# --- commands ---------------------------------------------------------------------------------------
cmd_up() {
  [ -e "$marker" ] && die "already up in $state (run: $0 down)"
  need_packages
  mkdir -p "$state"/{db-haproxy,lb,uploads}
  touch "$marker"
  : >"$state/pids"
  log "state: $state"
  read -r DB_PRIMARY_PORT DB_REPLICA_PORT DB_HAPROXY_PORT DB_HAPROXY_ADMIN_PORT APP1_PORT APP2_PORT LB_HTTP_PORT LB_HTTPS_PORT LB_ADMIN_PORT <<<"$(free_ports 9)"
  cat >"$state/env" <<EOF
DB_PRIMARY_PORT=$DB_PRIMARY_PORT
DB_REPLICA_PORT=$DB_REPLICA_PORT
DB_HAPROXY_PORT=$DB_HAPROXY_PORT
DB_HAPROXY_ADMIN_PORT=$DB_HAPROXY_ADMIN_PORT
APP1_PORT=$APP1_PORT
APP2_PORT=$APP2_PORT
LB_HTTP_PORT=$LB_HTTP_PORT
LB_HTTPS_PORT=$LB_HTTPS_PORT
LB_ADMIN_PORT=$LB_ADMIN_PORT
DB_PASSWORD=$(secret)
REPL_PASSWORD=$(secret)
SESSION_SECRET=$(secret)
JWT_SECRET=$(secret)
UPLOAD_DIR=$state/uploads
LB_CERT=$state/lb/cert.pem
EOF
  chmod 600 "$state/env"
  # shellcheck disable=SC1091
  . "$state/env"

  if [ "${SCALE_OUT_BUILD:-1}" != 0 ]; then
    log "building the app (npm run build)"
    (cd "$repo" && npm run build --silent >"$state/build.log" 2>&1) || die "npm run build failed (see $state/build.log)"
  fi

  log "starting db-primary (:$DB_PRIMARY_PORT) and db-replica (:$DB_REPLICA_PORT)"
  up_databases
  write_db_haproxy_config no
  start_haproxy db-haproxy
  log "db-haproxy on :$DB_HAPROXY_PORT"

  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=127.0.0.1' -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
    -keyout "$state/lb/key.pem" -out "$state/lb/cert.pem" >/dev/null 2>&1
  cat "$state/lb/cert.pem" "$state/lb/key.pem" >"$state/lb/lb.pem"
  chmod 600 "$state/lb/key.pem" "$state/lb/lb.pem"

  # The first instance migrates (under a lock: the second waits, then finds nothing to do).
  start_app app1 "$APP1_PORT"
  start_app app2 "$APP2_PORT"
  wait_for_http "http://127.0.0.1:$APP1_PORT/healthz" app1
  wait_for_http "http://127.0.0.1:$APP2_PORT/healthz" app2
  log "app1 on :$APP1_PORT, app2 on :$APP2_PORT"

  write_lb_config
  start_haproxy lb
  for _ in $(seq 1 100); do
    [ "$(haproxy_admin "$LB_ADMIN_PORT" 'show stat' | awk -F, '$1 == "app" && $18 == "UP"' | wc -l)" = 2 ] && break
    sleep 0.2
  done
  log "lb on https://127.0.0.1:$LB_HTTPS_PORT (http://127.0.0.1:$LB_HTTP_PORT redirects there)"
  echo "BASE=https://127.0.0.1:$LB_HTTPS_PORT"
}

load_env() {
  [ -e "$marker" ] || die "nothing is up in $state"
  # shellcheck disable=SC1091
  . "$state/env"
}

cmd_pids() {
  load_env
  for name in "${members[@]}"; do
    local pid
    pid="$(pid_of "$name")"
    alive "$pid" && echo "$name $pid"
  done
  return 0
}

cmd_promote() {
  load_env
  log "promoting db-replica"
  # Apply everything already received: with AFTER_SYNC that is every commit a client saw succeed.
  sql db-replica 'STOP SLAVE IO_THREAD' >/dev/null 2>&1 || true
  for _ in $(seq 1 300); do
    local status read_pos exec_pos read_file exec_file sql_running
    status="$(mariadb --no-defaults -S "$state/db-replica/mysqld.sock" -uroot -e 'SHOW SLAVE STATUS\G')"
    read_file="$(awk '/ Master_Log_File:/ { print $2 }' <<<"$status")"
    exec_file="$(awk '/ Relay_Master_Log_File:/ { print $2 }' <<<"$status")"
    read_pos="$(awk '/ Read_Master_Log_Pos:/ { print $2 }' <<<"$status")"
    exec_pos="$(awk '/ Exec_Master_Log_Pos:/ { print $2 }' <<<"$status")"
    sql_running="$(awk '/ Slave_SQL_Running:/ { print $2 }' <<<"$status")"
    { [ -z "$status" ] || { [ "$read_file" = "$exec_file" ] && [ "$read_pos" = "$exec_pos" ]; } || [ "$sql_running" != Yes ]; } && break
    sleep 0.1
  done
  sql db-replica 'STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF;'
  # Fence the old primary: in maintenance in HAProxy now and in its config for any reload, its
  # connections cut, and read-only should it start again, so it can never take a write.
  write_db_haproxy_config yes
  haproxy_admin "$DB_HAPROXY_ADMIN_PORT" 'disable server mysql/db-primary' >/dev/null
  haproxy_admin "$DB_HAPROXY_ADMIN_PORT" 'shutdown sessions server mysql/db-primary' >/dev/null
  grep -q '^read-only=ON' "$state/db-primary/my.cnf" || printf 'read-only=ON\nskip-slave-start=ON\n' >>"$state/db-primary/my.cnf"
  if sql db-primary 'SET GLOBAL read_only = ON' >/dev/null 2>&1; then log "the old primary was still up: now read-only"; fi
  echo "promoted db-replica (:$DB_REPLICA_PORT); db-primary is fenced"
}

cmd_start() {
  load_env
  local name="${1:-}"
  alive "$(pid_of "$name")" && die "$name is already running"
  case "$name" in
    db-primary | db-replica)
      start_db "$name"
      wait_for_sql "$name"
      ;;
    app1) start_app app1 "$APP1_PORT" && wait_for_http "http://127.0.0.1:$APP1_PORT/ping" app1 ;;
    app2) start_app app2 "$APP2_PORT" && wait_for_http "http://127.0.0.1:$APP2_PORT/ping" app2 ;;
    *) die "start what? one of db-primary, db-replica, app1, app2" ;;
  esac
  echo "$name $(pid_of "$name")"
}

cmd_env() {
  load_env
  cat "$state/env"
}

cmd_down() {
  if [ ! -e "$marker" ]; then
    log "nothing is up in $state"
    return 0
  fi
  local pids=()
  for name in lb app1 app2 db-haproxy db-replica db-primary; do
    local pid
    pid="$(pid_of "$name")"
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  for f in "$state"/*.npm.pid; do [ -e "$f" ] && alive "$(cat "$f")" && kill -TERM "$(cat "$f")" 2>/dev/null; done
  for _ in $(seq 1 100); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
  if [ "${SCALE_OUT_KEEP:-0}" = 1 ]; then
    rm -f "$marker"
    log "stopped; kept $state for its logs (SCALE_OUT_KEEP=1)"
  else
    rm -rf "$state"
    log "stopped; removed $state"
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  pids) cmd_pids ;;
  promote) cmd_promote ;;
  start) cmd_start "${2:-}" ;;
  env) cmd_env ;;
  down) cmd_down ;;
  *) die "usage: $0 up | pids | promote | start NAME | env | down" ;;
esac
