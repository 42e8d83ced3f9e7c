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

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any
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
from bot.outbox.calendar import CalendarEvent, booking_uid, build_ics, content_type
from bot.store.models import (
    Booking,
    BookingStatus,
    ClinicInfo,
    OutboxMessage,
    OutboxStatus,
    Treatment,
)

if TYPE_CHECKING:
    from bot.outbox.sender import Claimed, Prepared

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
EVENING_BEFORE = time(20, 30)  # when a reminder goes if 08:00 would be too late
PUSHABLE = ("whatsapp", "telegram", "widget")
REMINDER_BUTTONS = [
    {"title": "Keep it", "payload": "1"},
    {"title": "Move it", "payload": "2"},
    {"title": "Cancel it", "payload": "3"},
]
# How long after a reminder a bare "1", "2" or "3" in the booking's conversation answers it.
REMINDER_ANSWER_WINDOW = timedelta(days=3)

EVENT_KINDS = {
    "booked": BOOKING_CONFIRMATION,
    "moved": BOOKING_MOVED,
    "cancelled": BOOKING_CANCELLED,
}
BOOKING_KINDS = (BOOKING_CONFIRMATION, BOOKING_MOVED, BOOKING_CANCELLED, REMINDER)


# --- planning (inside the booking's transaction) --------------------------------------------


def in_quiet_hours(moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz).time()
    return local >= QUIET_START or local < QUIET_END


def out_of_quiet_hours(due: datetime, appointment: datetime, tz: ZoneInfo) -> datetime:
    """`due`, or the next 08:00 if it falls in quiet hours - or 20:30 the evening before when
    the appointment is not after that 08:00."""
    if not in_quiet_hours(due, tz):
        return due
    local = due.astimezone(tz)
    morning_day: date = local.date() if local.time() < QUIET_END else local.date() + timedelta(1)
    morning = datetime.combine(morning_day, QUIET_END, tz)
    if morning < appointment:
        return morning
    return datetime.combine(morning_day - timedelta(days=1), EVENING_BEFORE, tz)


def reminder_due(appointment: datetime, hours: int, tz: ZoneInfo, now: datetime) -> datetime | None:
    """When the `hours`-before reminder goes, or None if that moment is already past."""
    due = out_of_quiet_hours(appointment - timedelta(hours=hours), appointment, tz)
    return due if due > now else None


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


# --- preparing (just before sending) --------------------------------------------------------


def _clinic(session: Session) -> ClinicInfo:
    clinic = session.execute(select(ClinicInfo).limit(1)).scalar_one_or_none()
    if clinic is None:
        raise RuntimeError("no clinic details in the store; run `clinic knowledge load`")
    return clinic


def _when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def _relative_day(moment: datetime, tz: ZoneInfo, now: datetime) -> str:
    days = (moment.astimezone(tz).date() - now.astimezone(tz).date()).days
    return {0: "today", 1: "tomorrow"}.get(days, "")


def _treatment_name(session: Session, booking: Booking) -> str:
    name = session.execute(
        select(Treatment.name).where(Treatment.key == booking.treatment_key)
    ).scalar_one_or_none()
    return name or "facial acupuncture session"


def _greeting(booking: Booking) -> str:
    first = (booking.client_name or "").split()
    return f"Hi {first[0]}," if first else "Hello,"


def prepare_booking_message(session: Session, message: Claimed, now: datetime) -> Prepared:
    from bot.outbox.sender import Defer, Obsolete, Send

    booking = session.get(Booking, message.booking_id) if message.booking_id else None
    if booking is None:
        return Obsolete("booking_gone")
    sequence = (message.body or {}).get("sequence", 0)
    clinic = _clinic(session)
    tz = ZoneInfo(clinic.timezone)
    if message.kind == BOOKING_CANCELLED:
        if booking.status != BookingStatus.CANCELLED:
            return Obsolete("not_cancelled")
    else:
        if booking.status != BookingStatus.CONFIRMED:
            return Obsolete("booking_cancelled")
        if booking.sequence != sequence:
            return Obsolete("booking_moved")
        if booking.starts_at <= now:
            return Obsolete("appointment_passed")
    if message.kind == REMINDER and in_quiet_hours(now, tz):
        later = out_of_quiet_hours(now, booking.starts_at, tz)
        if later <= now or later >= booking.starts_at:
            return Obsolete("quiet_hours_until_appointment")
        return Defer(later, "quiet_hours")
    return Send(render(session, booking, clinic, tz, message, now))


