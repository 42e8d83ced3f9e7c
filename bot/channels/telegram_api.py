"""Telegram's Bot API (aiohttp), the channel's settings, and `set-webhook`.

Apart from the channel (bot/channels/telegram.py) so that `clinic telegram set-webhook`
needs neither Rasa nor Sanic. The bot token is part of every Bot API URL, so no URL is
ever logged or put in an error message.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.channels.config import NotConfigured, public_webhook_url, required_settings
from bot.settings import Settings, get_settings

TELEGRAM_API = "https://api.telegram.org"
# Where Rasa mounts the channel's webhook (routes under /webhooks/<name>/).
WEBHOOK_PATH = "/webhooks/telegram/webhook"
REQUEST_TIMEOUT_SECONDS = 10.0
ALLOWED_UPDATES = ["message", "callback_query"]
# Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class TelegramSettings:
    """The bot's token, the webhook's secret and (for set-webhook) the public base URL."""

    bot_token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    public_url: str | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, overrides: Mapping[str, Any] | None = None
    ) -> TelegramSettings:
        """The channel's part of bot.settings; `overrides` (credentials.yml keys) win.

        Raises NotConfigured naming what is missing or malformed.
        """
        settings = settings or get_settings()
        overrides = overrides or {}
        values = required_settings(
            "Telegram",
            {
                "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token,
                "TELEGRAM_WEBHOOK_SECRET": settings.telegram_webhook_secret,
            },
            overrides,
        )
        secret = values["TELEGRAM_WEBHOOK_SECRET"]
        if not _SECRET.match(secret):
            raise NotConfigured(
                "Telegram",
                ["TELEGRAM_WEBHOOK_SECRET"],
                "1-256 characters of A-Z, a-z, 0-9, _ and -",
            )
        public_url = (
            str(overrides.get("telegram_public_url") or "").strip()
            or settings.telegram_public_url
        )
        return cls(values["TELEGRAM_BOT_TOKEN"], secret, public_url or None)


class TelegramError(Exception):
    """A Bot API call failed; the message names the method and status, never the URL."""

    def __init__(self, method: str, status: int | None, reason: str) -> None:
        self.method, self.status, self.reason = method, status, reason
        super().__init__(
            f"Telegram {method} failed: "
            + (f"HTTP {status}, {reason}" if status is not None else reason)
        )


class TelegramApi:
    """The few Bot API methods the assistant uses, over aiohttp (one session per event loop)."""

    def __init__(
        self,
        token: str,
        base_url: str = TELEGRAM_API,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session_here(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._loop = loop
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        """POST `payload` as JSON to `method`; the `result`, or TelegramError."""
        url = f"{self.base_url}/bot{self._token}/{method}"
        try:
            async with self._session_here().post(url, json=payload) as reply:
                status = reply.status
                body = await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            # `from None`: aiohttp's errors can quote the URL, and the URL holds the token.
            raise TelegramError(method, None, type(error).__name__) from None
        if not isinstance(body, dict) or not body.get("ok"):
            code = body.get("error_code") if isinstance(body, dict) else None
            raise TelegramError(method, status, f"error {code}")
        return body.get("result")

    async def send_message(
        self, chat_id: str, text: str, reply_markup: dict[str, Any] | None = None
    ) -> Any:
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup is not None:
            payload["reply_markup"] = reply_markup
        return await self.call("sendMessage", payload)

    async def send_photo(self, chat_id: str, photo_url: str) -> Any:
        return await self.call("sendPhoto", {"chat_id": chat_id, "photo": photo_url})

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None) -> Any:
        payload: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            payload["text"] = text
        return await self.call("answerCallbackQuery", payload)

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call(
            "setWebhook",
            {"url": url, "secret_token": secret_token, "allowed_updates": ALLOWED_UPDATES},
        )


async def set_webhook(
    settings: TelegramSettings, url: str | None = None, api: TelegramApi | None = None
) -> str:
    """Point the bot's webhook at this server (with the secret); the URL that was set.

    `url`: the public base URL or the full webhook URL (default: TELEGRAM_PUBLIC_URL).
    """
    base = url or settings.public_url
    if not base:
        raise NotConfigured("Telegram", ["TELEGRAM_PUBLIC_URL"], "or pass --url")
    target = public_webhook_url(base, WEBHOOK_PATH)
    if not target.startswith("https://"):
        raise ValueError(f"Telegram only calls https:// webhooks, not {target}")
    api = api or TelegramApi(settings.bot_token)
    try:
        await api.set_webhook(target, settings.webhook_secret)
    finally:
        await api.close()
    return target
