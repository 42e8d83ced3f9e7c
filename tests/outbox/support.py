"""What the outbox tests share: a fixed clock, a booking service on it, the clinic's details
read from the knowledge files, and a sender over real transports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import yaml
from icalendar import Calendar
from sqlalchemy import select

from bot.booking.contact import Contact
from bot.booking.service import BookingRequest, BookingService
from bot.outbox.sender import Backoff, Sender
from bot.outbox.transports import Transports
from bot.outbox.transports.email import EmailTransport
from bot.store.models import OutboxMessage
from bot.store.session import session_scope
from tests.stores import KNOWLEDGE_DIR

CLINIC = yaml.safe_load((KNOWLEDGE_DIR / "clinic.yml").read_text())["clinic"]
TZ = ZoneInfo(CLINIC["timezone"])
# Wednesday 25 November 2026, 10:00 at the clinic.
START = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
SENDER_ADDRESS = "Still Water <bookings@clinic.example>"


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = START.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(timezone.utc)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    """A booking service and a sender sharing one store and one clock."""

    url: str
    clock: Clock = field(default_factory=Clock)
    reminder_hours: tuple[int, ...] = (24,)

    @property
    def service(self) -> BookingService:
        return BookingService(self.url, clock=self.clock, reminder_hours=self.reminder_hours)

    def book(
        self,
        day: datetime,
        email: str | None = "sam@example.org",
        phone: str | None = None,
        channel: str = "rest",
        sender_id: str | None = "rest:sam",
        index: int = 0,
    ):
        svc = self.service
        slot = svc.suggest(day.replace(hour=0), day.replace(hour=23, minute=59)).slots[index]
        request = BookingRequest(
            "Sam Taylor", Contact(phone=phone, email=email), slot, True, channel, sender_id
        )
        return svc.book(request), slot

    def free_slot(self, day: datetime, index: int = 0):
        return self.service.suggest(day.replace(hour=0), day.replace(hour=23, minute=59)).slots[
            index
        ]

    def sender(self, transports: Transports, **options) -> Sender:
        options.setdefault("backoff", Backoff(base=timedelta(seconds=30), jitter=0.0))
        return Sender(transports, self.url, clock=self.clock, **options)

    def rows(self, **where) -> list[OutboxMessage]:
        with session_scope(self.url) as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            for name, value in where.items():
                query = query.where(getattr(OutboxMessage, name) == value)
            return list(session.execute(query).scalars())


def email_transports(port: int) -> Transports:
    return Transports({"email": EmailTransport("127.0.0.1", port, SENDER_ADDRESS, timeout=5)})


def calendar_of(message) -> tuple[Calendar, str]:
    """The invitation of an email: the parsed calendar and its part's `method` parameter."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_content()), part.get_param("method")
    raise AssertionError("no text/calendar part in the email")


def event_of(calendar: Calendar):
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return events[0]
