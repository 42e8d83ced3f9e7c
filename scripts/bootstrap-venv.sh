#!/usr/bin/env bash
# Create .venv with Python 3.10 and install the locked dependencies plus this project.
set -euo pipefail
cd "$(dirname "$0")/.."

python310=$(scripts/find-python310.sh)
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  rm -rf .venv
  echo "Creating .venv with $python310"
  "$python310" -m venv .venv
fi

.venv/bin/python -m pip install --quiet --upgrade "pip==24.0"
.venv/bin/python -m pip install --quiet -r requirements.lock
# The project itself: editable, without dependencies (the lock already pinned them).
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
.venv/bin/python -m pip check
