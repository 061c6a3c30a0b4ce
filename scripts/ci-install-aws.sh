#!/bin/sh
# Install what the deploy/aws checks need besides npm: shellcheck (the boot scripts and host
# tools, .ci/run) and haproxy (test/host-tools.test.ts validates the rendered database config).
# Idempotent: does nothing when both are present.
set -eu
need=""
command -v shellcheck >/dev/null 2>&1 || need="$need shellcheck"
command -v haproxy >/dev/null 2>&1 || need="$need haproxy"
if [ -z "$need" ]; then
  echo "ci-install-aws: shellcheck and haproxy already present"
  exit 0
fi
echo "ci-install-aws: installing:$need"
# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" $need
