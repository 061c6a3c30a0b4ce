#!/bin/bash
# BookStore db-replica (Debian 12): MariaDB 10.11, read_only, replicating the primary with GTID
# and semi-sync (it acknowledges each event once in its relay log). It receives the database and
# the users from the primary.
# The @@…@@ placeholders are filled by the CDK (lib/boot-script.ts).
set -euo pipefail
REGION='@@REGION@@'
STACK='@@STACK@@'
RESOURCE='@@RESOURCE@@'
TOOLS_URL='@@TOOLS_URL@@'
LOG_GROUP='@@LOG_GROUP@@'
NAME=db-replica
SERVER_ID=2
TOPOLOGY_PREFIX='@@TOPOLOGY_PREFIX@@'
BACKUP_BUCKET='@@BACKUP_BUCKET@@'
REPL_PASSWORD_PARAM='@@REPL_PASSWORD_PARAM@@'
PRIMARY_IP='@@PRIMARY_IP@@'

# shellcheck source=SCRIPTDIR/lib-common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=SCRIPTDIR/lib-db.sh
. "$(dirname "$0")/lib-db.sh"

boot_common
install_mariadb
[ "$(sql 'SELECT @@read_only')" = 1 ] || { echo "db-replica came up writable: check the topology in SSM" >&2; false; }
repl_password="$(param "$REPL_PASSWORD_PARAM")"
mariadb <<SQL
CHANGE MASTER TO MASTER_HOST='$PRIMARY_IP', MASTER_USER='repl', MASTER_PASSWORD='$repl_password',
  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=5;
START SLAVE;
SQL
unset repl_password
# Ready once the primary's users have arrived (the primary may still be booting).
for _ in $(seq 1 180); do
  [ "$(sql "SELECT COUNT(*) FROM mysql.user WHERE user = 'haproxy_check'")" = 1 ] && break
  sleep 5
done
[ "$(sql "SELECT COUNT(*) FROM mysql.user WHERE user = 'haproxy_check'")" = 1 ]
signal SUCCESS
