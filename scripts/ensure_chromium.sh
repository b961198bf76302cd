#!/usr/bin/env bash
# Make sure Debian's headless Chromium and its driver are installed for the dashboard's browser
# test (tests/server/test_browser.py). Installs with apt-get when missing and run as root (CI);
# otherwise says what is missing and leaves it: the test then fails with the reason.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "ensure_chromium: chromium/chromium-driver missing; install them as root:" \
        "apt-get install -y chromium chromium-driver" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
echo "ensure_chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
