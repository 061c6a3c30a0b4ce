#!/bin/sh
# kubectl (for `kubectl kustomize` in test/services/manifests.services.ts). Idempotent. Debian's
# kubernetes-client is old (1.20, kustomize v2), which is why the overlays stay with the kustomization
# fields both it and kustomize v5 understand (resources, patchesStrategicMerge).
set -eu
if command -v kubectl >/dev/null 2>&1; then echo "ci-install-kubectl: $(kubectl version --client 2>/dev/null | head -1)"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq kubernetes-client
