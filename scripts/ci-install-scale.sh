#!/bin/sh
# Install what test/scale/ (deploy/local/scale-out.sh) needs: haproxy, and mariadb-server's
# mariadb-install-db and mariadbd for the private primary and replica (already there where the
# machine's own MariaDB runs). Idempotent: does nothing when both are present.
# Package scripts are kept from starting a system haproxy (the topology runs its own, on its own ports).
set -eu

need=""
command -v haproxy >/dev/null 2>&1 || need="$need haproxy"
{ command -v mariadb-install-db >/dev/null 2>&1 && [ -x /usr/sbin/mariadbd ]; } || need="$need mariadb-server"
command -v mariadb >/dev/null 2>&1 || need="$need mariadb-client"
command -v openssl >/dev/null 2>&1 || need="$need openssl"

if [ -z "$need" ]; then
  echo "ci-install-scale: haproxy, mariadb-server and openssl already present"
  exit 0
fi

echo "ci-install-scale: installing:$need"
# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" $need
echo "ci-install-scale: done"