def render(
    session: Session,
    booking: Booking,
    clinic: ClinicInfo,
    tz: ZoneInfo,
    message: Claimed,
    now: datetime,
) -> dict[str, Any]:
    """The message for one channel, from the booking as it is now."""
    treatment = _treatment_name(session, booking)
    when = _when(booking.starts_at, tz)
    practitioner = booking.practitioner.name if booking.practitioner else "our practitioner"
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    details = (
        f"{treatment}: {when} with {practitioner} ({minutes} minutes)\n"
        f"Reference: {booking.ref}\n"
        f"Where: {clinic.name}, {clinic.address}"
    )
    phone = clinic.phone
    kind = message.kind
    body: dict[str, Any] = {"reply_to": clinic.email, "message_id": f"outbox-{message.id}"}
    if kind == BOOKING_CONFIRMATION:
        subject = f"Booking confirmed: {when} ({booking.ref})"
        text = (
            f"Your booking at {clinic.name} is confirmed.\n\n{details}\n\n"
            f"To move or cancel it, message us in the chat or call {phone}."
        )
        template = "booking_confirmation"
    elif kind == BOOKING_MOVED:
        subject = f"Booking moved: now {when} ({booking.ref})"
        text = (
            f"Your booking at {clinic.name} has been moved.\n\n{details}\n\n"
            f"To change it again, message us in the chat or call {phone}."
        )
        template = "booking_moved"
    elif kind == BOOKING_CANCELLED:
        subject = f"Booking cancelled: {when} ({booking.ref})"
        text = (
            f"Your booking {booking.ref} at {clinic.name} on {when} is cancelled. "
            f"We hope to see you another time - to book again, message us or call {phone}."
        )
        template = "booking_cancelled"
    else:
        day = _relative_day(booking.starts_at, tz, now)
        subject = f"Reminder: {when} ({booking.ref})"
        text = (
            f"Reminder: your {treatment} at {clinic.name} is {day + ', ' if day else ''}"
            f"{when}, with {practitioner}.\nReference: {booking.ref}\n"
            f"Where: {clinic.address}\n\n"
            + (
                # Chat channels show the buttons (WhatsApp and Telegram as "1. Keep it"...).
                "What would you like to do?"
                if message.channel != "email"
                else "Reply in our chat with 1 to keep it, 2 to move it or 3 to cancel it"
                f" - or call us on {phone}."
            )
        )
        template = "reminder"
        if message.channel != "email":
            body["buttons"] = REMINDER_BUTTONS
    if message.channel == "email":
        text = f"{_greeting(booking)}\n\n{text}\n\n{clinic.name}\n{clinic.address}\n{phone}"
    body.update(
        text=text,
        subject=subject,
        # WhatsApp outside the 24-hour window: the approved template and its variables.
        template={"name": template, "variables": {"1": when, "2": booking.ref}},
    )
    active_at = (message.body or {}).get("active_at")
    if active_at:
        body["active_at"] = active_at
    if message.channel == "email" and kind != REMINDER:
        method = "CANCEL" if kind == BOOKING_CANCELLED else "REQUEST"
        body["attachments"] = [
            {
                "filename": "cancel.ics" if method == "CANCEL" else "invite.ics",
                "content_type": content_type(method),
                "data": booking_ics(session, booking, clinic, tz, method, now),
            }
        ]
    if message.channel == "widget" and kind in (BOOKING_CONFIRMATION, BOOKING_MOVED):
        body["link"] = {"title": "Add to calendar", "url": calendar_link(booking, now)}
    return body


def booking_ics(
    session: Session,
    booking: Booking,
    clinic: ClinicInfo,
    tz: ZoneInfo,
    method: str,
    now: datetime,
) -> str:
    practitioner = booking.practitioner.name if booking.practitioner else ""
    event = CalendarEvent(
        uid=booking_uid(booking.ref, clinic.email),
        sequence=booking.sequence or 0,
        start=booking.starts_at,
        end=booking.ends_at,
        summary=f"{_treatment_name(session, booking)} - {clinic.name}",
        location=f"{clinic.name}, {clinic.address}",
        description=(
            f"Reference {booking.ref}"
            + (f", with {practitioner}" if practitioner else "")
            + f". To move or cancel: {clinic.phone}."
        ),
        organizer_email=clinic.email,
        organizer_name=clinic.name,
        cancelled=booking.status == BookingStatus.CANCELLED,
        attendee_email=booking.email,
    )
    return build_ics(event, tz, method, now)


def calendar_link(booking: Booking, now: datetime) -> str:
    """A signed link to the booking's .ics, valid until the appointment is over."""
    from bot.outbox.signing import sign_calendar_token
    from bot.settings import get_settings

    expires = max(booking.ends_at, now + timedelta(days=1))
    token = sign_calendar_token(booking.id, int(expires.timestamp()))
    return f"{get_settings().public_base_url}/webhooks/widget/calendar/{token}.ics"


def calendar_file(session: Session, booking_id: int, now: datetime | None = None) -> str | None:
    """The .ics a calendar link downloads (METHOD:PUBLISH), or None if there is no booking."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        return None
    clinic = _clinic(session)
    now = now or datetime.now(timezone.utc)
    return booking_ics(session, booking, clinic, ZoneInfo(clinic.timezone), "PUBLISH", now)


BOOKING_PREPARERS = {kind: prepare_booking_message for kind in BOOKING_KINDS}
