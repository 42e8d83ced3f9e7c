"""Telegram: a webhook checked by its secret token in, the Bot API (aiohttp) out.

Unlike Rasa 3.6's telegram connector, this channel:

- answers 403 (and tells the assistant nothing) unless `X-Telegram-Bot-Api-Secret-Token`
  equals TELEGRAM_WEBHOOK_SECRET;
- never calls Telegram at start-up and never calls `getMe`: the webhook is set once, by
  `clinic telegram set-webhook`, with the secret and the public URL;
- sends buttons as an inline keyboard whose `callback_data` fits Telegram's 64 bytes: a
  longer payload travels as a short id and is mapped back when the button is pressed.

Settings come from the environment (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET; and
TELEGRAM_PUBLIC_URL for `set-webhook`). Without them the channel stays off with one log line
(its webhook answers 503) instead of stopping Rasa.

Only private chats are served. Logs carry update ids, lengths and statuses only: never a
name, a phone number or what anyone wrote, and never the bot token (it is part of every
Bot API URL, so no URL is logged either).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from rasa.core.channels.channel import OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.conversations import platform_id
from bot.channels.incoming import json_object
from bot.channels.log_hygiene import loggable_id
from bot.channels.state import BoundedStore, RedisStore, shared_store
from bot.channels.telegram_api import TelegramApi, TelegramError, TelegramSettings
from bot.channels.text import split_text
from bot.channels.webhook import Incoming, Platform, PlatformWebhook

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's limits: callback_data 1-64 bytes; a message 4,096 characters (stay under).
MAX_CALLBACK_BYTES = 64
MAX_TEXT_CHARS = 4000
# What a client's first message (/start) means to the assistant.
START_TEXT = "Hello"
EXPIRED_BUTTON_REPLY = "That button has expired - please type your answer instead."


# --- callback data within 64 bytes --------------------------------------------------------


class CallbackData(Protocol):
    """Button payload <-> `callback_data` of at most 64 bytes."""

    def encode(self, payload: str) -> str: ...

    def decode(self, data: str) -> str | None:
        """The payload, or None for a short id this store no longer knows."""
        ...


class StoredCallbackData:
    """Short payloads travel as they are, longer ones as "~" + a hash of them.

    Only data this store handed out is read back: Telegram clients can send any
    `callback_data`, so an unknown one is treated like an expired button, never as a
    payload. Ids derive from payloads, so a button always gets the same id and the store
    grows only with distinct payloads (the least recently used are dropped).
    """

    PREFIX = "~"

    def __init__(
        self, max_items: int = 10_000, store: BoundedStore | RedisStore | None = None
    ) -> None:
        # This process's store by default; Redis in production, so any instance decodes.
        self._payloads = store if store is not None else BoundedStore(max_items)

    def encode(self, payload: str) -> str:
        size = len(payload.encode("utf-8"))
        if 1 <= size <= MAX_CALLBACK_BYTES and not payload.startswith(self.PREFIX):
            data = payload
        else:
            digest = hashlib.sha256(payload.encode("utf-8")).digest()[:12]
            data = self.PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")
        self._payloads.put(data, payload)
        return data

    def decode(self, data: str) -> str | None:
        return self._payloads.get(data)


# --- output -----------------------------------------------------------------------------


class TelegramOutput(OutputChannel):
    """Replies with sendMessage (buttons as an inline keyboard, one per row)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, api: TelegramApi, callback_data: CallbackData) -> None:
        self.api = api
        self.callback_data = callback_data

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_text(text, MAX_TEXT_CHARS):
            await self._send(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = {"inline_keyboard": [[self._key(button)] for button in buttons]}
        parts = split_text(text, MAX_TEXT_CHARS) or ["Please choose:"]
        for part in parts[:-1]:
            await self._send(recipient_id, part)
        await self._send(recipient_id, parts[-1], keyboard)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        try:
            await self.api.send_photo(platform_id("telegram", recipient_id), image)
        except TelegramError as error:
            logger.error("telegram: %s", error)

    def _key(self, button: Mapping[str, Any]) -> dict[str, str]:
        title = str(button.get("title") or button.get("payload") or "?")
        if button.get("url"):
            return {"text": title, "url": str(button["url"])}
        payload = str(button.get("payload") or title)
        return {"text": title, "callback_data": self.callback_data.encode(payload)}

    async def _send(
        self, chat_id: str, text: str, reply_markup: dict[str, Any] | None = None
    ) -> None:
        chat_id = platform_id("telegram", chat_id)  # "telegram:123" (Rasa's id) -> 123
        try:
            sent = await self.api.send_message(chat_id, text, reply_markup)
        except TelegramError as error:  # e.g. the client blocked the bot: log, go on
            logger.error("telegram: reply (%d chars) not sent: %s", len(text), error)
            return
        message_id = sent.get("message_id") if isinstance(sent, dict) else None
        logger.info(
            "telegram: reply %s sent (%d chars%s)",
            loggable_id(message_id),
            len(text),
            ", with buttons" if reply_markup else "",
        )


# --- input ------------------------------------------------------------------------------


class TelegramInput(PlatformWebhook[TelegramSettings]):
    """`POST /webhooks/telegram/webhook`: Telegram's updates, with the secret header."""

    settings_class = TelegramSettings
    platform = Platform(
        "telegram", "Telegram", "update", "refused a request without the webhook's secret",
        refusal_reply="Invalid secret token.",
    )

    def prepare(self, settings: TelegramSettings | None) -> None:
        self.api = TelegramApi(settings.bot_token) if settings else None
        # This process's store by default; Redis in production, so any instance decodes.
        self.callback_data: CallbackData = StoredCallbackData(
            store=shared_store("telegram-callbacks", 10_000)
        )

    def get_output_channel(self) -> TelegramOutput | None:
        if self.api is None:
            return None
        return TelegramOutput(self.api, self.callback_data)

    def authentic(self, request: Request) -> bool:
        """Whether the request carries the webhook's secret token."""
        given = request.headers.get(SECRET_HEADER) or ""
        if self.settings is None or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.settings.webhook_secret.encode())

    def add_routes(self, webhook: Blueprint) -> None:
        @webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self.api is not None:
                await self.api.close()

    def parse(self, request: Request) -> dict[str, Any] | None:
        return json_object(request)

    def message_id(self, content: dict[str, Any]) -> str:
        return loggable_id(content.get("update_id"))

    def accepted(self) -> HTTPResponse:
        # Always 200 once authenticated: anything else makes Telegram send it again.
        return response.json({"ok": True})

    async def read(self, content: dict[str, Any], message_id: str) -> Incoming | None:
        """The chat and text of a private message or button press; None for anything else."""
        rasa_id = None if message_id == "?" else f"telegram-{message_id}"
        if isinstance(content.get("callback_query"), dict):
            return await self._read_button(content["callback_query"], message_id, rasa_id)
        message = content.get("message")
        if not isinstance(message, dict):
            logger.info("telegram: update %s is not a message; ignored", message_id)
            return None
        chat = _private_chat_id(message)
        if chat is None:
            logger.info("telegram: update %s is not from a private chat; ignored", message_id)
            return None
        text = message.get("text")
        if not isinstance(text, str):
            return Incoming(chat, rasa_message_id=rasa_id)
        if text.strip() == "/start" or text.startswith("/start "):
            text = START_TEXT
        return Incoming(chat, text, rasa_message_id=rasa_id)

    async def _read_button(
        self, query: dict[str, Any], update_id: str, rasa_id: str | None
    ) -> Incoming | None:
        query_id = str(query.get("id") or "")
        found = query.get("message")
        message: dict[str, Any] = found if isinstance(found, dict) else {}
        chat = _private_chat_id(message)
        payload = self.callback_data.decode(str(query.get("data") or ""))
        if self.api is not None and query_id:
            # Stops the button's spinner; an expired button says so instead.
            try:
                await self.api.answer_callback_query(
                    query_id, None if payload else EXPIRED_BUTTON_REPLY
                )
            except TelegramError as error:
                logger.error("telegram: %s", error)
        if chat is None or not payload:
            logger.info("telegram: button press %s ignored (expired or not private)", update_id)
            return None
        return Incoming(chat, payload=payload, rasa_message_id=rasa_id)


def _private_chat_id(message: Mapping[str, Any]) -> str | None:
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private" or chat.get("id") is None:
        return None
    return str(chat["id"])
