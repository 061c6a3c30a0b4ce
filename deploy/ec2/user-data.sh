#!/bin/bash
# BookStore on one Ubuntu 22.04 VM (EC2 user-data, or run by hand with sudo).
#
#  - installs Docker Engine and the compose plugin from Docker's apt repository
#  - fetches the release (git tag/branch) into /opt/bookstore
#  - writes /opt/bookstore/.env from deploy/.env.production.example with fresh secrets
#    (only the first time: an existing .env is kept)
#  - docker compose up -d --build
#
# Set the four values below before pasting this as user data (Advanced details ->
# User data), or export them when running it by hand:
#   sudo DOMAIN=shop.example.com CERTBOT_EMAIL=ops@example.com bash user-data.sh
# Re-running it upgrades to BOOKSTORE_REF and restarts what changed.
set -euo pipefail

BOOKSTORE_REPO=${BOOKSTORE_REPO:-https://github.com/your-org/bookstore.git}
BOOKSTORE_REF=${BOOKSTORE_REF:-main}
DOMAIN=${DOMAIN:-}
CERTBOT_EMAIL=${CERTBOT_EMAIL:-}

APP_DIR=/opt/bookstore
export HOME=${HOME:-/root}
exec > >(tee -a /var/log/bookstore-bootstrap.log) 2>&1
echo "== BookStore bootstrap $(date -u +%FT%TZ) ref=$BOOKSTORE_REF domain=${DOMAIN:-<none>}"

export DEBIAN_FRONTEND=noninteractive

# Small instances (1 GB) run out of memory while building; add 2 GB of swap once.
if [ "$(awk '/MemTotal/ {print $2}' /proc/meminfo)" -lt 2000000 ] && ! swapon --show | grep -q /swapfile; then
    fallocate -l 2G /swapfile && chmod 600 /swapfile && mkswap /swapfile && swapon /swapfile
    grep -q '^/swapfile ' /etc/fstab || echo '/swapfile none swap sw 0 0' >> /etc/fstab
fi

# Docker Engine + compose plugin (https://docs.docker.com/engine/install/ubuntu/)
if ! docker compose version >/dev/null 2>&1; then
    apt-get update -q
    apt-get install -y -q ca-certificates curl git openssl
    install -m 0755 -d /etc/apt/keyrings
    curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc
    chmod a+r /etc/apt/keyrings/docker.asc
    . /etc/os-release
    echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu ${VERSION_CODENAME} stable" \
        > /etc/apt/sources.list.d/docker.list
    apt-get update -q
    apt-get install -y -q docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
    systemctl enable --now docker
fi
# Security updates keep installing themselves (Ubuntu's default; made explicit).
apt-get install -y -q unattended-upgrades git openssl >/dev/null

# The release
if [ -d "$APP_DIR/.git" ]; then
    git -C "$APP_DIR" fetch --depth 1 origin "$BOOKSTORE_REF"
    git -C "$APP_DIR" checkout -q --force FETCH_HEAD
else
    git clone --depth 1 --branch "$BOOKSTORE_REF" "$BOOKSTORE_REPO" "$APP_DIR"
fi
cd "$APP_DIR"

# .env with fresh secrets (first run only)
secret() { openssl rand -base64 96 | tr -dc 'A-Za-z0-9' | head -c 48; }
if [ ! -f .env ]; then
    umask 077
    sed -e "s|^DOMAIN=.*|DOMAIN=${DOMAIN}|" \
        -e "s|^CERTBOT_EMAIL=.*|CERTBOT_EMAIL=${CERTBOT_EMAIL}|" \
        -e "s|^SESSION_SECRET=.*|SESSION_SECRET=$(secret)|" \
        -e "s|^JWT_SECRET=.*|JWT_SECRET=$(secret)|" \
        -e "s|^DB_PASSWORD=.*|DB_PASSWORD=$(secret)|" \
        -e "s|^DB_ROOT_PASSWORD=.*|DB_ROOT_PASSWORD=$(secret)|" \
        deploy/.env.production.example > .env
    chmod 600 .env
    echo "wrote $APP_DIR/.env"
fi

docker compose up -d --build --remove-orphans
docker compose ps
echo "== done. Certificate progress: docker compose -f $APP_DIR/docker-compose.yml logs -f certbot"
