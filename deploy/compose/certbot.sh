#!/bin/sh
# Certificate keeper for docker-compose.yml's `certbot` service
# (image certbot/certbot, entrypoint overridden to run this script).
#
#   certbot.sh          loop: obtain the certificate for $DOMAIN if there is none,
#                       then `certbot renew` every $CERTBOT_RENEW_INTERVAL seconds
#                       (12 h = twice a day, as Let's Encrypt recommends).
#   certbot.sh once     obtain (or keep) the certificate once and exit.
#
# nginx answers the http-01 challenge from the shared webroot and picks up new
# or renewed certificates by itself (nginx/tls/bookstore-tls.sh watch), so no
# hook needs access to the nginx container.
#
# Environment:
#   DOMAIN                  the site's name; empty or "localhost": nothing to do
#   CERTBOT_EMAIL           account e-mail for expiry notices (recommended)
#   CERTBOT_SERVER          ACME directory (default: Let's Encrypt production;
#                           https://acme-staging-v02.api.letsencrypt.org/directory to rehearse)
#   CERTBOT_WEBROOT         /var/www/certbot
#   CERTBOT_PROBE_URL       base URL that reaches nginx's port 80 (http://nginx)
#   CERTBOT_RENEW_INTERVAL  43200
#   CERTBOT_EXTRA_ARGS      extra certbot arguments (the tests use it for temp dirs)
set -eu

DOMAIN=${DOMAIN:-}
CERTBOT_EMAIL=${CERTBOT_EMAIL:-}
CERTBOT_SERVER=${CERTBOT_SERVER:-https://acme-v02.api.letsencrypt.org/directory}
WEBROOT=${CERTBOT_WEBROOT:-/var/www/certbot}
PROBE_URL=${CERTBOT_PROBE_URL:-http://nginx}
INTERVAL=${CERTBOT_RENEW_INTERVAL:-43200}
EXTRA=${CERTBOT_EXTRA_ARGS:-}

log() { echo "certbot.sh: $*" >&2; }

pause() {
    sleep "$1" &
    wait $! || true
}

trap 'exit 0' TERM INT

if [ -z "$DOMAIN" ] || [ "$DOMAIN" = localhost ]; then
    log "DOMAIN is not set: nginx serves https://localhost with a self-signed certificate; no certificate is requested."
    [ "${1:-}" = once ] && exit 0
    while :; do pause 86400; done
fi

# Is nginx serving the webroot on port 80? Checked before every request so that
# Let's Encrypt's failed-validation limit is not spent while nginx is still starting.
webroot_served() {
    token="probe-$(date +%s)-$$"
    mkdir -p "$WEBROOT/.well-known/acme-challenge"
    echo "$token" > "$WEBROOT/.well-known/acme-challenge/$token"
    got=$(python3 - "$PROBE_URL/.well-known/acme-challenge/$token" "$DOMAIN" <<'PY' 2>/dev/null || true
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Host": sys.argv[2]})
print(urllib.request.urlopen(req, timeout=10).read().decode().strip())
PY
)
    rm -f "$WEBROOT/.well-known/acme-challenge/$token"
    [ "$got" = "$token" ]
}

obtain() {
    if [ -n "$CERTBOT_EMAIL" ]; then
        account="--email $CERTBOT_EMAIL --no-eff-email"
    else
        log "CERTBOT_EMAIL is not set: registering without an e-mail (no expiry warnings)"
        account="--register-unsafely-without-email"
    fi
    # shellcheck disable=SC2086
    certbot certonly --non-interactive --agree-tos $account \
        --server "$CERTBOT_SERVER" \
        --webroot --webroot-path "$WEBROOT" \
        --cert-name "$DOMAIN" -d "$DOMAIN" \
        --keep-until-expiring $EXTRA
}

renew() {
    # shellcheck disable=SC2086
    certbot renew --non-interactive --server "$CERTBOT_SERVER" \
        --webroot --webroot-path "$WEBROOT" $EXTRA
}

obtain_with_retries() {
    delay=30
    while :; do
        if webroot_served; then
            if obtain; then
                log "certificate for $DOMAIN is in place"
                return 0
            fi
            log "certbot failed; retrying in ${delay}s"
        else
            log "nginx does not serve $PROBE_URL/.well-known/acme-challenge/ yet; retrying in ${delay}s"
        fi
        [ "${1:-}" = once ] && return 1
        pause "$delay"
        delay=$((delay * 2))
        [ "$delay" -gt 3600 ] && delay=3600
    done
}

if [ "${1:-}" = once ]; then
    obtain_with_retries once
    exit $?
fi

obtain_with_retries
while :; do
    pause "$INTERVAL"
    renew || log "certbot renew failed; will retry in ${INTERVAL}s"
done
