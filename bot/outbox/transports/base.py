"""What every transport returns or raises (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Delivery:
    """A message delivered (`sent`) or deliberately not (`skipped`, with why)."""

    status: str  # "sent" | "skipped"
    reason: str = ""
    provider_id: str | None = None  # e.g. Twilio's message SID (safe to log)

    @classmethod
    def sent(cls, provider_id: str | None = None) -> Delivery:
        return cls("sent", provider_id=provider_id)

    @classmethod
    def skipped(cls, reason: str) -> Delivery:
        return cls("skipped", reason)


class TransportFailure(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason[:200]
        super().__init__(self.reason)


class TemporaryFailure(TransportFailure):
    """The provider or the network failed for now: try again later."""


class PermanentFailure(TransportFailure):
    """Retrying cannot help (refused recipient, no template for outside the window...)."""


class Transport(Protocol):
    """Sends a rendered message to one recipient of one channel."""

    channel: str

    def send(self, recipient: str, body: Mapping[str, Any]) -> Delivery: ...


def strip_namespace(channel: str, recipient: str) -> str:
    """ "telegram:12345" -> "12345": conversation ids carry their channel as a prefix."""
    prefix = f"{channel}:"
    return recipient[len(prefix) :] if recipient.startswith(prefix) else recipient
