"""The diary: bookings per day and practitioner, and the front desk's changes to it.

Changes go through bot.booking.service (the same free-slot check and the same unique
index as the assistant's own bookings); each one writes its audit row in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.booking import availability
from bot.booking.availability import Slot
from bot.booking.contact import Contact, clean_name, parse_contact
from bot.booking.service import BookingRecord, BookingRequest, BookingService
from bot.console import audit
from bot.store.models import Booking, Practitioner, utc_now
from bot.store.session import session_scope

PHONE_CHANNEL = "phone"


@dataclass(frozen=True)
class DiaryDay:
    day: date
    # practitioner name -> that day's bookings (confirmed first, by start)
    by_practitioner: dict[str, list[BookingRecord]]

    @property
    def count(self) -> int:
        return sum(
            1 for items in self.by_practitioner.values() for b in items if b.status == "confirmed"
        )


class Diary:
    def __init__(
        self,
        database_url: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database_url = database_url
        self.service = BookingService(database_url, clock)
        self.clock = clock

    def today(self) -> date:
        return self.clock().astimezone(self.service.timezone()).date()

    def practitioners(self) -> list[str]:
        with session_scope(self.database_url) as session:
            return list(
                session.execute(
                    select(Practitioner.name)
                    .where(Practitioner.active)
                    .order_by(Practitioner.name)
                ).scalars()
            )

    def days(self, first: date, count: int) -> list[DiaryDay]:
        names = self.practitioners()
        result = []
        for offset in range(count):
            day = first + timedelta(days=offset)
            grouped: dict[str, list[BookingRecord]] = {name: [] for name in names}
            for booking in self.service.list_bookings(day):
                grouped.setdefault(booking.practitioner, []).append(booking)
            for items in grouped.values():
                items.sort(key=lambda b: (b.status != "confirmed", b.start))
            result.append(DiaryDay(day, grouped))
        return result

    def booking(self, ref: str) -> BookingRecord | None:
        with session_scope(self.database_url) as session:
            row = session.execute(select(Booking).where(Booking.ref == ref)).scalar_one_or_none()
            if row is None:
                return None
            tz = availability.clinic_timezone(session)
        return next(
            (b for b in self.service.list_bookings(row.starts_at.astimezone(tz).date())
             if b.ref == ref),
            None,
        )

    def free_slots(self, day: date) -> list[Slot]:
        return self.service.slots_on(day)

    def find_slot(self, day: date, value: str) -> Slot | None:
        """A free slot of `day` from a form value made by `slot_value`."""
        return next((s for s in self.free_slots(day) if slot_value(s) == value), None)

    # --- changes (each with its audit row) -----------------------------------------

    def cancel(self, ref: str, staff_name: str) -> BookingRecord:
        def audited(session, booking: Booking) -> None:
            audit.record(
                session, staff_name, "booking_cancelled", booking.ref,
                start=booking.starts_at.isoformat(), practitioner_id=booking.practitioner_id,
            )

        return self.service.cancel_by_staff(ref, on_saved=audited)

    def move(self, ref: str, slot: Slot, staff_name: str) -> BookingRecord:
        before = self.booking(ref)

        def audited(session, booking: Booking) -> None:
            audit.record(
                session, staff_name, "booking_moved", booking.ref,
                old_start=before.start.isoformat() if before else None,
                old_practitioner=before.practitioner if before else None,
                new_start=slot.start.isoformat(), new_practitioner=slot.practitioner_name,
            )

        return self.service.reschedule_by_staff(ref, slot, on_saved=audited)

    def add_phone_booking(
        self, name: str, contact_text: str, slot: Slot, consent: bool, staff_name: str
    ) -> BookingRecord:
        """A booking taken on the phone; raises ContactError / ValueError / SlotUnavailable
        / ConsentRequired with a message for the form."""
        contact: Contact = parse_contact(contact_text, self.service.region())
        request = BookingRequest(
            name=clean_name(name),
            contact=contact,
            slot=slot,
            consent=consent,
            channel=PHONE_CHANNEL,
        )

        def audited(session, booking: Booking) -> None:
            audit.record(
                session, staff_name, "booking_added", booking.ref,
                start=booking.starts_at.isoformat(), practitioner=slot.practitioner_name,
                channel=PHONE_CHANNEL,
            )

        return self.service.book(request, on_saved=audited)


def slot_value(slot: Slot) -> str:
    """A free slot as a form value: practitioner id and start."""
    return f"{slot.practitioner_id}@{slot.start.isoformat()}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
