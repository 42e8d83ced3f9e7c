"""The REST channel (/webhooks/rest/webhook), behind the message guard.

Same request and response format as Rasa's RestInput, plus: rate limits, a
maximum length, clean text, no client-chosen payloads or metadata, tolerant
parsing of broken bodies (invalid UTF-8 is replaced, not a 500), and logs
that never carry the message text.
"""

from __future__ import annotations

import asyncio
import json
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.answers import Answers
from bot.guard import MessageGuard
from bot.replies import assistant_unavailable_reply
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable
from bot.takeover import hold_for_staff

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
# A REST conversation staff have taken over: staff cannot write back here, they call or email.
HELD_FOR_STAFF = "Thank you, the front desk has your message and will contact you."
_ANSWERS = Answers()


async def no_answer_apology() -> str:
    """Every turn of ours answers something; silence means a part is down (e.g. actions)."""
    try:
        phone = (await asyncio.to_thread(_ANSWERS.clinic)).phone
    except (StoreUnavailable, KnowledgeNotLoaded):
        phone = _ANSWERS.last_known_phone
    return assistant_unavailable_reply(phone)


def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body.decode("utf-8", errors="replace") or "null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class GuardedRestInput(InputChannel):
    """`POST {"sender": "...", "message": "..."}` -> a JSON list of bot messages."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardedRestInput:
        return cls(MessageGuard.from_settings())

    def __init__(self, guard: MessageGuard | None = None) -> None:
        self.guard = guard or MessageGuard.from_settings()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)
        # Conversations staff have taken over never reach the assistant (bot/takeover.py).
        on_new_message = hold_for_staff(on_new_message, held_reply=HELD_FOR_STAFF)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = _json_body(request)
            sender = body.get("sender") if body else None
            if not isinstance(sender, str) or not sender.strip():
                return response.json(
                    {"error": 'send a JSON object like {"sender": "id", "message": "text"}'},
                    status=400,
                )
            sender = sender.strip()[:MAX_SENDER_CHARS]
            client_ip = request.remote_addr or request.ip
            verdict = self.guard.check(sender, client_ip, body.get("message"))
            if verdict.reply is not None:
                return response.json(
                    [{"recipient_id": sender, "text": verdict.reply}], status=verdict.status
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(verdict.text, collector, sender, input_channel=self.name())
                )
            except CancelledError:
                logger.error("rest: handling a message timed out")
                collector.messages.append({"recipient_id": sender, "text": APOLOGY})
            except Exception as error:  # never a 500 to a client; never the text in a log
                logger.error("rest: handling a message failed (%s)", type(error).__name__)
                collector.messages.append({"recipient_id": sender, "text": APOLOGY})
            if not collector.messages:
                logger.warning("rest: the assistant produced no reply; sent an apology")
                collector.messages.append(
                    {"recipient_id": sender, "text": await no_answer_apology()}
                )
            return response.json(collector.messages)

        return webhook
