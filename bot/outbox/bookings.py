"""Booking confirmations and reminders: planned in the booking's transaction, rendered when
they are sent.

What is sent when (see also README "Confirmations and reminders"):
- book / move / cancel: a confirmation by email (with the .ics) when the client gave an
  email address, and one in the channel they booked through (WhatsApp, Telegram, widget;
  a REST conversation cannot be pushed to);
- REMINDER_HOURS (default 24) before the appointment: a reminder in the booking's channel
  (WhatsApp or Telegram), else by email, else in the widget; with "1 keep it / 2 move it /
  3 cancel it". Never in quiet hours (21:00-08:00 clinic time): it goes at 08:00 instead,
  or, when the appointment is before then, at 20:30 the evening before. A reminder whose
  time has passed when the booking is made is not planned.
- a move or a cancellation makes the booking's unsent reminders and confirmations
  obsolete (they are checked again just before sending) and plans new ones.

Rows hold ids and a version only ({"sequence": n, ...}); names, times and addresses are read
from the booking when the message is sent, so an erased booking has nothing left to send.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.outbox import (
    BOOKING_CANCELLED,
    BOOKING_CONFIRMATION,
    BOOKING_MOVED,
    REMINDER,
    enqueue,
)
from bot.outbox.booking_render import BOOKING_PREPARERS, calendar_file
from bot.outbox.quiet_hours import QUIET_END, QUIET_START, out_of_quiet_hours, reminder_due
from bot.store.models import Booking, BookingStatus, OutboxMessage, OutboxStatus

# Rendering and the quiet-hours rules have their own modules; callers may keep importing
# these names from here.
__all__ = [
    "BOOKING_PREPARERS",
    "QUIET_END",
    "QUIET_START",
    "calendar_file",
    "open_reminder",
    "out_of_quiet_hours",
    "plan_booking_messages",
    "reminder_due",
    "reminder_route",
]

PUSHABLE = ("whatsapp", "telegram", "widget")
# How long after a reminder a bare "1", "2" or "3" in the booking's conversation answers it.
REMINDER_ANSWER_WINDOW = timedelta(days=3)

EVENT_KINDS = {
    "booked": BOOKING_CONFIRMATION,
    "moved": BOOKING_MOVED,
    "cancelled": BOOKING_CANCELLED,
}


def reminder_route(booking: Booking) -> tuple[str, str] | None:
    """(channel, recipient) for reminders: the chat app they booked in, else email, else the
    widget (only seen if the chat is open)."""
    if booking.channel in ("whatsapp", "telegram") and booking.sender_id:
        return booking.channel, booking.sender_id
    if booking.email:
        return "email", booking.email
    if booking.channel == "widget" and booking.sender_id:
        return "widget", booking.sender_id
    return None


def plan_booking_messages(
    session: Session,
    booking: Booking,
    event: str,
    now: datetime,
    tz: ZoneInfo,
    reminder_hours: tuple[int, ...],
    by_sender: str | None = None,
) -> None:
    """Enqueue what a booking change sends. Call after `flush()` (the booking needs its id)
    and after bumping `booking.sequence` for a move or cancel.

    `by_sender`: the conversation that made the change, if a client did (a message from
    it opens WhatsApp's 24-hour window); None for staff changes.
    """
    kind = EVENT_KINDS[event]
    sequence = booking.sequence or 0
    if event != "booked":
        _make_unsent_obsolete(session, booking.id, sequence)
    active_at = now.isoformat() if by_sender and by_sender == booking.sender_id else None
    base = {"sequence": sequence}
    if booking.email:
        enqueue(
            session,
            kind=kind,
            channel="email",
            recipient=booking.email,
            body=base,
            dedupe_key=f"booking:{booking.id}:{kind}:{sequence}:email",
            due_at=now,
            booking_id=booking.id,
        )
    if booking.channel in PUSHABLE and booking.sender_id:
        enqueue(
            session,
            kind=kind,
            channel=booking.channel,
            recipient=booking.sender_id,
            body={**base, "active_at": active_at} if active_at else base,
            dedupe_key=f"booking:{booking.id}:{kind}:{sequence}:{booking.channel}",
            due_at=now,
            booking_id=booking.id,
        )
    if event == "cancelled":
        return
    route = reminder_route(booking)
    if route is None:
        return
    planned: set[datetime] = set()
    for hours in reminder_hours:
        due = reminder_due(booking.starts_at, hours, tz, now)
        if due is None or due in planned:  # passed, or the same moment as another one
            continue
        planned.add(due)
        body: dict[str, Any] = {**base, "hours": hours}
        if active_at:
            body["active_at"] = active_at
        enqueue(
            session,
            kind=REMINDER,
            channel=route[0],
            recipient=route[1],
            body=body,
            dedupe_key=f"booking:{booking.id}:{REMINDER}:{sequence}:{hours}h",
            due_at=due,
            booking_id=booking.id,
        )


def _make_unsent_obsolete(session: Session, booking_id: int, sequence: int) -> None:
    """Earlier versions' messages not yet sent will never be (checked again when sending)."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.body).where(
            OutboxMessage.booking_id == booking_id,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    ).all()
    stale = [row.id for row in rows if (row.body or {}).get("sequence", 0) < sequence]
    if stale:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(stale), OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.OBSOLETE, last_error="superseded")
            .execution_options(synchronize_session=False)
        )


# --- the reminder a conversation may be answering -------------------------------------------


def open_reminder(
    session: Session, sender_id: str, now: datetime
) -> tuple[int, Booking] | None:
    """(reminder row id, booking) of the reminder this conversation may be answering.

    A reminder is open when one was sent (in any channel, email included) in the last
    REMINDER_ANSWER_WINDOW for a booking made in this conversation, and that booking is
    still confirmed, still ahead and unchanged since. Conversation ids are
    channel-namespaced, so another channel's client cannot reach this one's booking.
    """
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.body, Booking)
        .join(Booking, OutboxMessage.booking_id == Booking.id)
        .where(
            OutboxMessage.kind == REMINDER,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.sent_at >= now - REMINDER_ANSWER_WINDOW,
            Booking.sender_id == sender_id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at > now,
        )
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
    ).all()
    for message_id, body, booking in rows:
        if (body or {}).get("sequence", 0) == booking.sequence:
            return message_id, booking
    return None
