#!/bin/sh
# Install what the deploy/aws checks need besides npm: shellcheck (the boot scripts and host
# tools, .ci/run), haproxy (test/host-tools.test.ts validates the rendered database config) and
# zip (the EC2 twin zips the host tools asset as cdk-assets does). Idempotent: does nothing when
# all are present.
set -eu
need=""
command -v shellcheck >/dev/null 2>&1 || need="$need shellcheck"
command -v haproxy >/dev/null 2>&1 || need="$need haproxy"
command -v zip >/dev/null 2>&1 || need="$need zip"
if [ -z "$need" ]; then
  echo "ci-install-aws: shellcheck, haproxy and zip already present"
  exit 0
fi
echo "ci-install-aws: installing:$need"
# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" $need
