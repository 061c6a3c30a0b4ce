#!/bin/bash
# BookStore db-primary (Debian 12): MariaDB 10.11, the writer at first deployment. Creates the
# database and its users; the replica receives them through replication.
# The @@…@@ placeholders are filled by the CDK (lib/boot-script.ts).
set -euo pipefail
REGION='@@REGION@@'
STACK='@@STACK@@'
RESOURCE='@@RESOURCE@@'
TOOLS_URL='@@TOOLS_URL@@'
LOG_GROUP='@@LOG_GROUP@@'
NAME=db-primary
SERVER_ID=1
TOPOLOGY_PREFIX='@@TOPOLOGY_PREFIX@@'
BACKUP_BUCKET='@@BACKUP_BUCKET@@'
APP_PASSWORD_PARAM='@@APP_PASSWORD_PARAM@@'
REPL_PASSWORD_PARAM='@@REPL_PASSWORD_PARAM@@'
VPC_HOSTS='@@VPC_HOSTS@@'

# shellcheck source=SCRIPTDIR/lib-common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=SCRIPTDIR/lib-db.sh
. "$(dirname "$0")/lib-db.sh"

boot_common
install_mariadb
if [ "$(sql 'SELECT @@read_only')" = 1 ]; then
  # Re-created after a failover (the topology names another writer): an empty, read-only standby.
  # Loading the writer's data and starting replication is the runbook's manual step (docs/scale-out.md).
  echo "db-primary is not the writer in the topology: left read-only, empty, not replicating"
  signal SUCCESS
  exit 0
fi
app_password="$(param "$APP_PASSWORD_PARAM")"
repl_password="$(param "$REPL_PASSWORD_PARAM")"
mariadb <<SQL
CREATE DATABASE IF NOT EXISTS bookstore;
CREATE USER IF NOT EXISTS 'bookstore'@'$VPC_HOSTS' IDENTIFIED BY '$app_password';
GRANT ALL ON bookstore.* TO 'bookstore'@'$VPC_HOSTS';
CREATE USER IF NOT EXISTS 'repl'@'$VPC_HOSTS' IDENTIFIED BY '$repl_password';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'$VPC_HOSTS';
-- HAProxy's mysql-check logs in with no password and does nothing else: no privileges.
CREATE USER IF NOT EXISTS 'haproxy_check'@'$VPC_HOSTS';
SQL
unset app_password repl_password
signal SUCCESS
