#!/usr/bin/env bash
# Start the action server and the Rasa server; stop both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

# The production switch: PostgreSQL + Redis for every part (one Rasa instance here;
# `make run-prod` starts two).
if [ "${CLINIC_ENV:-}" = production ] || [ -n "${REDIS_URL:-}" ]; then
  RASA_PORTS=${RASA_PORTS:-${RASA_PORT:-5005}} exec scripts/run-prod.sh
fi

ACTIONS_PORT=${ACTIONS_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
# Both servers listen on loopback unless you choose otherwise (see README: exposing them).
BIND=${BIND_ADDRESS:-127.0.0.1}
ACTIONS_BIND=${ACTIONS_BIND_ADDRESS:-127.0.0.1}

CONSOLE_PORT=${CONSOLE_PORT:-5010}

# The action server's shared secret: ACTION_SERVER_TOKEN, else the one kept in
# var/action-token (made on first run, mode 600). Rasa sends it from the endpoints file
# rendered here; the action server refuses calls without it (401).
ACTION_SERVER_TOKEN=${ACTION_SERVER_TOKEN:-$(.venv/bin/python -m bot.production action-token --file var/action-token)}
export ACTION_SERVER_TOKEN
ENDPOINTS=var/endpoints.local.yml
.venv/bin/python -m bot.production local-endpoints --out "$ENDPOINTS" \
  --action-url "http://127.0.0.1:$ACTIONS_PORT/webhook" > /dev/null

# The action server (rasa-sdk behind the token); listen address from SANIC_HOST.
SANIC_HOST="$ACTIONS_BIND" .venv/bin/python -m bot.action_server --actions actions \
  --port "$ACTIONS_PORT" &
actions_pid=$!
# The front desk console (staff web pages) on its own port, loopback by default.
CONSOLE_PORT="$CONSOLE_PORT" .venv/bin/python -m bot.console &
console_pid=$!
# The outbox sender: confirmations and reminders (one on SQLite; logs ids and statuses only).
.venv/bin/clinic outbox run &
outbox_pid=$!
trap 'kill $actions_pid $console_pid $outbox_pid 2>/dev/null || true' EXIT INT TERM

cat <<MSG

The clinic assistant is starting (store: ${DATABASE_URL:-var/clinic.db}).
  Talk to it:  curl -s -XPOST http://localhost:$RASA_PORT/webhooks/rest/webhook \\
                 -H 'Content-Type: application/json' -d '{"sender":"me","message":"does it hurt?"}'
  Or chat:     .venv/bin/rasa shell --endpoints $ENDPOINTS   (another terminal, while this runs)
  Web widget:  http://127.0.0.1:$RASA_PORT/widget/demo.html   (demo page with the chat widget)
  Front desk:  http://${CONSOLE_BIND:-127.0.0.1}:$CONSOLE_PORT/   (staff console; add staff: .venv/bin/clinic staff add NAME)
  Stop:        Ctrl-C

MSG
if [ "$RASA_PORT" != 5005 ] && [ -z "${WIDGET_ALLOWED_ORIGINS:-}" ]; then
  echo "  Note: the widget accepts only WIDGET_ALLOWED_ORIGINS or credentials.yml's :5005 origins;"
  echo "        for the demo page set WIDGET_ALLOWED_ORIGINS=http://127.0.0.1:$RASA_PORT"
  echo
fi
# No --cors: the REST webhook answers CORS itself, for WIDGET_ALLOWED_ORIGINS only.
.venv/bin/rasa run --model models/clinic.tar.gz --endpoints "$ENDPOINTS" \
  --credentials credentials.yml --interface "$BIND" --port "$RASA_PORT"
