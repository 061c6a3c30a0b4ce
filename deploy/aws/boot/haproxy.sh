#!/bin/bash
# BookStore HAProxy instance (Debian 12), one in each zone behind the internal NLB: the database
# entry point. Its config is the one template (deploy/aws/host/haproxy-db.cfg), rendered at every
# start from the topology in SSM (bookstore-haproxy-config aws). The runtime API listens on TCP
# 9999, reachable from the database servers only (their security group), for the runbook.
# The @@…@@ placeholders are filled by the CDK (lib/boot-script.ts).
set -euo pipefail
REGION='@@REGION@@'
STACK='@@STACK@@'
RESOURCE='@@RESOURCE@@'
TOOLS_URL='@@TOOLS_URL@@'
LOG_GROUP='@@LOG_GROUP@@'
NAME=haproxy
TOPOLOGY_PREFIX='@@TOPOLOGY_PREFIX@@'
DB_PRIMARY_IP='@@DB_PRIMARY_IP@@'
DB_REPLICA_IP='@@DB_REPLICA_IP@@'

# shellcheck source=SCRIPTDIR/lib-common.sh
. "$(dirname "$0")/lib-common.sh"

boot_common
{
  echo "TOPOLOGY_PREFIX=$TOPOLOGY_PREFIX"
  echo "DB_PRIMARY_IP=$DB_PRIMARY_IP"
  echo "DB_REPLICA_IP=$DB_REPLICA_IP"
} >>/etc/bookstore/bookstore.env
apt_install haproxy
# The package started it with its sample config; from now on the drop-in renders ours.
systemctl restart haproxy
grep -q '^listen mysql' /etc/haproxy/haproxy.cfg
systemctl is-active --quiet haproxy
signal SUCCESS
