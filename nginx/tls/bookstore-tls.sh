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
#   bookstore-tls.sh check    the image's HEALTHCHECK: fails when the certificate nginx
#                             serves (a TLS handshake, not the files) expires within
#                             $CERT_FAIL_DAYS (14) days; from $CERT_WARN_DAYS (21) days on it
#                             also logs a warning to the container's log once a day.
#
# The stand-in lets nginx start (and answer the ACME http-01 challenge) before
# certbot has obtained anything, so the first start cannot deadlock.
#
# Environment: DOMAIN (empty = localhost mode, self-signed only), NGINX_TLS_DIR
# (/etc/nginx/tls), LETSENCRYPT_DIR (/etc/letsencrypt), CERT_CHECK_INTERVAL (60),
# NGINX_CTL (command used for the reload, default "nginx"); for check: NGINX_HTTPS_LISTEN
# (443), NGINX_SERVER_NAME (localhost), CERT_WARN_DAYS (21), CERT_FAIL_DAYS (14).
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
    # Re-create when missing, expiring within 30 days (before `check` warns), or made for another name.
    if [ -s "$dir/fullchain.pem" ] && [ -s "$dir/privkey.pem" ] \
        && [ "$(cat "$dir/name" 2>/dev/null || true)" = "$cn" ] \
        && openssl x509 -checkend 2592000 -noout -in "$dir/fullchain.pem" >/dev/null 2>&1; then
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

# Exit 1 when the served certificate expires within CERT_FAIL_DAYS; warn once a day within CERT_WARN_DAYS.
check_served() {
    port=${NGINX_HTTPS_LISTEN:-443}
    port=${port##*:}
    name=${NGINX_SERVER_NAME:-localhost}
    cert=$(openssl s_client -connect "127.0.0.1:$port" -servername "$name" </dev/null 2>/dev/null | openssl x509 2>/dev/null) \
        || { echo "no certificate served on port $port" >&2; return 1; }
    end=$(echo "$cert" | openssl x509 -noout -enddate | cut -d= -f2)
    within() { ! echo "$cert" | openssl x509 -noout -checkend $(($1 * 86400)) >/dev/null; }
    if within "${CERT_WARN_DAYS:-21}"; then
        stamp=/tmp/bookstore-tls-warned-$(date -u +%F)
        if [ ! -e "$stamp" ]; then
            : > "$stamp"
            # The healthcheck's own output only reaches `docker inspect`: write to nginx's (PID 1) log.
            msg="WARNING: the certificate served for $name expires $end; renewal is failing (see: docker compose logs certbot)"
            { log "$msg" 2>/proc/1/fd/2; } 2>/dev/null || log "$msg"
        fi
    fi
    if within "${CERT_FAIL_DAYS:-14}"; then
        echo "the certificate served for $name expires $end, within ${CERT_FAIL_DAYS:-14} days" >&2
        return 1
    fi
    echo "certificate for $name valid until $end"
}

case "${1:-}" in
    check)
        check_served
        ;;
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
        echo "usage: $0 select|watch|check" >&2
        exit 2
        ;;
esac
