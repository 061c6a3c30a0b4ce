#!/bin/bash
# BookStore app instance (Debian 12), in the Auto Scaling Group behind the ALB. Runs the release
# CI built (a tarball: dist/, production node_modules, Node 24 in bin/; an S3 asset of this stack)
# as the unprivileged `bookstore` user under systemd: no git clone, no build, no Docker at boot.
# The uploads are on EFS (NFS 4.1); the database is the HAProxy pair behind the internal NLB.
# The @@…@@ placeholders are filled by the CDK (lib/boot-script.ts).
set -euo pipefail
REGION='@@REGION@@'
STACK='@@STACK@@'
RESOURCE='@@RESOURCE@@'
TOOLS_URL='@@TOOLS_URL@@'
LOG_GROUP='@@LOG_GROUP@@'
NAME=app
RELEASE_URL='@@RELEASE_URL@@'
FILE_SYSTEM_ID='@@FILE_SYSTEM_ID@@'
DB_HOST='@@DB_HOST@@'
TRUST_PROXY='@@TRUST_PROXY@@'
SESSION_SECRET_PARAM='@@SESSION_SECRET_PARAM@@'
JWT_SECRET_PARAM='@@JWT_SECRET_PARAM@@'
DB_PASSWORD_PARAM='@@DB_PASSWORD_PARAM@@'
SMTP_URL_PARAM='@@SMTP_URL_PARAM@@'
PUBLIC_URL='@@PUBLIC_URL@@'
MAIL_FROM='@@MAIL_FROM@@'

# shellcheck source=SCRIPTDIR/lib-common.sh
. "$(dirname "$0")/lib-common.sh"

param() { aws ssm get-parameter --region "$REGION" --with-decryption --name "$1" --query Parameter.Value --output text; }
# An optional parameter: empty when it does not exist; any other failure (no access) stops the boot.
optional_param() {
  local out
  if out="$(param "$1" 2>&1)"; then printf '%s' "$out"
  elif grep -q ParameterNotFound <<<"$out"; then printf ''
  else echo "$out" >&2; return 1; fi
}

boot_common
apt_install nfs-common
# The app user has one fixed uid and gid on every instance, whatever system users an AMI or a
# package adds before it: what it writes on the shared EFS is 2000:2000 for every instance, old and
# new, across rollouts (the owner an EFS access point's POSIX user would pin; see below).
APP_ID=2000
getent group bookstore >/dev/null || groupadd --system --gid "$APP_ID" bookstore
id bookstore >/dev/null 2>&1 || useradd --system --uid "$APP_ID" --gid bookstore --home-dir /nonexistent --shell /usr/sbin/nologin bookstore

# EFS over NFS 4.1 with the options AWS recommends. Access points and TLS need AWS's mount helper
# (amazon-efs-utils), which Debian 12 does not package and which this script will not build at
# boot; so the file system's root is mounted, the security group admits the app instances only,
# the data is encrypted at rest, and the fixed uid above does the access point's job of one owner.
# The stack creates this group after the mount targets exist.
mkdir -p /srv/bookstore/uploads
grep -q ' /srv/bookstore/uploads ' /etc/fstab ||
  echo "$FILE_SYSTEM_ID.efs.$REGION.amazonaws.com:/ /srv/bookstore/uploads nfs4 nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev 0 0" >>/etc/fstab
mount /srv/bookstore/uploads
chown bookstore:bookstore /srv/bookstore/uploads

# The release: downloaded, unpacked as root (the app user can read it, not change it).
release_name="$(basename "$RELEASE_URL")"
release_dir="/opt/bookstore/releases/${release_name%%.*}" # the asset hash: one folder per release
mkdir -p "$release_dir"
aws s3 cp --region "$REGION" "$RELEASE_URL" /opt/bookstore/release.tar.gz
tar -xzf /opt/bookstore/release.tar.gz -C "$release_dir" --no-same-owner
chmod 0755 /opt/bookstore /opt/bookstore/releases "$release_dir"
rm /opt/bookstore/release.tar.gz
ln -sfn "$release_dir" /opt/bookstore/current

# The secrets come from SSM Parameter Store, never from this script.
smtp_url="$(optional_param "$SMTP_URL_PARAM")"
umask 027
{
  echo "DATABASE_URL=mysql://bookstore:$(param "$DB_PASSWORD_PARAM")@$DB_HOST:3306/bookstore"
  echo "SESSION_SECRET=$(param "$SESSION_SECRET_PARAM")"
  echo "JWT_SECRET=$(param "$JWT_SECRET_PARAM")"
  echo "TRUST_PROXY=$TRUST_PROXY"
  echo "PUBLIC_URL=$PUBLIC_URL"
  echo "MAIL_FROM=$MAIL_FROM"
  if [ -n "$smtp_url" ]; then echo "SMTP_URL=$smtp_url"; fi
  echo "INSTANCE_NAME=$(imds meta-data/instance-id)"
} >/etc/bookstore/app.env
umask 022
chown root:bookstore /etc/bookstore/app.env
mkdir -p /var/log/bookstore

systemctl enable --now bookstore-app.service
ship_logs /var/log/bookstore/app.log
# CloudFormation (and a rolling update) goes on once the app answers its health check.
for _ in $(seq 1 120); do
  curl -sf http://127.0.0.1:3000/ping >/dev/null && break
  sleep 2
done
curl -sf http://127.0.0.1:3000/ping >/dev/null
signal SUCCESS
