#!/bin/sh
# Install what test/deploy/ needs: nginx, certbot, pebble (+ pebble-challtestsrv),
# docker-compose (v1, used for `docker-compose config` only) and openssl.
# Idempotent: does nothing when every tool is already on PATH.
# The Debian nginx package starts a system nginx on port 80; we stop and disable it
# (the tests run their own nginx on high ports and never need the system one).
set -eu

need=""
command -v nginx >/dev/null 2>&1 || need="$need nginx"
command -v certbot >/dev/null 2>&1 || need="$need certbot"
if ! command -v pebble >/dev/null 2>&1 || ! command -v pebble-challtestsrv >/dev/null 2>&1; then
  need="$need pebble"
fi
command -v docker-compose >/dev/null 2>&1 || need="$need docker-compose"
command -v openssl >/dev/null 2>&1 || need="$need openssl"

if [ -z "$need" ]; then
  echo "ci-install-deploy: nginx, certbot, pebble, docker-compose and openssl already present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "ci-install-deploy: installing:$need"
# Keep package post-install scripts from starting services (nginx on :80) where
# invoke-rc.d honours policy-rc.d; removed again afterwards if we created it.
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

# If a system nginx got started anyway (systemd hosts), stop it and keep it off.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
elif [ -f /run/nginx.pid ]; then
  $SUDO nginx -s quit >/dev/null 2>&1 || true
fi
echo "ci-install-deploy: done"
