#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain how to get one.
# Rasa 3.6 supports Python < 3.11 only, so the machine's default python3 (3.11) cannot be used.
set -uo pipefail

candidates=("${PYTHON310:-}" python3.10)
for dir in $(ls -d "$HOME"/.pyenv/versions/3.10.* 2>/dev/null | sort -V -r); do
  candidates+=("$dir/bin/python")
done

for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done

cat >&2 <<'MSG'
error: Python 3.10 was not found (Rasa 3.6 needs Python 3.10; 3.11+ is not supported).
Looked for: $PYTHON310, python3.10 in PATH, ~/.pyenv/versions/3.10.*/bin/python.
Install it (e.g. `pyenv install 3.10.13`) or point PYTHON310 at a 3.10 interpreter.
MSG
exit 1
