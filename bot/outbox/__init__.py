"""The outbox: every message the clinic sends on its own initiative, sent exactly once.

Confirmations, reminders and staff notifications are rows of `outbox_messages`, written by
`enqueue` in the same transaction as the change they are about (a booking, a handoff): if
the change rolls back, so does the message, and nothing is sent for a change that never
happened. One sender (`clinic outbox run`, bot/outbox/sender.py) claims due rows and hands
each to the transport of its channel (bot/outbox/transports/).

Channels: email | whatsapp | telegram | widget | rest (REST cannot be pushed to: such rows
end `skipped`). `recipient` is an email address or the channel's conversation id.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import OutboxMessage, OutboxStatus

# Kinds (the console's are sent by the same sender with their body as it is).
BOOKING_CONFIRMATION = "booking_confirmation"
BOOKING_MOVED = "booking_moved"
BOOKING_CANCELLED = "booking_cancelled"
REMINDER = "reminder"
HANDOFF_NOTIFY_EMAIL = "handoff_notify_email"
HANDOFF_NOTIFY_TELEGRAM = "handoff_notify_telegram"
STAFF_REPLY = "staff_reply"

CHANNELS = ("email", "whatsapp", "telegram", "widget", "rest")

OUTBOX = OutboxMessage.__table__


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def enqueue(
    session: Session,
    *,
    kind: str,
    channel: str,
    recipient: str,
    body: dict[str, Any],
    dedupe_key: str,
    due_at: datetime | None = None,
    booking_id: int | None = None,
    handoff_id: int | None = None,
) -> None:
    """Add a message to send, in the caller's transaction.

    `dedupe_key` is unique: a second enqueue with the same key does nothing (exactly-once
    intent), without disturbing the caller's transaction (INSERT ... ON CONFLICT DO NOTHING
    on PostgreSQL and SQLite). `due_at` (aware) defaults to now. Flush the booking or
    handoff first so its id exists.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r}; one of {', '.join(CHANNELS)}")
    if not recipient:
        raise ValueError("an outbox message needs a recipient")
    values = {
        "kind": kind,
        "channel": channel,
        "recipient": recipient,
        "body": body,
        "dedupe_key": dedupe_key,
        "booking_id": booking_id,
        "handoff_id": handoff_id,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "due_at": due_at or _utc_now(),
        "created_at": _utc_now(),
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = (
            postgresql.insert(OUTBOX)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    elif dialect == "sqlite":
        statement = (
            sqlite.insert(OUTBOX)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    else:  # pragma: no cover - the store runs on SQLite or PostgreSQL
        raise RuntimeError(f"the outbox supports SQLite and PostgreSQL, not {dialect}")
    session.execute(statement)


__all__ = [
    "BOOKING_CANCELLED",
    "BOOKING_CONFIRMATION",
    "BOOKING_MOVED",
    "CHANNELS",
    "HANDOFF_NOTIFY_EMAIL",
    "HANDOFF_NOTIFY_TELEGRAM",
    "REMINDER",
    "STAFF_REPLY",
    "enqueue",
]
