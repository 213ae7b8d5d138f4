#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against: real peers we did not write.
# Idempotent: packages already present are skipped, so a second run costs seconds.
set -euo pipefail

packages=(sip-tester baresip-core chromium postgresql kamailio python3-pyftpdlib python3-openssl openssh-server openssh-sftp-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "test peers: all present (${packages[*]})"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "test peers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Kamailio and PostgreSQL must not start as system services: tests start their own.
$SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
$SUDO rm -f /usr/sbin/policy-rc.d
