"""Answers to a reminder: "1" keep it, "2" move it, "3" cancel it.

Reminders are sent by the outbox sender, outside Rasa, so the conversation's tracker does
not know one was sent. The actions ask the store instead: the latest reminder sent for a
booking made in this conversation (bot.outbox.bookings.open_reminder). The conversation id
is the client's identity here - ids are namespaced per channel, so nobody else can name
it - which is why a reminder's "2" needs no reference or contact typed again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.booking import availability
from bot.outbox.bookings import open_reminder
from bot.store.session import session_scope

CHOICES = {"1": "keep", "2": "move", "3": "cancel"}
# "2", "2.", "(2)", "option 2", "number 2", "2 move it"
_REPLY = re.compile(
    r"^\s*(?:option|number|no\.?)?\s*\(?([123])\)?\s*[.):-]?\s*"
    r"(?:keep it|move it|cancel it)?\s*[.!]*\s*$",
    re.IGNORECASE,
)


def reminder_choice(text: str | None) -> str | None:
    """"keep" / "move" / "cancel" for a reply like "2" or "2. Move it", else None."""
    match = _REPLY.match(text or "")
    return CHOICES[match.group(1)] if match else None


@dataclass(frozen=True)
class RemindedBooking:
    reminder_id: int
    ref: str
    contact: str  # the phone (E.164) or email it was booked with
    start: datetime  # in the clinic's time zone
    practitioner: str


def reminded_booking(
    sender_id: str,
    database_url: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> RemindedBooking | None:
    """The booking whose reminder this conversation may be answering, if any."""
    if not sender_id:
        return None
    with session_scope(database_url) as session:
        found = open_reminder(session, sender_id, clock())
        if found is None:
            return None
        reminder_id, booking = found
        contact = booking.phone or booking.email
        if not contact:
            return None
        return RemindedBooking(
            reminder_id=reminder_id,
            ref=booking.ref,
            contact=contact,
            start=booking.starts_at.astimezone(availability.clinic_timezone(session)),
            practitioner=booking.practitioner.name,
        )
