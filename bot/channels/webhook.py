"""The base of the webhooks that a platform's servers call (WhatsApp, Telegram).

Every such webhook: answers 503 while its settings are missing; refuses (403, nothing
reaches the assistant) a request the platform did not send; handles each platform message
id once; puts the client's text through the message guard; holds conversations staff have
taken over; never logs what anyone wrote. A subclass says how its platform authenticates,
numbers and words a request (`authentic`, `parse`, `message_id`, `read`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.config import ConfiguredBySettings
from bot.channels.conversations import conversation_id
from bot.channels.screening import screen
from bot.channels.server import server_prepared
from bot.channels.state import ReplayGuard
from bot.guard import MessageGuard
from bot.settings import get_settings
from bot.takeover import hold_for_staff

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Incoming:
    """A platform's message, as far as the assistant cares."""

    sender: str  # the platform's id for the client (a chat id, "whatsapp:+44...")
    text: str | None = None  # what the client typed (None: a photo, a sticker...)
    payload: str | None = None  # the payload of a button pressed (ours, as it is)
    rasa_message_id: str | None = None  # the id Rasa keeps with the message
    detail: str = ""  # safe to log, e.g. "1 media"


@dataclass(frozen=True)
class Platform:
    """What differs between platforms in the skeleton's answers and log lines."""

    channel: str  # Rasa's name of the channel: "whatsapp", "telegram"
    title: str  # "WhatsApp", "Telegram"
    item: str  # what one request carries: "message", "update"
    refusal_log: str  # why a request was refused (403), for the log
    refusal_reply: str  # the 403's text


SettingsT = TypeVar("SettingsT")


class PlatformWebhook(ConfiguredBySettings, InputChannel, Generic[SettingsT]):
    """`GET /` (health) and `POST /webhook` of one platform; see the module docstring."""

    platform: ClassVar[Platform]

    @classmethod
    def name(cls) -> str:
        return cls.platform.channel

    def __init__(
        self,
        settings: SettingsT | None,
        guard: MessageGuard | None = None,
        replays: ReplayGuard | None = None,
    ) -> None:
        """`settings` None: the channel is off. `guard`, `replays`: from settings unless given."""
        self.settings = settings
        self.guard = guard or MessageGuard.from_settings()
        # A platform re-sends what it got no 2xx for, and a replayed request must not count
        # twice: each message id is handled once (SET NX in Redis in production).
        self.replays = replays or ReplayGuard(
            f"{self.name()}-{self.platform.item}s", get_settings().replay_window_seconds
        )
        self.prepare(settings)

    # --- what a platform's subclass says ---

    def prepare(self, settings: SettingsT | None) -> None:
        """Set up the platform's own parts (its API client, its button store)."""

    def authentic(self, request: Request) -> bool:
        """Whether the platform sent this request (its signature, its secret)."""
        raise NotImplementedError

    def parse(self, request: Request) -> Any:
        """The request's content, or None for one that cannot be read (ignored)."""
        raise NotImplementedError

    def message_id(self, content: Any) -> str:
        """The platform's id of the message, checked to be loggable ("?" if none)."""
        raise NotImplementedError

    async def read(self, content: Any, message_id: str) -> Incoming | None:
        """The client's message; None for anything the assistant does not answer."""
        raise NotImplementedError

    def accepted(self) -> HTTPResponse:
        """The answer to an authentic request (the platform then does not send it again)."""
        raise NotImplementedError

    def chosen_button(self, conversation: str, text: str) -> str | None:
        """The payload of a button the client's text chooses, if the platform needs that."""
        return None

    def add_routes(self, webhook: Blueprint) -> None:
        """Anything else the platform needs on the blueprint."""

    # --- the skeleton ---

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(type(self).__module__)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # Conversations staff have taken over never reach the assistant (bot/takeover.py).
        on_new_message = hold_for_staff(on_new_message)
        webhook = server_prepared(Blueprint)(
            f"clinic_{self.name()}_webhook", type(self).__module__
        )
        self.add_routes(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.settings is None:
                return response.text(
                    f"The {self.platform.title} channel is not configured.", status=503
                )
            if not self.authentic(request):
                self.logger.warning("%s: %s", self.name(), self.platform.refusal_log)
                return response.text(self.platform.refusal_reply, status=403)
            await self.handle(self.parse(request), on_new_message)
            return self.accepted()

        return webhook

    async def handle(self, content: Any, on_new_message: OnNewMessage) -> None:
        """One authentic request: once per message id, through the guard, to the assistant."""
        name, item = self.name(), self.platform.item
        if content is None:
            self.logger.warning("%s: a request that cannot be read; ignored", name)
            return
        message_id = self.message_id(content)
        if message_id != "?" and not self.replays.first_time(message_id):
            self.logger.info("%s: %s %s already handled; ignored", name, item, message_id)
            return
        incoming = await self.read(content, message_id)
        output = self.get_output_channel()
        if incoming is None or output is None:
            return
        # "<channel>:<platform id>": no other channel can name this conversation.
        conversation = conversation_id(name, incoming.sender)
        # Button presses count against the rate limit too; their payload is ours, as it is.
        screened = screen(self.guard, conversation, incoming.payload or incoming.text)
        if screened.text is None:
            self.logger.info(
                "%s: %s %s not passed on (%d chars%s, %s)",
                name,
                item,
                message_id,
                len(incoming.text or ""),
                f", {incoming.detail}" if incoming.detail else "",
                "answered" if screened.reply else "over the rate limit",
            )
            if screened.reply:
                await output.send_text_message(conversation, screened.reply)
            return
        chosen = incoming.payload or self.chosen_button(conversation, screened.text)
        text = chosen or screened.text
        self.logger.info(
            "%s: %s %s received (%d chars%s)",
            name,
            item,
            message_id,
            len(text),
            ", a button choice" if chosen else "",
        )
        message = UserMessage(
            text, output, conversation, input_channel=name, message_id=incoming.rasa_message_id
        )
        try:
            await on_new_message(message)
        except Exception as error:  # the platform would only log it; never the text
            self.logger.error(
                "%s: handling %s %s failed (%s)", name, item, message_id, type(error).__name__
            )
