"""The .ics of a booking (icalendar): one event, a stable UID, SEQUENCE per version.

METHOD:REQUEST (booked or moved) and METHOD:CANCEL (cancelled) for email, so calendars
update the one event; METHOD:PUBLISH for the "Add to calendar" download. Times are in the
clinic's time zone with its VTIMEZONE, so the event shows at the right hour wherever the
client's calendar is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Still Water clinic assistant//Bookings//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    start: datetime  # aware
    end: datetime
    summary: str
    location: str
    description: str
    organizer_email: str
    organizer_name: str
    cancelled: bool = False
    attendee_email: str | None = None


def booking_uid(ref: str, clinic_email: str) -> str:
    """One UID per booking for its whole life: the reference at the clinic's mail domain."""
    domain = clinic_email.rpartition("@")[2] or "clinic.invalid"
    return f"{ref.lower()}@{domain}"


def content_type(method: str) -> str:
    return f"text/calendar; charset=utf-8; method={method}"


def build_ics(event: CalendarEvent, tz: ZoneInfo, method: str, now: datetime) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    item = Event()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", now)
    item.add("dtstart", event.start.astimezone(tz))
    item.add("dtend", event.end.astimezone(tz))
    item.add("summary", event.summary)
    item.add("location", event.location)
    item.add("description", event.description)
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    item.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{event.organizer_email}")
    organizer.params["cn"] = vText(event.organizer_name)
    item.add("organizer", organizer)
    if event.attendee_email and method != "PUBLISH":
        attendee = vCalAddress(f"mailto:{event.attendee_email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        item.add("attendee", attendee)
    calendar.add_component(item)
    # VTIMEZONE for the clinic's zone, made from the tz database by icalendar.
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
