#!/bin/sh
# Entrypoint of the app image (runs under tini, as the unprivileged `node` user).
#
# Secrets can be given as files (Docker secrets / the compose `init` service):
#   SESSION_SECRET_FILE, JWT_SECRET_FILE  -> SESSION_SECRET, JWT_SECRET
#   DB_PASSWORD_FILE                      -> DATABASE_URL built from DB_USER,
#                                            DB_HOST, DB_PORT and DB_NAME
# A variable that is already set (non-empty) wins over its file.
set -eu

from_file() {
    var=$1
    eval "val=\${$var:-}"
    eval "file=\${${var}_FILE:-}"
    if [ -z "$val" ] && [ -n "$file" ]; then
        if [ ! -r "$file" ]; then
            echo "bookstore-entrypoint: ${var}_FILE=$file is not readable" >&2
            exit 1
        fi
        val=$(cat "$file")
        export "$var=$val"
    fi
    unset "${var}_FILE"
}

from_file SESSION_SECRET
from_file JWT_SECRET
from_file DB_PASSWORD

if [ -z "${DATABASE_URL:-}" ] && [ -n "${DB_PASSWORD:-}" ]; then
    # The generated password is [A-Za-z0-9] only, so it needs no URL encoding;
    # a hand-written one must not contain @ : / ? # %.
    export DATABASE_URL="mysql://${DB_USER:-bookstore}:${DB_PASSWORD}@${DB_HOST:-db}:${DB_PORT:-3306}/${DB_NAME:-bookstore}"
fi
unset DB_PASSWORD

exec "$@"
