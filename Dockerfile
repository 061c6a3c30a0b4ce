# BookStore images. One Dockerfile, two images:
#   default target (runtime): the Node app    docker build -t bookstore .
#   target `web`:             nginx + public/  docker build --target web -t bookstore-web .
# docker-compose.yml builds both.

ARG NODE_IMAGE=node:24-bookworm-slim
ARG NGINX_IMAGE=nginx:1.28

# ---- build: compile the TypeScript, copy the vendored CSS into public/ -------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ ./scripts/
COPY src/ ./src/
COPY views/ ./views/
COPY public/ ./public/
# The build also copies the .sql migrations (src/db and each feature's) next to the compiled code.
RUN npm run build

# ---- deps: production dependencies only ------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- web: the official nginx image with our config and the static files ----------
FROM ${NGINX_IMAGE} AS web
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/nginx/conf.d/default.conf \
 && mkdir -p /etc/nginx/tls /var/www/certbot /usr/share/bookstore
COPY nginx/templates/ /etc/nginx/templates/
COPY nginx/snippets/ /etc/nginx/snippets/
COPY nginx/tls/bookstore-tls.sh /usr/local/bin/bookstore-tls
COPY nginx/docker-entrypoint.d/40-bookstore-tls.sh /docker-entrypoint.d/40-bookstore-tls.sh
RUN chmod 0755 /usr/local/bin/bookstore-tls /docker-entrypoint.d/40-bookstore-tls.sh
COPY --from=build /app/public/ /usr/share/bookstore/public/
# Values for the template placeholders (see nginx/templates/bookstore.conf.template);
# only NGINX_* variables are substituted, never nginx's own $variables.
ENV TZ=UTC \
    NGINX_ENVSUBST_FILTER=^NGINX_ \
    NGINX_SERVER_NAME=localhost \
    NGINX_HTTP_LISTEN=80 \
    NGINX_HTTPS_LISTEN=443 \
    NGINX_APP_UPSTREAM=app:3000 \
    NGINX_TLS_DIR=/etc/nginx/tls \
    NGINX_ACME_ROOT=/var/www/certbot \
    NGINX_PUBLIC_DIR=/usr/share/bookstore/public \
    NGINX_UPLOADS_DIR=/srv/bookstore/uploads \
    NGINX_ACCESS_LOG=/var/log/nginx/access.log \
    NGINX_CACHE_DIR=/var/cache/nginx/bookstore \
    LETSENCRYPT_DIR=/etc/letsencrypt \
    CERT_CHECK_INTERVAL=60 \
    CERT_WARN_DAYS=21 \
    CERT_FAIL_DAYS=14
EXPOSE 80 443
# Unhealthy when the certificate nginx serves expires within CERT_FAIL_DAYS (renewal has been
# failing for weeks: Let's Encrypt sends no expiry e-mails any more); see the README's alert hook.
HEALTHCHECK --interval=1m --timeout=15s --start-period=30s --retries=2 \
  CMD ["/usr/local/bin/bookstore-tls", "check"]

# ---- runtime: the app (last stage = default target) -------------------------------
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# NODE_OPTIONS: a 4 MB young generation and a 96 MB old generation. The app's live heap after a full
# GC is 26-40 MB under the bench's load, and its caches are bounded (about 13 MB of rendered pages);
# without a cap V8 lets the old generation reach 110+ MB between full GCs, and the process 250-280 MB
# (BENCHMARKS.md, memory). The AWS unit (deploy/aws/host/systemd/bookstore-app.service) uses the same.
ENV NODE_ENV=production \
    TZ=UTC \
    PORT=3000 \
    UPLOAD_DIR=/var/lib/bookstore/uploads \
    NODE_OPTIONS="--enable-source-maps --max-semi-space-size=4 --max-old-space-size=96"
WORKDIR /app
# Code and dependencies stay owned by root: the app user can read, not modify them.
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules/ ./node_modules/
COPY --from=build /app/dist/ ./dist/
COPY --from=build /app/public/ ./public/
COPY --from=build /app/views/ ./views/
COPY deploy/docker/app-entrypoint.sh /usr/local/bin/bookstore-entrypoint
RUN chmod 0755 /usr/local/bin/bookstore-entrypoint \
 && mkdir -p /var/lib/bookstore/uploads \
 && chown node:node /var/lib/bookstore/uploads
USER node
EXPOSE 3000
# /ping needs no database; node's fetch, so no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: forwards SIGTERM to node (graceful shutdown) and reaps zombies.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/bookstore-entrypoint"]
CMD ["node", "dist/server.js"]
