"""Telegram through the Bot API's sendMessage (a plain HTTPS POST with `requests`).

Buttons are listed as "1. Keep it" lines with a one-time *reply keyboard* of the numbers:
pressing "2" sends "2" as an ordinary message, which works whichever process sent the
keyboard. (The chat's inline buttons carry callback ids that only the Rasa process that
made them can read.)
Settings: TELEGRAM_BOT_TOKEN. The token is part of every Bot API URL, so no URL is logged
and errors name only the HTTP status and Telegram's error code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from bot.outbox.transports.base import Delivery, PermanentFailure, TemporaryFailure, strip_namespace
from bot.settings import Settings

TELEGRAM_API = "https://api.telegram.org"
TIMEOUT_SECONDS = 10.0
MAX_TEXT_CHARS = 4000


class TelegramTransport:
    channel = "telegram"

    def __init__(
        self,
        token: str,
        base_url: str = TELEGRAM_API,
        session: requests.Session | None = None,
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self._session = session or requests.Session()

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramTransport | None:
        token = settings.telegram_bot_token
        return cls(token) if token else None

    def payload(self, chat_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        text = str(body["text"])
        buttons = list(body.get("buttons") or [])
        if buttons:
            # "1. Keep it" lines, and a keyboard of the numbers: pressing "2" sends "2".
            lines = "\n".join(f"{n}. {button['title']}" for n, button in enumerate(buttons, 1))
            text = f"{text.strip()}\n\n{lines}"
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text[:MAX_TEXT_CHARS]}
        link = body.get("link")
        if buttons:
            payload["reply_markup"] = {
                "keyboard": [[{"text": str(n)} for n in range(1, len(buttons) + 1)]],
                "one_time_keyboard": True,
                "resize_keyboard": True,
            }
        elif isinstance(link, Mapping) and link.get("url"):
            title = str(link.get("title") or "Open")
            payload["reply_markup"] = {"inline_keyboard": [[{"text": title, "url": link["url"]}]]}
        return payload

    def send(self, recipient: str, body: Mapping[str, Any]) -> Delivery:
        chat_id = strip_namespace("telegram", recipient)
        url = f"{self.base_url}/bot{self._token}/sendMessage"
        try:
            reply = self._session.post(
                url, json=self.payload(chat_id, body), timeout=TIMEOUT_SECONDS
            )
            data = reply.json()
        except (requests.RequestException, ValueError) as error:
            raise TemporaryFailure(f"telegram_{type(error).__name__}") from None
        if isinstance(data, dict) and data.get("ok"):
            result = data.get("result") or {}
            return Delivery.sent(
                str(result.get("message_id")) if result.get("message_id") else None
            )
        code = data.get("error_code") if isinstance(data, dict) else None
        status = reply.status_code
        failure = TemporaryFailure if status == 429 or status >= 500 else PermanentFailure
        raise failure(f"telegram_http_{status}_error_{code}")
