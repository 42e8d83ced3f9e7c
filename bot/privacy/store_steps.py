"""What purge and erase share: the store's tables and the steps that change them (in the
caller's transaction), the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Connection

from bot.store.models import (
    Booking,
    BookingLookupFailure,
    ConversationTakeover,
    HandoffMessage,
    HandoffRequest,
    OutboxMessage,
)

# A handoff request's sender id cannot be NULL; this replaces it once the request is cleared
# (on WhatsApp the sender id is the client's phone number).
ERASED_SENDER = "(erased)"
# Rows per IN (...) list: well under SQLite's limit on bound parameters.
CHUNK = 500

BOOKINGS = Booking.__table__
HANDOFFS = HandoffRequest.__table__
OUTBOX = OutboxMessage.__table__
# Outbox rows still to be sent (a reminder for an appointment far ahead is kept by purge).
OUTBOX_WAITING = ("pending", "sending")
LOOKUP_FAILURES = BookingLookupFailure.__table__

Item = TypeVar("Item")
# Tests pass their own clock to purge and erase.
Clock = Callable[[], datetime]


def chunks(items: Sequence[Item], size: int = CHUNK) -> Iterator[Sequence[Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def anonymise_bookings(store: Connection, which: Any, now: datetime) -> int:
    """Personal fields of the bookings `which` selects to NULL; how many had any."""
    has_personal_data = or_(
        BOOKINGS.c.client_name.is_not(None),
        BOOKINGS.c.phone.is_not(None),
        BOOKINGS.c.email.is_not(None),
        BOOKINGS.c.sender_id.is_not(None),
    )
    result = store.execute(
        update(BOOKINGS)
        .where(which, has_personal_data)
        .values(client_name=None, phone=None, email=None, sender_id=None, updated_at=now)
    )
    return result.rowcount


def delete_outbox(
    store: Connection,
    which: Any = None,
    booking_ids: Iterable[int] = (),
    handoff_ids: Iterable[int] = (),
) -> int:
    """Delete outbox rows (sent or not) that `which` selects or that belong to the given
    bookings or handoffs; how many."""
    deleted = 0
    if which is not None:
        deleted += store.execute(delete(OUTBOX).where(which)).rowcount
    for column, ids in ((OUTBOX.c.booking_id, booking_ids), (OUTBOX.c.handoff_id, handoff_ids)):
        for chunk in chunks(sorted(ids)):
            deleted += store.execute(delete(OUTBOX).where(column.in_(chunk))).rowcount
    return deleted


def handoff_has_personal_data(row: Any) -> bool:
    return bool(row.transcript) or row.contact is not None or row.sender_id != ERASED_SENDER


def clear_handoffs(store: Connection, ids: list[int]) -> int:
    for chunk in chunks(ids):
        store.execute(
            update(HANDOFFS)
            .where(HANDOFFS.c.id.in_(chunk))
            .values(transcript=[], contact=None, sender_id=ERASED_SENDER)
        )
        # What the client and staff wrote after the request (the console's transcript).
        messages = HandoffMessage.__table__
        store.execute(delete(messages).where(messages.c.handoff_id.in_(chunk)))
        takeovers = ConversationTakeover.__table__
        store.execute(delete(takeovers).where(takeovers.c.handoff_id.in_(chunk)))
    return len(ids)


# Refused booking checks name the conversation: forgotten with the rest.


def forget_lookup_failures_before(store: Connection, cutoff: datetime) -> None:
    store.execute(delete(LOOKUP_FAILURES).where(LOOKUP_FAILURES.c.created_at < cutoff))


def forget_lookup_failures_of(store: Connection, senders: Sequence[str]) -> None:
    for chunk in chunks(senders):
        store.execute(delete(LOOKUP_FAILURES).where(LOOKUP_FAILURES.c.sender_id.in_(chunk)))
