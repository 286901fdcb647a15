#!/usr/bin/env bash
# Installs Debian's `prometheus` package for the API's scrape test (test/integration/api), unless a
# prometheus binary is already on PATH. Idempotent; CI runs it before the tests. Only the binary
# is needed: the Debian package's service is stopped and disabled, so nothing listens on :9090
# or writes to /var/lib/prometheus behind the tests' back.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
  echo "prometheus already installed: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; without them apt finds nothing to install.
$SUDO apt-get update -qq
# policy-rc.d 101 tells the package's maintainer scripts not to start the service in a container.
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  CREATED_POLICY=1
fi
trap '[ "$CREATED_POLICY" = 1 ] && $SUDO rm -f "$POLICY"' EXIT
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
echo "installed: $(prometheus --version 2>&1 | head -n 1)"
