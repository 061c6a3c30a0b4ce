#!/bin/sh
# One-shot `init` service of docker-compose.yml (runs as root in the database image,
# before db and app start). It
#  1. writes the secrets into the `secrets` volume: a value given in .env wins;
#     otherwise a random one is generated on the first start and kept;
#  2. gives the uploads volume to the app's user (uid 1000, `node`), whatever
#     container happened to create the volume first.
# So `docker compose up` works on a fresh clone without a .env, still with unique
# secrets per installation, and a .env written by deploy/ec2/user-data.sh is honoured.
set -eu

SECRETS=${SECRETS_DIR:-/run/bookstore-secrets}
UPLOADS=${UPLOADS_DIR:-/var/lib/bookstore/uploads}
APP_UID=${APP_UID:-1000}

umask 077
mkdir -p "$SECRETS"

# write_secret NAME VALUE OWNER
write_secret() {
    name=$1 value=$2 owner=$3
    file="$SECRETS/$name"
    if [ -n "$value" ]; then
        printf '%s' "$value" > "$file.tmp"
        mv -f "$file.tmp" "$file"
    elif [ ! -s "$file" ]; then
        # 48 alphanumeric characters (~285 bits); alphanumeric so it is URL- and shell-safe.
        tr -dc "A-Za-z0-9" < /dev/urandom | head -c 48 > "$file.tmp"
        mv -f "$file.tmp" "$file"
        echo "init: generated $name"
    fi
    chown "$owner" "$file"
    chmod 0400 "$file"
}

write_secret session_secret "${SESSION_SECRET:-}" "$APP_UID:$APP_UID"
write_secret jwt_secret "${JWT_SECRET:-}" "$APP_UID:$APP_UID"
write_secret db_password "${DB_PASSWORD:-}" "$APP_UID:$APP_UID"
write_secret db_root_password "${DB_ROOT_PASSWORD:-}" "0:0"
chmod 0755 "$SECRETS"

mkdir -p "$UPLOADS"
chown "$APP_UID:$APP_UID" "$UPLOADS"
chmod 0755 "$UPLOADS"
echo "init: secrets and volumes ready"
