#!/usr/bin/env bash
# Train models/clinic.tar.gz only when what it is built from has changed.
# Compares a content hash of the inputs (not file times: an edit made while a
# training runs must still trigger the next one). Usage: train-if-changed.sh FILE...
set -euo pipefail
cd "$(dirname "$0")/.."

model=models/clinic.tar.gz
stamp=models/clinic.inputs.sha256
inputs_hash=$(sha256sum "$@" | sha256sum | cut -d' ' -f1)

if [ -f "$model" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs_hash" ]; then
  echo "Model is up to date ($model)."
  exit 0
fi

.venv/bin/rasa train --config config.yml --domain domain.yml \
  --data data/nlu.yml data/stories.yml data/rules.yml \
  --out models --fixed-model-name clinic
echo "$inputs_hash" > "$stamp"
