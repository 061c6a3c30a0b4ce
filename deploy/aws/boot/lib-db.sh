#!/bin/bash
# Shared by db-primary.sh and db-replica.sh (inlined by the CDK like lib-common.sh): Debian's
# MariaDB 10.11 with the replication settings of deploy/aws/host/mariadb-replication.cnf.
# Expects SERVER_ID, TOPOLOGY_PREFIX, PARAMS_PREFIX, BACKUP_BUCKET, APP_PASSWORD_PARAM.

param() { # NAME: one SecureString from SSM Parameter Store (this tier's role may read only its own)
  aws ssm get-parameter --region "$REGION" --with-decryption --name "$1" --query Parameter.Value --output text
}

sql() { mariadb --batch --skip-column-names -e "$1"; }

install_mariadb() {
  {
    echo "TOPOLOGY_PREFIX=$TOPOLOGY_PREFIX"
    echo "BACKUP_BUCKET=$BACKUP_BUCKET"
  } >>/etc/bookstore/bookstore.env
  apt_install mariadb-server mariadb-client mariadb-backup
  # 90-bookstore.cnf sorts after Debian's 50-server.cnf (bind-address = 127.0.0.1 there): ours
  # wins. The role (read_only) is 95-bookstore-role.cnf, from the topology (bookstore-db-role).
  {
    echo '# BookStore (deploy/aws/boot/lib-db.sh): read after 50-server.cnf, so these values win.'
    echo '[mariadbd]'
    echo 'bind-address = 0.0.0.0'
    echo "server_id = $SERVER_ID"
    echo 'log_bin = /var/lib/mysql/binlog'
    echo 'relay_log = /var/lib/mysql/relay'
    echo 'log_error = /var/log/mysql/error.log'
    echo 'expire_logs_days = 7'
    sed -n '/^[a-z]/p' /usr/local/lib/bookstore/mariadb-replication.cnf
  } >/etc/mysql/mariadb.conf.d/90-bookstore.cnf
  mkdir -p /var/log/mysql && chown mysql:adm /var/log/mysql
  systemctl restart mariadb
  # Provably in effect: the live server reports what the file says.
  if [ "$(sql 'SELECT @@server_id')" != "$SERVER_ID" ] || [ "$(sql 'SELECT @@bind_address')" != 0.0.0.0 ]; then
    echo "90-bookstore.cnf is not in effect" >&2
    return 1
  fi
  systemctl enable --now bookstore-db-metrics.timer bookstore-backup.timer bookstore-binlogs.timer
  ship_logs /var/log/mysql/error.log
}
