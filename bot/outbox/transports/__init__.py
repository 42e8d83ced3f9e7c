"""How a message leaves the clinic: one transport per channel, behind one call.

    transports = Transports.from_settings()
    transports.send("telegram", "telegram:12345", {"text": "Hello"})

`body` is the rendered message (bot/outbox/render.py makes it for bookings; the console's
kinds carry it ready-made):

    text         plain text, every channel (required)
    buttons      [{"title": "Keep it", "payload": "1"}] - shown as buttons where the channel
                 has them, else as a numbered list the client answers with "1", "2"...
    subject      email subject
    attachments  [{"filename", "content_type", "data"}] - email (e.g. the .ics)
    link         {"title", "url"} - a link shown under the text (widget: "Add to calendar")
    template     {"name": "reminder", "variables": {"1": "...", ...}} - WhatsApp outside the
                 24-hour window (ContentSid from the environment)
    active_at    ISO time of the client's last message in this channel, if known (WhatsApp's
                 24-hour window)

A transport returns a `Delivery` or raises `TemporaryFailure` (retry later) or
`PermanentFailure` (retrying cannot help). Their `reason` is a short code that is safe to
log and to show to staff: never an address, a number or a message text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

# The transports' shared types live in .base, which the transports import (no cycle with
# this module, which imports the transports); re-exported here for the outbox's callers.
from bot.outbox.transports.base import (
    Delivery,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    TransportFailure,
    strip_namespace,
)
from bot.settings import Settings

__all__ = [
    "Delivery",
    "PermanentFailure",
    "TemporaryFailure",
    "Transport",
    "TransportFailure",
    "Transports",
    "strip_namespace",
]

logger = logging.getLogger(__name__)


class NotPushable:
    """REST conversations have no way back to the client: such messages are skipped."""

    channel = "rest"

    def send(self, recipient: str, body: Mapping[str, Any]) -> Delivery:
        return Delivery.skipped("rest_cannot_be_pushed")


class Transports:
    """The transport of each channel; a channel without one is off (messages skipped)."""

    def __init__(self, transports: Mapping[str, Transport] | None = None) -> None:
        self._by_channel: dict[str, Transport] = {"rest": NotPushable()}
        self._by_channel.update(transports or {})

    def register(self, transport: Transport) -> None:
        self._by_channel[transport.channel] = transport

    def get(self, channel: str) -> Transport | None:
        return self._by_channel.get(channel)

    def channels(self) -> list[str]:
        return sorted(self._by_channel)

    def send(self, channel: str, recipient: str, body: Mapping[str, Any]) -> Delivery:
        if not body.get("text"):
            raise PermanentFailure("empty_message")
        transport = self._by_channel.get(channel)
        if transport is None:
            return Delivery.skipped(f"{channel}_not_configured")
        return transport.send(recipient, body)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Transports:
        """Every channel whose settings are present (see each transport's module)."""
        from bot.outbox.transports.email import EmailTransport
        from bot.outbox.transports.telegram import TelegramTransport
        from bot.outbox.transports.whatsapp import WhatsAppTransport
        from bot.outbox.transports.widget import WidgetTransport
        from bot.settings import get_settings

        settings = settings or get_settings()
        transports = cls()
        for build in (
            EmailTransport.from_settings,
            WhatsAppTransport.from_settings,
            TelegramTransport.from_settings,
            WidgetTransport.from_settings,
        ):
            transport = build(settings)
            if transport is not None:
                transports.register(transport)
        logger.info("outbox: transports for %s", ", ".join(transports.channels()))
        return transports
