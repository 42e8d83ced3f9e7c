"""The website chat widget: Rasa's socket.io channel plus the widget's own files.

Configured in credentials.yml as `bot.channels.widget.WidgetInput:`. Besides the
socket.io endpoint (`/socket.io/`) the same Rasa server serves, from this package's
`widget_static/` folder:

    /widget/widget.js         the one script a clinic's page embeds
    /widget/widget.css        loaded by widget.js
    /widget/socket.io.min.js  the vendored socket.io client (see widget_static/VENDORED.md)
    /widget/demo.html         a demo page that embeds the widget

Differences from Rasa's `socketio` channel, on purpose:

- Only the clinic's origins may connect: `cors_allowed_origins` from credentials.yml,
  overridden by the environment variable WIDGET_ALLOWED_ORIGINS (comma-separated).
  Rasa's own channel passes `cors_allowed_origins=[]` to python-socketio, which turns
  the origin check off altogether.
- engine.io sends the CORS headers of the socket.io endpoint (for allowed origins only);
  Rasa's app-wide sanic-cors (`rasa run --cors ...`; `make run` sets none) is skipped
  there, since a second Access-Control-Allow-Origin header makes browsers refuse it.
- Conversations are "widget:<session id>" (bot.channels.conversation_id); replies go to
  the socket.io room "<session id>".
- The room of a persistent session is really joined: Rasa 3.6 calls the coroutine
  `AsyncServer.enter_room` without awaiting it (python-socketio >= 5.10), so bot
  replies to a persistent session would reach nobody.
- Session ids must be UUIDs (122 random bits, made by the browser); anything else is
  replaced by a new server-made one. A socket may only send messages for the session
  it asked for, and client-chosen metadata is not passed to the assistant.
- Every message passes `bot.guard.MessageGuard` first, as on the REST channel (rate
  limits per session and per address, length, clean text, no forged payloads).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from importlib import resources
from typing import Any

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncServer

from bot.booking.guesses import ADDRESS_METADATA_KEY, address_key
from bot.channels import widget_push as push
from bot.channels.conversations import conversation_id, platform_id, valid_session_id
from bot.channels.incoming import TrustedProxies
from bot.channels.server import prepare_server
from bot.guard import MessageGuard
from bot.settings import Settings, get_settings
from bot.takeover import hold_for_staff

logger = logging.getLogger(__name__)

ALLOWED_ORIGINS_ENV = "WIDGET_ALLOWED_ORIGINS"
DEFAULT_ALLOWED_ORIGINS = ("http://localhost:5005", "http://127.0.0.1:5005")
STATIC_PACKAGE = "bot.channels"
STATIC_DIR = "widget_static"
STATIC_URL_PREFIX = "/widget"
APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."

# The files served under /widget/ and their content types; nothing else is served.
STATIC_FILES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "socket.io.min.js": "application/javascript; charset=utf-8",
    "demo.html": "text/html; charset=utf-8",
}
# The demo page runs under a strict policy, which also shows the widget needs no inline
# script, no inline style and no third-party host (the page's own <style> is allowed by hash).
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' {style_hashes}; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_STYLE_BLOCK = re.compile(rb"<style>(.*?)</style>", re.DOTALL)

def parse_origins(value: str | Iterable[str] | None) -> list[str]:
    """Origins from a comma/space separated string or a list, without trailing slashes."""
    if value is None:
        return []
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value)
    origins = []
    for item in items:
        origin = str(item).strip().rstrip("/")
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def allowed_origins(
    credentials: dict[str, Any] | None, settings: Settings | None = None
) -> list[str]:
    """WIDGET_ALLOWED_ORIGINS if set, else credentials.yml's list, else localhost:5005."""
    origins = parse_origins((settings or get_settings()).widget_allowed_origins)
    if not origins:
        origins = parse_origins((credentials or {}).get("cors_allowed_origins"))
    return origins or list(DEFAULT_ALLOWED_ORIGINS)


def demo_csp(demo_html: bytes) -> str:
    """The demo page's Content-Security-Policy, allowing its own <style> blocks by hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"
        for block in _STYLE_BLOCK.findall(demo_html)
    )
    return DEMO_CSP.format(style_hashes=hashes)


def read_static_files() -> dict[str, bytes]:
    """The widget's files from the package data, read once at start-up."""
    folder = resources.files(STATIC_PACKAGE) / STATIC_DIR
    return {name: (folder / name).read_bytes() for name in STATIC_FILES}


class WidgetBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint that also serves the widget's files under /widget/."""

    def __init__(self, sio: AsyncServer, socketio_path: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(sio, socketio_path, *args, **kwargs)
        self.ctx.static_files = read_static_files()

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        prepare_server(app)  # the body limit covers socket.io's long-polling POSTs
        sio: AsyncServer = self.ctx.sio

        async def socketio_endpoint(request: Request) -> HTTPResponse:
            # engine.io checks the Origin and answers allowed ones with its own CORS
            # headers. Rasa's app-wide sanic-cors (`rasa run --cors ...`) would add a
            # second Access-Control-Allow-Origin, which browsers refuse: skip it here.
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
            return await sio.handle_request(request)

        app.add_route(
            socketio_endpoint,
            f"/{self.ctx.socketio_path.strip('/')}/",
            methods=["GET", "POST", "OPTIONS"],
            name="widget_socketio",
        )
        app.enable_websocket()
        Blueprint.register(self, app, options)  # the routes of the blueprint itself

        files: dict[str, bytes] = self.ctx.static_files
        csp = demo_csp(files["demo.html"])

        async def widget_file(request: Request, filename: str) -> HTTPResponse:
            if filename not in files:
                return response.text("Not found", status=404)
            headers = {
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                # The clinic's own pages load these files from another origin.
                "Cross-Origin-Resource-Policy": "cross-origin",
            }
            if filename == "demo.html":
                headers["Content-Security-Policy"] = csp
                headers["Referrer-Policy"] = "no-referrer"
            body = b"" if request.method == "HEAD" else files[filename]
            return response.raw(body, content_type=STATIC_FILES[filename], headers=headers)

        app.add_route(
            widget_file,
            f"{STATIC_URL_PREFIX}/<filename:str>",
            methods=["GET", "HEAD"],
            name="widget_static_file",
        )


class WidgetOutput(SocketIOOutput):
    """Replies to the socket.io room of a conversation "widget:<session>" (room "<session>")."""

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(platform_id("widget", socket_id), response)


class WidgetInput(SocketIOInput):
    """Rasa's socket.io channel for the clinic's website widget (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WidgetInput:
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=bool(credentials.get("session_persistence", True)),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            cors_allowed_origins=allowed_origins(credentials),
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        session_persistence: bool = True,
        socketio_path: str | None = "/socket.io",
        jwt_key: str | None = None,
        jwt_method: str | None = "HS256",
        metadata_key: str | None = "metadata",
        cors_allowed_origins: Iterable[str] = DEFAULT_ALLOWED_ORIGINS,
        guard: MessageGuard | None = None,
    ) -> None:
        super().__init__(
            user_message_evt,
            bot_message_evt,
            namespace,
            session_persistence,
            socketio_path,
            jwt_key,
            jwt_method,
            metadata_key,
        )
        self.cors_allowed_origins = parse_origins(cors_allowed_origins)
        self.guard = guard or MessageGuard.from_settings()
        self.proxies = TrustedProxies.from_settings()
        if "*" in self.cors_allowed_origins:
            raise ValueError(
                f"{ALLOWED_ORIGINS_ENV} / cors_allowed_origins must list the clinic's "
                "origins (like https://www.clinic.example), not '*'"
            )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> WidgetBlueprint:
        """The socket.io endpoint, the health route and the widget's files."""
        # Conversations staff have taken over never reach the assistant (bot/takeover.py).
        on_new_message = hold_for_staff(on_new_message)
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=self.cors_allowed_origins,
            # Production: messages from the outbox sender (and other instances) via Redis.
            client_manager=push.redis_client_manager(),
        )
        self.sio = sio
        blueprint = WidgetBlueprint(sio, self.socketio_path, "widget_webhook", __name__)
        push.add_routes(blueprint, sio, self.namespace)
        namespace = self.namespace
        logger.info("widget: socket.io accepts %s", ", ".join(self.cors_allowed_origins))

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            if not self._authorised(auth):
                return False
            # The visitor's address, for the guard's per-address rate limit (engine.io's
            # own REMOTE_ADDR is always 127.0.0.1 under Sanic).
            # Behind a trusted proxy (TRUSTED_PROXIES) the address it forwards.
            request = environ.get("sanic.request")
            ip = self.proxies.of_request(request) if request is not None else None
            await sio.save_session(sid, {"ip": ip}, namespace=namespace)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *_: Any) -> None:
            logger.debug("widget: %s disconnected", sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = valid_session_id(requested) or uuid.uuid4().hex
            session = dict(await sio.get_session(sid, namespace=namespace))
            previous = session.get("session_id")
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=namespace)
            session["session_id"] = session_id
            await sio.save_session(sid, session, namespace=namespace)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            await self._handle_user_message(sid, data, on_new_message)

        return blueprint

    def _authorised(self, auth: dict | None) -> bool:
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

    async def _handle_user_message(
        self,
        sid: str,
        data: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Hand one message from the widget to the assistant, through the message guard."""
        assert self.sio is not None
        if not isinstance(data, dict):
            return
        session = await self.sio.get_session(sid, namespace=self.namespace)
        if self.session_persistence:
            sender_id = session.get("session_id")
            if not sender_id or valid_session_id(data.get("session_id")) != sender_id:
                logger.warning("widget: a message for a session this socket did not ask for")
                return
        else:
            sender_id = sid
        output = WidgetOutput(self.sio, self.bot_message_evt)
        # The widget's conversations are its own: "widget:<session>" (see bot.channels).
        conversation = conversation_id(self.name(), sender_id)
        # Rate limits, length, clean text, no Rasa payload syntax but our buttons'.
        verdict = self.guard.check(conversation, session.get("ip"), data.get("message"))
        if verdict.reply is not None:  # answered here, only to the socket that sent it
            await output.send_text_message(sid, verdict.reply)
            return
        message = UserMessage(
            verdict.text,
            output,
            conversation,
            input_channel=self.name(),
            # Set here, never by the visitor: the guess limits' per-address count.
            metadata={ADDRESS_METADATA_KEY: address_key(session.get("ip"))},
        )
        try:
            await on_new_message(message)
        except Exception as error:  # the visitor gets an apology; the log never gets the text
            logger.error("widget: handling a message failed (%s)", type(error).__name__)
            await output.send_text_message(sender_id, APOLOGY)
