#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser test of the website widget.
# The test drives /usr/bin/chromium through Playwright (never `playwright install`, which
# downloads a browser build and cannot work here). Exits non-zero with the reason if
# Chromium cannot be installed, so `make test` fails instead of skipping the test.
set -euo pipefail

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  echo "ensure-chromium: $CHROMIUM is missing and I am not root and there is no sudo." >&2
  echo "  Install it as root: apt-get install -y chromium" >&2
  exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium package."
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq \
       && "${sudo[@]}" apt-get install -y -qq chromium; }; then
  echo "ensure-chromium: could not install chromium with apt-get (see above)." >&2
  echo "  The widget's browser test needs it: apt-get install -y chromium" >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing." >&2
  exit 1
fi
"$CHROMIUM" --version
