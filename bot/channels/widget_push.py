"""What the widget's server adds for the outbox: pushes into open chats, and calendar files.

- `POST /webhooks/widget/push` (internal): the outbox sender's message for one widget
  session, emitted to its socket.io room. Only requests signed with the outbox secret
  (HMAC over a timestamp and the body, at most 60 s old) are accepted. Used when REDIS_URL
  is not set; with Redis the widget server gets socket.io's `AsyncRedisManager` instead and
  the sender publishes through Redis, so every Rasa instance delivers to its own sockets.
- `GET /webhooks/widget/calendar/<token>.ics`: the "Add to calendar" file of a booking.
  The token is signed and expires when the appointment is over; it cannot be made from the
  booking's reference. Served here because the Rasa server is the one address clients
  already reach (the console is for staff, the action server must stay private).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.conversations import valid_session_id
from bot.outbox.transports.widget import BOT_MESSAGE_EVENT, REDIS_CHANNEL

logger = logging.getLogger(__name__)

MAX_PUSH_BYTES = 16 * 1024
MAX_TEXT_CHARS = 4000


def redis_client_manager():
    """socket.io's Redis manager when REDIS_URL is set (several Rasa instances), else None."""
    from bot.settings import get_settings

    url = get_settings().redis_url
    if not url:
        return None
    import socketio

    return socketio.AsyncRedisManager(url, channel=REDIS_CHANNEL)


def _push_message(data: Any) -> tuple[str, dict[str, Any]] | None:
    """(session id, bot_uttered payload) of a well-formed push, else None."""
    if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
        return None
    session_id = valid_session_id(data.get("session_id"))
    message = data["message"]
    text = message.get("text")
    if session_id is None or not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT_CHARS:
        return None
    payload: dict[str, Any] = {"text": text}
    replies = message.get("quick_replies")
    if isinstance(replies, list):
        payload["quick_replies"] = [
            {"content_type": "text", "title": str(r["title"]), "payload": str(r["payload"])}
            for r in replies[:10]
            if isinstance(r, dict) and r.get("title") and r.get("payload")
        ]
    return session_id, payload


def _calendar_file(booking_id: int) -> str | None:
    from bot.outbox.bookings import calendar_file
    from bot.store.session import session_scope

    with session_scope() as session:
        return calendar_file(session, booking_id)


def add_routes(blueprint: Blueprint, sio, namespace: str | None) -> None:
    from bot.outbox.signing import push_is_signed, read_calendar_token

    @blueprint.route("/push", methods=["POST"])
    async def push(request: Request) -> HTTPResponse:
        body = request.body or b""
        if len(body) > MAX_PUSH_BYTES:
            return response.json({"error": "too large"}, status=413)
        headers = request.headers
        if not push_is_signed(
            body, headers.get("X-Clinic-Timestamp"), headers.get("X-Clinic-Signature")
        ):
            logger.warning("widget: refused an unsigned push")
            return response.json({"error": "not signed"}, status=401)
        try:
            parsed = _push_message(json.loads(body))
        except ValueError:
            parsed = None
        if parsed is None:
            return response.json({"error": "malformed push"}, status=422)
        session_id, payload = parsed
        await sio.emit(BOT_MESSAGE_EVENT, payload, room=session_id, namespace=namespace)
        logger.info("widget: pushed a message (%d chars)", len(payload["text"]))
        return response.json({"ok": True})

    @blueprint.route("/calendar/<token:str>", methods=["GET"])
    async def calendar(request: Request, token: str) -> HTTPResponse:
        booking_id = read_calendar_token(token.removesuffix(".ics"))
        if booking_id is None:
            return response.text("This link has expired or is not valid.", status=404)
        try:
            ics = await asyncio.to_thread(_calendar_file, booking_id)
        except Exception as error:  # store down: say so, log the type only
            logger.error("widget: calendar file failed (%s)", type(error).__name__)
            return response.text("Please try again in a moment.", status=503)
        if ics is None:
            return response.text("This link has expired or is not valid.", status=404)
        return response.raw(
            ics.encode("utf-8"),
            content_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="appointment.ics"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )
