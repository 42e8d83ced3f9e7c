"""Preparing a booking message just before it is sent: is it still wanted, may it go now
(quiet hours), and its text, .ics and calendar link from the booking as it is now.

Rows hold ids and a version only; names, times and addresses are read here, so an erased
booking has nothing left to send. Planning the rows is bot.outbox.bookings.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox import (
    BOOKING_CANCELLED,
    BOOKING_CONFIRMATION,
    BOOKING_MOVED,
    REMINDER,
)
from bot.outbox.calendar import CalendarEvent, booking_uid, build_ics, content_type
from bot.outbox.preparing import Claimed, Defer, Obsolete, Prepared, Send
from bot.outbox.quiet_hours import in_quiet_hours, out_of_quiet_hours
from bot.store.models import Booking, BookingStatus, ClinicInfo, Treatment

REMINDER_BUTTONS = [
    {"title": "Keep it", "payload": "1"},
    {"title": "Move it", "payload": "2"},
    {"title": "Cancel it", "payload": "3"},
]
BOOKING_KINDS = (BOOKING_CONFIRMATION, BOOKING_MOVED, BOOKING_CANCELLED, REMINDER)


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
