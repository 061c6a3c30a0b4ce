#!/usr/bin/env bash
# The release the AWS app instances run (deploy/aws, an S3 asset of the stack): one tarball with
# the compiled app (dist/, views/, public/), its production node_modules and the Node 24 binary
# in bin/node, so an instance downloads and unpacks it and runs nothing else (no clone, no build).
#
#   scripts/release-tarball.sh [OUTPUT]   default deploy/aws/release/bookstore.tar.gz
#
# Built on Linux x64 with the node that runs this script (Node 24), for Debian 12 on x64: the
# prebuilt native modules (bcrypt, sharp) are the glibc x64 ones npm installs here.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-deploy/aws/release/bookstore.tar.gz}"
case "$(node --version)" in v24.*) ;; *) echo "release-tarball: node 24 is needed, not $(node --version)" >&2; exit 1 ;; esac
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "release-tarball: build it on Linux x86_64 (the instances' platform)" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
npm run build --silent
cp -r dist views public package.json package-lock.json "$stage/"
(cd "$stage" && npm ci --omit=dev --ignore-scripts=false --no-audit --no-fund --loglevel=error)
mkdir -p "$stage/bin"
cp "$(command -v node)" "$stage/bin/node"
"$stage/bin/node" -e 'require(process.argv[1] + "/node_modules/bcrypt"); require(process.argv[1] + "/node_modules/sharp")' "$stage"
# mktemp -d made the stage 0700: the tarball's top folder must let the app user in.
chmod 0755 "$stage"
mkdir -p "$(dirname "$out")"
tar -czf "$out.new" -C "$stage" --owner=0 --group=0 .
mv "$out.new" "$out"
echo "release-tarball: $out ($(du -h "$out" | cut -f1))"
