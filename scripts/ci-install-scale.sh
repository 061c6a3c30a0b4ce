#!/bin/sh
# Install what test/scale/ (deploy/local/scale-out.sh) needs: haproxy, and mariadb-server's
# mariadb-install-db and mariadbd for the private primary and replica (already there where the
# machine's own MariaDB runs). Idempotent: does nothing when both are present.
# Package scripts are kept from starting a system haproxy (the topology runs its own, on its own ports).
set -eu

need=""
command -v haproxy >/dev/null 2>&1 || need="$need haproxy"
{ command -v mariadb-install-db >/dev/null 2>&1 && [ -x /usr/sbin/mariadbd ]; } || need="$need mariadb-server"
command -v openssl >/dev/null 2>&1 || need="$need openssl"

if [ -z "$need" ]; then
  echo "ci-install-scale: haproxy, mariadb-server and openssl already present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "ci-install-scale: installing:$need"
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() {
  if [ -n "$created_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need
echo "ci-install-scale: done"
