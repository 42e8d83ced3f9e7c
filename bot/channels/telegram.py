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

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import (
    BoundedStore,
    ConfiguredFromEnv,
    NotConfigured,
    RedisStore,
    ReplayGuard,
    body_limited,
    conversation_id,
    loggable_id,
    platform_id,
    public_webhook_url,
    read_env,
    screen,
    shared_store,
    split_text,
)
from bot.guard import MessageGuard
from bot.settings import Settings, get_settings
from bot.takeover import hold_for_staff

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
# Where Rasa mounts this channel's webhook (routes under /webhooks/<name>/).
WEBHOOK_PATH = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's limits: callback_data 1-64 bytes; a message 4,096 characters (stay under).
MAX_CALLBACK_BYTES = 64
MAX_TEXT_CHARS = 4000
REQUEST_TIMEOUT_SECONDS = 10.0
ALLOWED_UPDATES = ["message", "callback_query"]
# Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# What a client's first message (/start) means to the assistant.
START_TEXT = "Hello"
EXPIRED_BUTTON_REPLY = "That button has expired - please type your answer instead."


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
        values = read_env(
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


# --- the Bot API ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Incoming:
    """A private chat's message or button press."""

    chat_id: str
    text: str | None = None  # what the client typed (None: a photo, a sticker...)
    payload: str | None = None  # the payload of the button pressed


class TelegramInput(ConfiguredFromEnv, InputChannel):
    """`POST /webhooks/telegram/webhook`: Telegram's updates, with the secret header."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    settings_class = TelegramSettings

    def __init__(
        self,
        settings: TelegramSettings | None,
        api: TelegramApi | None = None,
        callback_data: CallbackData | None = None,
        guard: MessageGuard | None = None,
    ) -> None:
        """`settings` None: the channel is off."""
        self.settings = settings
        self.guard = guard or MessageGuard.from_settings()
        self.api = api or (TelegramApi(settings.bot_token) if settings else None)
        self.callback_data: CallbackData = callback_data or StoredCallbackData(
            store=shared_store("telegram-callbacks", 10_000)
        )
        # Telegram re-sends an update it got no 2xx for, and a replayed request must not
        # count twice: each update_id is handled once (SET NX in Redis in production).
        self._seen_updates = ReplayGuard(
            "telegram-updates", get_settings().replay_window_seconds
        )

    def get_output_channel(self) -> TelegramOutput | None:
        if self.api is None:
            return None
        return TelegramOutput(self.api, self.callback_data)

    def sent_by_telegram(self, request: Request) -> bool:
        """Whether the request carries the webhook's secret token."""
        given = request.headers.get(SECRET_HEADER) or ""
        if self.settings is None or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.settings.webhook_secret.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Conversations staff have taken over never reach the assistant (bot/takeover.py).
        on_new_message = hold_for_staff(on_new_message)
        webhook = body_limited(Blueprint)("clinic_telegram_webhook", __name__)

        @webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self.api is not None:
                await self.api.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.settings is None:
                return response.text("The Telegram channel is not configured.", status=503)
            if not self.sent_by_telegram(request):
                logger.warning("telegram: refused a request without the webhook's secret")
                return response.text("Invalid secret token.", status=403)
            await self._handle(_json_object(request), on_new_message)
            # Always 200 once authenticated: anything else makes Telegram send it again.
            return response.json({"ok": True})

        return webhook

    async def _handle(
        self,
        update: dict[str, Any] | None,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        if update is None:
            logger.warning("telegram: an update that is not a JSON object; ignored")
            return
        update_id = loggable_id(update.get("update_id"))
        if update_id != "?" and not self._seen_updates.first_time(update_id):
            logger.info("telegram: update %s already handled", update_id)
            return
        incoming = await self._read(update, update_id)
        output = self.get_output_channel()
        if incoming is None or output is None:
            return
        # The conversation is "telegram:<chat id>": no other channel can name it.
        conversation = conversation_id(self.name(), incoming.chat_id)
        # Button presses count against the rate limit too; their payload is ours, as it is.
        screened = screen(self.guard, conversation, incoming.payload or incoming.text)
        if screened.text is None:
            logger.info(
                "telegram: update %s not passed on (%d chars, %s)",
                update_id,
                len(incoming.text or ""),
                "answered" if screened.reply else "over the rate limit",
            )
            if screened.reply:
                await output.send_text_message(incoming.chat_id, screened.reply)
            return
        text = incoming.payload or screened.text
        logger.info(
            "telegram: update %s received (%d chars%s)",
            update_id,
            len(text),
            ", a button choice" if incoming.payload else "",
        )
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    conversation,
                    input_channel=self.name(),
                    message_id=None if update_id == "?" else f"telegram-{update_id}",
                )
            )
        except Exception as error:  # the text never goes in a log
            logger.error(
                "telegram: handling update %s failed (%s)", update_id, type(error).__name__
            )

    async def _read(self, update: dict[str, Any], update_id: str) -> Incoming | None:
        """The chat and text of a private message or button press; None for anything else."""
        if isinstance(update.get("callback_query"), dict):
            return await self._read_button(update["callback_query"], update_id)
        message = update.get("message")
        if not isinstance(message, dict):
            logger.info("telegram: update %s is not a message; ignored", update_id)
            return None
        chat = _private_chat_id(message)
        if chat is None:
            logger.info("telegram: update %s is not from a private chat; ignored", update_id)
            return None
        text = message.get("text")
        if not isinstance(text, str):
            return Incoming(chat)
        if text.strip() == "/start" or text.startswith("/start "):
            return Incoming(chat, START_TEXT)
        return Incoming(chat, text)

    async def _read_button(self, query: dict[str, Any], update_id: str) -> Incoming | None:
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
        return Incoming(chat, payload=payload)


def _private_chat_id(message: Mapping[str, Any]) -> str | None:
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private" or chat.get("id") is None:
        return None
    return str(chat["id"])


def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body.decode("utf-8", errors="replace") or "null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
