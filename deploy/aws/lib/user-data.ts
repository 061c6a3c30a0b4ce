// The instances' boot scripts. CloudFormation tokens (addresses, ids) are joined in with Fn.join
// by the caller's template, so these return strings that may contain tokens.
import { Fn } from 'aws-cdk-lib';

const join = (...parts: string[]) => Fn.join('', parts);

/** Reads one SecureString from SSM Parameter Store into a shell variable. */
const secret = (variable: string, prefix: string, name: string) =>
  `${variable}="$(aws ssm get-parameter --with-decryption --name '${prefix}/${name}' --query Parameter.Value --output text)"`;

export function appUserData(o: { fileSystemId: string; region: string; databaseHost: string; domain: string; releaseRef: string; secretsPrefix: string }): string {
  return join(
    `#!/bin/bash
# BookStore app instance: Docker with the compose plugin, the shared uploads on EFS, the app alone
# (TLS ends at the ALB; the database is behind HAProxy).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y ca-certificates curl git nfs-common awscli docker.io docker-compose-v2
systemctl enable --now docker
# EFS over NFS 4.1 with the options AWS recommends.
mkdir -p /srv/bookstore/uploads
echo "`,
    o.fileSystemId,
    `.efs.`,
    o.region,
    `.amazonaws.com:/ /srv/bookstore/uploads nfs4 nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev 0 0" >> /etc/fstab
mount -a -t nfs4
chown 1000:1000 /srv/bookstore/uploads
# The secrets come from SSM Parameter Store, never from this script.
${secret('SESSION_SECRET', o.secretsPrefix, 'session-secret')}
${secret('JWT_SECRET', o.secretsPrefix, 'jwt-secret')}
${secret('DB_PASSWORD', o.secretsPrefix, 'db-app-password')}
# E-mail, optional: SES's SMTP credentials as smtps://USER:PASSWORD@email-smtp.REGION.amazonaws.com:465
# in the SecureString '<prefix>/smtp-url'. Without it nothing is sent (rows wait; /healthz says "mail":"off").
SMTP_URL="$(aws ssm get-parameter --with-decryption --name '${o.secretsPrefix}/smtp-url' --query Parameter.Value --output text 2>/dev/null || true)"
rm -rf /opt/bookstore && git clone --depth 1 --branch '`,
    o.releaseRef,
    `' https://github.com/your-org/bookstore.git /opt/bookstore
cd /opt/bookstore
cat > deploy/aws/.env.app <<ENV
DATABASE_URL=mysql://bookstore:$DB_PASSWORD@`,
    o.databaseHost,
    `:3306/bookstore
SESSION_SECRET=$SESSION_SECRET
JWT_SECRET=$JWT_SECRET
PUBLIC_DOMAIN=`,
    o.domain,
    `
SMTP_URL=$SMTP_URL
PUBLIC_URL=https://`,
    o.domain,
    `
MAIL_FROM=BookStore <no-reply@`,
    o.domain,
    `>
ENV
chmod 600 deploy/aws/.env.app
# The app alone (deploy/aws/compose.app.yml): no database, no nginx, no certbot; TLS ends at the ALB.
docker compose -f deploy/aws/compose.app.yml up -d --build
`,
  );
}

export function databaseUserData(o: { role: 'primary' | 'replica'; serverId: number; secretsPrefix: string; primaryIp?: string }): string {
  const replica = o.role === 'replica';
  const setup = replica
    ? `mysql -uroot <<SQL
CHANGE REPLICATION SOURCE TO SOURCE_HOST='@PRIMARY_IP@', SOURCE_USER='repl', SOURCE_PASSWORD='$REPL_PASSWORD', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1;
START REPLICA;
SQL`
    : `mysql -uroot <<SQL
CREATE DATABASE IF NOT EXISTS bookstore;
CREATE USER IF NOT EXISTS 'bookstore'@'10.0.%' IDENTIFIED BY '$APP_PASSWORD';
GRANT ALL ON bookstore.* TO 'bookstore'@'10.0.%';
CREATE USER IF NOT EXISTS 'repl'@'10.0.%' IDENTIFIED BY '$REPL_PASSWORD';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'10.0.%';
-- HAProxy's mysql-check speaks the old handshake: this user has no password and no privileges.
CREATE USER IF NOT EXISTS 'haproxy_check'@'10.0.%' IDENTIFIED WITH mysql_native_password BY '';
SQL`;
  const script = `#!/bin/bash
# BookStore ${o.role}: MySQL 8.4 with GTID, the binary log and lossless semi-synchronous replication.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y awscli mysql-server-8.4 || apt-get install -y awscli mysql-server
${secret('APP_PASSWORD', o.secretsPrefix, 'db-app-password')}
${secret('REPL_PASSWORD', o.secretsPrefix, 'db-replication-password')}
cat > /etc/mysql/mysql.conf.d/bookstore.cnf <<'CNF'
[mysqld]
bind-address = 0.0.0.0
server_id = ${o.serverId}
log_bin = binlog
binlog_format = ROW
gtid_mode = ON
enforce_gtid_consistency = ON
default_time_zone = '+00:00'
innodb_flush_log_at_trx_commit = 1
sync_binlog = 1
plugin_load_add = 'semisync_source.so;semisync_replica.so'
rpl_semi_sync_source_enabled = ${replica ? 'OFF' : 'ON'}
rpl_semi_sync_source_wait_point = AFTER_SYNC
rpl_semi_sync_source_timeout = 10000
rpl_semi_sync_replica_enabled = ${replica ? 'ON' : 'OFF'}
${replica ? 'read_only = ON\nsuper_read_only = ON\n' : ''}CNF
systemctl restart mysql
${setup}
`;
  const [before, after] = script.split('@PRIMARY_IP@');
  return after === undefined ? script : join(before!, o.primaryIp ?? '', after);
}

export function haproxyUserData(o: { primaryIp: string; replicaIp: string; secretsPrefix: string }): string {
  return join(
    `#!/bin/bash
# BookStore database entry: HAProxy in TCP mode, the primary first and the replica as backup.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y haproxy
cat > /etc/haproxy/haproxy.cfg <<'CFG'
global
    log /dev/log local0
    maxconn 2000
    stats socket /run/haproxy/admin.sock mode 660 level admin
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend mysql
    bind *:3306
    default_backend mysql_servers
backend mysql_servers
    option mysql-check user haproxy_check post-41
    server db-primary `,
    o.primaryIp,
    `:3306 check inter 2s fall 3 rise 2 on-marked-down shutdown-sessions
    server db-replica `,
    o.replicaIp,
    `:3306 check inter 2s fall 3 rise 2 backup
CFG
systemctl enable haproxy
systemctl restart haproxy
`,
  );
}
