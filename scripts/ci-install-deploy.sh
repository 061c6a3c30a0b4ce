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

echo "ci-install-deploy: installing:$need"
# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" $need

# If a system nginx got started anyway (systemd hosts), stop it and keep it off.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
elif [ -f /run/nginx.pid ]; then
  $SUDO nginx -s quit >/dev/null 2>&1 || true
fi
echo "ci-install-deploy: done"
