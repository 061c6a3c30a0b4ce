#!/bin/sh
# apt-get install PACKAGE... for the ci-install-*.sh scripts, quietly and without letting the packages'
# scripts start a system service (nginx on :80, a system haproxy): the tests run their own on high
# ports. policy-rc.d is removed again afterwards if this script created it. Uses sudo when not root.
set -eu
[ "$#" -gt 0 ] || exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() {
  if [ -n "$created_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@"
