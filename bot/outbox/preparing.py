"""What a claimed outbox row is, and what a kind's preparer decides just before it is sent.

Apart from the sender so that the preparers (bot/outbox/booking_render.py) and the sender
both import these without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Claimed:
    """A snapshot of a claimed row: what sending needs, outside any transaction."""

    id: int
    kind: str
    channel: str
    recipient: str
    body: dict[str, Any]
    booking_id: int | None
    handoff_id: int | None
    attempts: int
    token: str


# What a kind's preparer decides just before sending.
@dataclass(frozen=True)
class Send:
    body: Mapping[str, Any]
    channel: str | None = None  # None: the row's own
    recipient: str | None = None


@dataclass(frozen=True)
class Obsolete:
    reason: str


@dataclass(frozen=True)
class Defer:
    until: datetime
    reason: str


Prepared = Send | Obsolete | Defer
Preparer = Callable[[Session, Claimed, datetime], Prepared]


def send_as_is(session: Session, message: Claimed, now: datetime) -> Prepared:
    """Kinds whose body is ready to send (the console's notifications and replies)."""
    return Send(message.body)
