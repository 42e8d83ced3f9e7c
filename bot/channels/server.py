"""What our channels set up on the Rasa server's app when they register their routes.

Rasa builds one Sanic app for all channels and registers each channel's blueprint on it
while the server starts (`rasa run`), so registration is the server start-up path that
every way of starting Rasa shares (scripts/run.sh, run-prod.sh, the systemd units, the
tests' servers) and that `rasa train` or `clinic ask` never take.
"""

from __future__ import annotations

from typing import Any

from bot import rasa_speedups
from bot.settings import get_settings


def prepare_server(app: Any) -> None:
    """The body limit on `app`, and Rasa's speed-ups (installed once per process)."""
    limit_request_bodies(app)
    rasa_speedups.install_once()


def limit_request_bodies(app: Any) -> None:
    """Refuse bodies over MAX_BODY_BYTES with 413 before anything reads them.

    Sanic's HTTP protocol enforces REQUEST_MAX_SIZE while receiving a body (a Content-Length
    over it fails at the first read; a chunked body as soon as it passes it), before any
    handler, JSON or form parsing. It is a setting of the whole app Rasa shares with the
    channels, so every route of the server gets it (Rasa's HTTP API too, which `make run`
    does not enable). Set when a channel's blueprint is registered, before connections
    exist (each connection reads the limit when it opens). Websocket frames get the same cap.
    """
    limit = get_settings().max_body_bytes
    app.config.REQUEST_MAX_SIZE = limit
    app.config.WEBSOCKET_MAX_SIZE = max(limit, 1024)


def server_prepared(blueprint_class: type) -> type:
    """A Blueprint subclass whose registration also runs prepare_server."""

    class ServerPrepared(blueprint_class):
        def register(self, app: Any, options: dict[str, Any]) -> None:
            prepare_server(app)
            super().register(app, options)

    ServerPrepared.__name__ = f"ServerPrepared{blueprint_class.__name__}"
    return ServerPrepared
