"""The website widget: a message pushed into the visitor's open chat.

The widget's socket.io server lives inside the Rasa process, so the sender cannot emit on
it directly. Two ways in, chosen by REDIS_URL:

- production (REDIS_URL set): python-socketio's write-only `RedisManager` publishes the
  message; every Rasa instance's widget server (which then uses `AsyncRedisManager` on
  the same Redis channel) delivers it to the visitor's room, whichever instance holds
  the socket;
- development (one Rasa process, no Redis): an HTTP POST to the Rasa server's internal
  route `/widget/push`, signed with the outbox secret (HMAC over a timestamp and the body),
  which emits it there.

A visitor with no open chat gets nothing (socket.io keeps no mailbox): confirmations also
go by email when the client gave one, and the chat history in the browser keeps what
arrived. Message format: Rasa's `bot_uttered` event ({"text", "quick_replies"}).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests

from bot.outbox.transports.base import Delivery, PermanentFailure, TemporaryFailure, strip_namespace
from bot.settings import Settings

# The Redis pub/sub channel shared by the widget servers and the sender.
REDIS_CHANNEL = "clinic-widget"
BOT_MESSAGE_EVENT = "bot_uttered"
TIMEOUT_SECONDS = 5.0


def widget_event(body: Mapping[str, Any]) -> dict[str, Any]:
    """The `bot_uttered` payload widget.js renders: text (links made clickable) + buttons."""
    text = str(body["text"])
    link = body.get("link")
    if isinstance(link, Mapping) and link.get("url"):
        text = f"{text}\n\n{link.get('title') or 'Link'}: {link['url']}"
    event: dict[str, Any] = {"text": text}
    buttons = list(body.get("buttons") or [])
    if buttons:
        event["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
    return event


def session_room(recipient: str) -> str:
    """The socket.io room of a widget conversation: its session id."""
    return strip_namespace("widget", recipient)


class RedisWidgetTransport:
    channel = "widget"

    def __init__(self, redis_url: str, namespace: str = "/") -> None:
        import socketio

        self._manager = socketio.RedisManager(redis_url, channel=REDIS_CHANNEL, write_only=True)
        self.namespace = namespace

    def send(self, recipient: str, body: Mapping[str, Any]) -> Delivery:
        try:
            self._manager.emit(
                BOT_MESSAGE_EVENT,
                widget_event(body),
                room=session_room(recipient),
                namespace=self.namespace,
            )
        except Exception as error:  # redis down: try again later
            raise TemporaryFailure(f"widget_redis_{type(error).__name__}") from None
        return Delivery.sent()


class HttpWidgetTransport:
    channel = "widget"

    def __init__(self, push_url: str, session: requests.Session | None = None) -> None:
        self.push_url = push_url
        self._session = session or requests.Session()

    def send(self, recipient: str, body: Mapping[str, Any]) -> Delivery:
        from bot.outbox.signing import sign_push

        data = json.dumps(
            {"session_id": session_room(recipient), "message": widget_event(body)}
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", **sign_push(data)}
        try:
            reply = self._session.post(
                self.push_url, data=data, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as error:  # Rasa not up yet: retry
            raise TemporaryFailure(f"widget_push_{type(error).__name__}") from None
        if reply.status_code == 200:
            return Delivery.sent()
        if reply.status_code in (401, 403, 404, 413, 422):
            raise PermanentFailure(f"widget_push_http_{reply.status_code}")
        raise TemporaryFailure(f"widget_push_http_{reply.status_code}")


class WidgetTransport:
    @staticmethod
    def from_settings(settings: Settings) -> RedisWidgetTransport | HttpWidgetTransport:
        if settings.redis_url:
            return RedisWidgetTransport(settings.redis_url)
        return HttpWidgetTransport(settings.widget_push_url)
