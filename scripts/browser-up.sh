#!/usr/bin/env bash
# Installs headless Chromium for the dashboard test (Debian's `chromium`
# package, with apt, as root) unless it is already there. Prints nothing on
# success; the test finds it on PATH.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "browser-up: installing chromium needs root (or install it yourself, or set PRESCIENT_SKIP_BROWSER=1)" >&2
  exit 2
fi
[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
# Another apt may hold the lock (unattended upgrades on a fresh machine).
for i in $(seq 1 120); do
  fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1 || break; sleep 1
done
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; }
command -v chromium >/dev/null
