#!/bin/sh
# Prints the Secret `bookstore-secrets` (namespace bookstore) that every pod of k8s/ reads: fresh
# ES256 keys (auth's API tokens, catalog's and order's service tokens), the session secret, one
# database user and password per service, and the database URLs built from them.
#   sh k8s/make-secrets.sh > bookstore-secrets.yaml && kubectl apply -f bookstore-secrets.yaml
# Keep the file somewhere safe: running the script again makes new keys and passwords. The passwords
# can be given instead (AUTH_DB_PASSWORD, CATALOG_DB_PASSWORD, ORDER_DB_PASSWORD,
# DB_ROOT_PASSWORD; letters and digits only, they go into URLs), and DB_HOST (default `mysql`, the
# Service both overlays name). Databases and users are named DB_PREFIX_auth, _catalog, _order;
# DB_PREFIX defaults to `bookstore`.
# Needs openssl and kubectl (client only: nothing is sent to a cluster).
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
host=${DB_HOST:-mysql}
p=${DB_PREFIX:-bookstore}

keypair() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.pem" 2>/dev/null
  openssl pkey -in "$dir/$1.pem" -pubout -out "$dir/$1.pub"
}
password() { openssl rand -hex 24; }
# A PEM file as one JSON string (newlines as \n).
json_pem() { awk 'BEGIN { ORS = "" } { printf "%s\\n", $0 }' "$dir/$1.pub"; }

keypair jwt
keypair catalog
keypair order
root_pw=${DB_ROOT_PASSWORD:-$(password)}
auth_pw=${AUTH_DB_PASSWORD:-$(password)}
catalog_pw=${CATALOG_DB_PASSWORD:-$(password)}
order_pw=${ORDER_DB_PASSWORD:-$(password)}

kubectl create secret generic bookstore-secrets --namespace bookstore --dry-run=client -o yaml \
  --from-literal=session-secret="$(openssl rand -hex 32)" \
  --from-literal=auth-database-url="mysql://${p}_auth:$auth_pw@$host:3306/${p}_auth" \
  --from-literal=catalog-database-url="mysql://${p}_catalog:$catalog_pw@$host:3306/${p}_catalog" \
  --from-literal=order-database-url="mysql://${p}_order:$order_pw@$host:3306/${p}_order" \
  --from-file=jwt-private-key="$dir/jwt.pem" \
  --from-file=jwt-public-key="$dir/jwt.pub" \
  --from-file=catalog-service-key="$dir/catalog.pem" \
  --from-file=order-service-key="$dir/order.pem" \
  --from-literal=trusted-by-auth="{\"catalog\":\"$(json_pem catalog)\",\"order\":\"$(json_pem order)\"}" \
  --from-literal=trusted-by-catalog="{\"order\":\"$(json_pem order)\"}" \
  --from-literal=db-root-password="$root_pw"
