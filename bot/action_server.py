"""The action server: rasa-sdk's app behind a shared secret.

    python -m bot.action_server --actions actions --port 5055

is `rasa run actions` (same flags) plus one rule: every call but GET /health must carry
`Authorization: Bearer <ACTION_SERVER_TOKEN>`, else 401 and nothing runs. Rasa sends that
header from its endpoints file (`action_endpoint: headers:`), rendered from the same
environment variable by `make run` / `make run-prod` (bot.production). Without the secret
anything that can reach the port - a wrong bind, another local process - could run any
action on a hand-made tracker, e.g. write a booking. The server refuses to start without
a token, and it sends no CORS headers (no browser has business here).
"""

from __future__ import annotations

import hmac
import logging
import sys
from typing import Any

from sanic import Sanic, response
from sanic.request import Request

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})
MIN_TOKEN_CHARS = 16


class ActionServerTokenMissing(RuntimeError):
    pass


def bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), token.encode("utf-8")
    )


def require_token(app: Sanic, token: str) -> Sanic:
    """Refuse (401) every request to `app` without the token, /health aside."""
    if len(token) < MIN_TOKEN_CHARS:
        raise ActionServerTokenMissing(
            f"ACTION_SERVER_TOKEN must be set to a random secret of {MIN_TOKEN_CHARS}+ "
            "characters (`make run` writes one to var/action-token)"
        )

    @app.middleware("request")
    async def check_token(request: Request) -> Any:
        if request.path in OPEN_PATHS:
            return None
        if bearer_matches(request.headers.get("authorization"), token):
            return None
        logger.warning("action server: refused a %s %s without the token", request.method,
                       request.path)
        return response.json({"error": "unauthorised"}, status=401)

    return app


def create_app(actions_package: str = "actions", token: str | None = None) -> Sanic:
    """rasa-sdk's app for `actions_package`, guarded by `token` (default: the setting)."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    from bot.settings import get_settings

    token = get_settings().action_server_token if token is None else token
    app = create_sdk_app(actions_package, cors_origins=None)
    return require_token(app, token)


def main(argv: list[str] | None = None) -> int:
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser, create_ssl_context
    from rasa_sdk.plugin import plugin_manager

    from bot.settings import get_settings

    args = create_argument_parser().parse_args(argv)
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    try:
        app = create_app(args.actions)
    except ActionServerTokenMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    # rasa-sdk reads its listen address from SANIC_HOST; ours defaults to loopback.
    host = get_settings().action_server_host
    # rasa-sdk's own start-up line (same logger, same words: log readers look for it).
    protocol = "https" if ssl_context else "http"
    logging.getLogger("rasa_sdk.endpoint").info(
        f"Action endpoint is up and running on {protocol}://{host}:{args.port} "
        "(calls need the action token)"
    )
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
