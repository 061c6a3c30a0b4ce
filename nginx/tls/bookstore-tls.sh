#!/bin/sh
# Chooses the certificate nginx serves and notices when it changes.
#
#   bookstore-tls.sh select   point $NGINX_TLS_DIR/current at the Let's Encrypt
#                             certificate for $DOMAIN when it exists, otherwise at a
#                             self-signed stand-in (created on demand). Prints
#                             "letsencrypt" or "selfsigned".
#   bookstore-tls.sh watch    every $CERT_CHECK_INTERVAL seconds: select again and,
#                             if the certificate nginx should serve changed (first
#                             real certificate, or a renewal), run `nginx -s reload`
#                             (graceful: no dropped connections).
#
# The stand-in lets nginx start (and answer the ACME http-01 challenge) before
# certbot has obtained anything, so the first start cannot deadlock.
#
# Environment: DOMAIN (empty = localhost mode, self-signed only), NGINX_TLS_DIR
# (/etc/nginx/tls), LETSENCRYPT_DIR (/etc/letsencrypt), CERT_CHECK_INTERVAL (60),
# NGINX_CTL (command used for the reload, default "nginx").
set -eu

TLS_DIR=${NGINX_TLS_DIR:-/etc/nginx/tls}
LE_DIR=${LETSENCRYPT_DIR:-/etc/letsencrypt}
DOMAIN=${DOMAIN:-}
INTERVAL=${CERT_CHECK_INTERVAL:-60}
NGINX_CTL=${NGINX_CTL:-nginx}

log() { echo "bookstore-tls: $*" >&2; }

ensure_selfsigned() {
    dir="$TLS_DIR/selfsigned"
    cn=${DOMAIN:-localhost}
    # Re-create when missing, expiring within a day, or made for another name.
    if [ -s "$dir/fullchain.pem" ] && [ -s "$dir/privkey.pem" ] \
        && [ "$(cat "$dir/name" 2>/dev/null || true)" = "$cn" ] \
        && openssl x509 -checkend 86400 -noout -in "$dir/fullchain.pem" >/dev/null 2>&1; then
        return 0
    fi
    log "creating a self-signed stand-in certificate for $cn"
    mkdir -p "$dir"
    san="DNS:$cn,DNS:localhost,IP:127.0.0.1"
    [ "$cn" = localhost ] && san="DNS:localhost,IP:127.0.0.1"
    (
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -days 90 -subj "/CN=$cn" -addext "subjectAltName=$san" \
            -keyout "$dir/privkey.pem.tmp" -out "$dir/fullchain.pem.tmp" >/dev/null 2>&1
    )
    mv -f "$dir/privkey.pem.tmp" "$dir/privkey.pem"
    mv -f "$dir/fullchain.pem.tmp" "$dir/fullchain.pem"
    echo "$cn" > "$dir/name"
}

select_cert() {
    mkdir -p "$TLS_DIR"
    live="$LE_DIR/live/$DOMAIN"
    if [ -n "$DOMAIN" ] && [ -s "$live/fullchain.pem" ] && [ -s "$live/privkey.pem" ]; then
        target="$live"
        kind=letsencrypt
    else
        ensure_selfsigned
        target="$TLS_DIR/selfsigned"
        kind=selfsigned
    fi
    if [ "$(readlink "$TLS_DIR/current" 2>/dev/null || true)" != "$target" ]; then
        # Swap the symlink atomically (rename over the old one).
        ln -sfn "$target" "$TLS_DIR/current.new"
        mv -Tf "$TLS_DIR/current.new" "$TLS_DIR/current"
        log "serving the $kind certificate ($target)"
    fi
    echo "$kind"
}

fingerprint() {
    cat "$TLS_DIR/current/fullchain.pem" "$TLS_DIR/current/privkey.pem" 2>/dev/null | cksum
}

case "${1:-}" in
    select)
        select_cert
        ;;
    watch)
        trap 'exit 0' TERM INT
        last=$(fingerprint)
        while :; do
            sleep "$INTERVAL" &
            wait $! || true
            select_cert >/dev/null || { log "certificate selection failed"; continue; }
            now=$(fingerprint)
            if [ "$now" != "$last" ]; then
                # Only reload with a configuration that tests fine.
                if $NGINX_CTL -t -q && $NGINX_CTL -s reload; then
                    log "certificate changed; nginx reloaded"
                    last=$now
                else
                    log "certificate changed but nginx -t failed; keeping the running config"
                fi
            fi
        done
        ;;
    *)
        echo "usage: $0 select|watch" >&2
        exit 2
        ;;
esac
