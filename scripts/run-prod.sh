#!/usr/bin/env bash
# Production mode: one action server and several Rasa instances (default :5005 and :5006)
# sharing PostgreSQL (store + conversations) and Redis (Rasa's lock store).
# Needs DATABASE_URL=postgresql://... and REDIS_URL=redis://...; see README "Production mode".
set -euo pipefail
cd "$(dirname "$0")/.."

export CLINIC_ENV=production
RASA_PORTS=${RASA_PORTS:-"5005 5006"}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
BIND=${BIND_ADDRESS:-127.0.0.1}
ACTIONS_BIND=${ACTIONS_BIND_ADDRESS:-127.0.0.1}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}
ENDPOINTS=var/endpoints.production.yml
# The action server's shared secret (see scripts/run.sh); set it in the environment to share
# it between machines, else the one kept in var/action-token is used.
ACTION_SERVER_TOKEN=${ACTION_SERVER_TOKEN:-$(.venv/bin/python -m bot.production action-token --file var/action-token)}
export ACTION_SERVER_TOKEN

# Fails with a clear message when DATABASE_URL / REDIS_URL are missing or not PostgreSQL/Redis.
.venv/bin/python -m bot.production endpoints --out "$ENDPOINTS"
.venv/bin/clinic db upgrade
.venv/bin/clinic knowledge load

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM

SANIC_HOST="$ACTIONS_BIND" .venv/bin/python -m bot.action_server --actions actions \
  --port "$ACTIONS_PORT" &
pids+=($!)
# One front desk console (staff web pages); the store and the outbox are shared.
.venv/bin/python -m bot.console &
pids+=($!)
# The outbox sender (confirmations, reminders, notifications); more may run on PostgreSQL.
.venv/bin/clinic outbox run &
pids+=($!)
for port in $RASA_PORTS; do
  .venv/bin/rasa run --model models/clinic.tar.gz --endpoints "$ENDPOINTS" \
    --credentials credentials.yml --interface "$BIND" --port "$port" &
  pids+=($!)
  echo "Rasa instance on http://$BIND:$port (REST /webhooks/rest/webhook: off unless REST_API_TOKEN)"
done
echo "Action server on $ACTIONS_BIND:$ACTIONS_PORT. Stop with Ctrl-C."
wait -n
