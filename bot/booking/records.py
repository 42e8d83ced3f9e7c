"""What the booking service takes and gives back, and the errors it raises (no store code)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, tzinfo
from typing import Any

from bot.booking.availability import Slot
from bot.booking.contact import Contact
from bot.store.models import Booking


class ConsentRequired(ValueError):
    """Contact details may only be stored with the client's consent."""


class SlotUnavailable(Exception):
    """The slot was taken (or is no longer bookable) by the time we tried to book it."""


class BookingNotFound(LookupError):
    """No booking matches (the same answer whether the ref or the contact was wrong)."""


class InvalidBookingRequest(ValueError):
    """A name, contact or id that the form would never have accepted (e.g. a forged slot)."""


def json_fields(record: Any) -> dict[str, Any]:
    """A flat dataclass as JSON-ready fields, in declaration order (datetimes as ISO text)."""
    values = {field.name: getattr(record, field.name) for field in fields(record)}
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in values.items()
    }


@dataclass(frozen=True)
class BookingRequest:
    name: str
    contact: Contact
    slot: Slot
    consent: bool
    channel: str
    sender_id: str | None = None


@dataclass(frozen=True)
class BookingRecord:
    """A booking as the assistant and the staff CLI show it (the `--json` fields)."""

    ref: str
    name: str | None
    phone: str | None
    email: str | None
    practitioner: str
    start: datetime
    end: datetime
    status: str
    channel: str
    created_at: datetime

    @classmethod
    def from_json(cls, data: dict) -> BookingRecord:
        return cls(
            **{
                **data,
                "start": datetime.fromisoformat(data["start"]),
                "end": datetime.fromisoformat(data["end"]),
                "created_at": datetime.fromisoformat(data["created_at"]),
            }
        )

    @classmethod
    def of(cls, booking: Booking, tz: tzinfo) -> BookingRecord:
        """The stored booking, its times in the clinic's time zone."""
        return cls(
            ref=booking.ref,
            name=booking.client_name,
            phone=booking.phone,
            email=booking.email,
            practitioner=booking.practitioner.name,
            start=booking.starts_at.astimezone(tz),
            end=booking.ends_at.astimezone(tz),
            status=booking.status.value,
            channel=booking.channel,
            created_at=booking.created_at,
        )

    def as_json(self) -> dict[str, str | None]:
        return json_fields(self)


@dataclass(frozen=True)
class Suggestion:
    slots: list[Slot]
    matches_wish: bool  # False: nothing free in the wished window, these are the next ones
