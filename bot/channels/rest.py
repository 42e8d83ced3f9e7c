"""The REST channel (/webhooks/rest/webhook), behind the message guard.

Same request and response format as Rasa's RestInput, plus: rate limits, a
maximum length, clean text, no client-chosen payloads or metadata, tolerant
parsing of broken bodies (invalid UTF-8 is replaced, not a 500), and logs
that never carry the message text.

Conversations are Rasa's "rest:<sender>": a REST client can never name a WhatsApp,
Telegram or widget conversation. Sender ids are checked (1-128 of A-Z a-z 0-9 . _ - : @ +),
never cut: a longer or odd one is refused with 400. When REST_API_TOKEN is set the webhook
needs `Authorization: Bearer <token>`; in production mode (CLINIC_ENV=production) the
channel is off (403) unless it is set. Browsers may call it only from the widget's origins
(WIDGET_ALLOWED_ORIGINS): CORS is answered here for those and nobody else, never with
credentials.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.answers import Answers
from bot.booking.guesses import ADDRESS_METADATA_KEY, address_key
from bot.channels.conversations import conversation_id
from bot.channels.incoming import TrustedProxies, json_object
from bot.channels.server import server_prepared
from bot.guard import MessageGuard
from bot.replies import assistant_unavailable_reply
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable
from bot.takeover import hold_for_staff

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
SENDER_ID = re.compile(rf"^[A-Za-z0-9._:@+-]{{1,{MAX_SENDER_CHARS}}}$")
SENDER_ERROR = (
    f"sender must be 1-{MAX_SENDER_CHARS} characters of A-Z a-z 0-9 . _ - : @ +"
)
CORS_MAX_AGE = "600"
APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
# A REST conversation staff have taken over: staff cannot write back here, they call or email.
HELD_FOR_STAFF = "Thank you, the front desk has your message and will contact you."
_ANSWERS = Answers()


async def no_answer_apology() -> str:
    """Every turn of ours answers something; silence means a part is down (e.g. actions)."""
    phone: str | None
    try:
        phone = (await asyncio.to_thread(_ANSWERS.clinic)).phone
    except (StoreUnavailable, KnowledgeNotLoaded):
        phone = _ANSWERS.last_known_phone
    return assistant_unavailable_reply(phone)


def valid_sender(value: object) -> str | None:
    """The client's sender id if it is one we accept (surrounding spaces aside), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if SENDER_ID.match(value) else None


class GuardedRestInput(InputChannel):
    """`POST {"sender": "...", "message": "..."}` -> a JSON list of bot messages."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(
        self,
        guard: MessageGuard | None = None,
        api_token: str | None = None,
        enabled: bool | None = None,
        allowed_origins: list[str] | None = None,
        proxies: TrustedProxies | None = None,
    ) -> None:
        """Unset arguments come from bot.settings (and WIDGET_ALLOWED_ORIGINS)."""
        from bot.channels.widget import allowed_origins as widget_origins
        from bot.settings import get_settings

        settings = get_settings()
        self.guard = guard or MessageGuard.from_settings()
        self.api_token = settings.rest_api_token if api_token is None else api_token
        # Production: off unless a token protects it (the website widget does not need it).
        if enabled is None:
            enabled = bool(self.api_token) or not settings.production
        self.enabled = enabled
        self.allowed_origins = (
            widget_origins(None) if allowed_origins is None else list(allowed_origins)
        )
        self.proxies = proxies or TrustedProxies.from_settings()

    def authorised(self, request: Request) -> bool:
        if not self.api_token:
            return True
        given = request.headers.get("authorization") or ""
        scheme, _, token = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode("utf-8"), self.api_token.encode("utf-8")
        )

    def cors_headers(self, request: Request) -> dict[str, str]:
        """CORS for the widget's origins only; no credentials (the API needs none)."""
        origin = (request.headers.get("origin") or "").rstrip("/")
        if not origin or origin not in self.allowed_origins:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Authorization",
            "Access-Control-Max-Age": CORS_MAX_AGE,
            "Vary": "Origin",
        }

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = server_prepared(Blueprint)("guarded_rest_webhook", __name__)
        # Conversations staff have taken over never reach the assistant (bot/takeover.py).
        on_new_message = hold_for_staff(on_new_message, held_reply=HELD_FOR_STAFF)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @webhook.route("/webhook", methods=["OPTIONS"])
        async def preflight(request: Request) -> HTTPResponse:
            return response.empty(status=204)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            _skip_app_cors(request)
            return await self._receive(request, on_new_message)

        @webhook.middleware("response")
        async def cors(request: Request, reply: HTTPResponse) -> None:
            # Also on the preflight answer Rasa's app-wide sanic-cors gives first: whatever
            # it said, only the widget's origins are allowed, and never with credentials.
            for name in list(reply.headers):
                if name.lower().startswith("access-control-"):
                    del reply.headers[name]
            reply.headers.update(self.cors_headers(request))

        return webhook

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if not self.enabled:
            return response.json(
                {"error": "the REST channel is off in production (set REST_API_TOKEN)"},
                status=403,
            )
        if not self.authorised(request):
            return response.json({"error": "missing or wrong API token"}, status=401)
        body = json_object(request) or {}
        raw_sender = body.get("sender")
        if not isinstance(raw_sender, str) or not raw_sender.strip():
            return response.json(
                {"error": 'send a JSON object like {"sender": "id", "message": "text"}'},
                status=400,
            )
        sender = valid_sender(raw_sender)
        if sender is None:  # refused, never cut: two long ids must not share a conversation
            return response.json({"error": SENDER_ERROR}, status=400)
        conversation = conversation_id(self.name(), sender)
        client_ip = self.proxies.of_request(request)
        verdict = self.guard.check(conversation, client_ip, body.get("message"))
        if verdict.reply is not None:
            return response.json(
                [{"recipient_id": sender, "text": verdict.reply}], status=verdict.status
            )
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    verdict.text,
                    collector,
                    conversation,
                    input_channel=self.name(),
                    # Set here, never by the client: the guess limits' per-address count.
                    metadata={ADDRESS_METADATA_KEY: address_key(client_ip)},
                )
            )
        except CancelledError:
            logger.error("rest: handling a message timed out")
            collector.messages.append({"recipient_id": sender, "text": APOLOGY})
        except Exception as error:  # never a 500 to a client; never the text in a log
            logger.error("rest: handling a message failed (%s)", type(error).__name__)
            collector.messages.append({"recipient_id": sender, "text": APOLOGY})
        if not collector.messages:
            logger.warning("rest: the assistant produced no reply; sent an apology")
            collector.messages.append({"recipient_id": sender, "text": await no_answer_apology()})
        for message in collector.messages:  # the client knows its own id, not ours
            message["recipient_id"] = sender
        return response.json(collector.messages)


def _skip_app_cors(request: Request) -> None:
    """This route answers CORS itself; Rasa's app-wide sanic-cors (`--cors`) must not add a
    second, wider Access-Control-Allow-Origin."""
    from sanic_cors.core import SANIC_CORS_EVALUATED

    setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
