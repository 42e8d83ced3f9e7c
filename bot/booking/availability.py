"""Free appointment slots from practitioners' hours, opening hours and existing bookings.

Slots start on a fixed grid per practitioner and day (working-hours start plus
multiples of the session length), so two bookings for one practitioner can
only collide by having the same start - which the database forbids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import (
    Booking,
    BookingStatus,
    ClinicInfo,
    OpeningHours,
    Practitioner,
    Treatment,
)
from bot.store.queries import KnowledgeNotLoaded

# Part of day -> [from, to) local hours, as the wish parser names them.
PARTS_OF_DAY = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
MIN_NOTICE = timedelta(hours=2)  # nobody can be booked for a slot that starts in 5 minutes


@dataclass(frozen=True)
class Slot:
    practitioner_id: int
    practitioner_name: str
    start: datetime  # aware, clinic time zone
    end: datetime

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form, for keeping offered slots in a Rasa slot."""
        return {
            "practitioner_id": self.practitioner_id,
            "practitioner_name": self.practitioner_name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Slot:
        return cls(
            int(data["practitioner_id"]),
            str(data["practitioner_name"]),
            datetime.fromisoformat(data["start"]),
            datetime.fromisoformat(data["end"]),
        )


@dataclass(frozen=True)
class PractitionerHours:
    id: int
    name: str
    hours: dict[int, tuple[time, time]]  # weekday -> (starts, ends)


@dataclass(frozen=True)
class Schedule:
    """Everything slot finding needs, read from the store in one go."""

    timezone: ZoneInfo
    opening_hours: dict[int, tuple[time, time]]
    practitioners: tuple[PractitionerHours, ...]
    session_minutes: int
    # (practitioner_id, start, end) of confirmed bookings, aware UTC.
    booked: tuple[tuple[int, datetime, datetime], ...] = field(default=())


def day_slots(schedule: Schedule, day: date) -> list[Slot]:
    """All grid slots of a day, inside both working and opening hours, before bookings."""
    opening = schedule.opening_hours.get(day.weekday())
    if opening is None:
        return []
    length = timedelta(minutes=schedule.session_minutes)
    slots = []
    for practitioner in schedule.practitioners:
        hours = practitioner.hours.get(day.weekday())
        if hours is None:
            continue
        start = datetime.combine(day, hours[0], schedule.timezone)
        day_end = datetime.combine(day, min(hours[1], opening[1]), schedule.timezone)
        opens = datetime.combine(day, opening[0], schedule.timezone)
        while start + length <= day_end:
            if start >= opens:
                slots.append(Slot(practitioner.id, practitioner.name, start, start + length))
            start += length
    return sorted(slots, key=lambda slot: (slot.start, slot.practitioner_id))


def _overlaps_booking(slot: Slot, booked: Iterable[tuple[int, datetime, datetime]]) -> bool:
    return any(
        practitioner_id == slot.practitioner_id and start < slot.end and slot.start < end
        for practitioner_id, start, end in booked
    )


def free_slots(
    schedule: Schedule, earliest: datetime, latest: datetime, now: datetime
) -> list[Slot]:
    """Free slots starting in [earliest, latest), never sooner than now + MIN_NOTICE."""
    earliest = max(earliest, now + MIN_NOTICE)
    first_day = earliest.astimezone(schedule.timezone).date()
    last_day = latest.astimezone(schedule.timezone).date()
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        slots.extend(
            slot
            for slot in day_slots(schedule, day)
            if earliest <= slot.start < latest and not _overlaps_booking(slot, schedule.booked)
        )
        day += timedelta(days=1)
    return slots


def in_part_of_day(slot: Slot, part_of_day: str | None) -> bool:
    if part_of_day not in PARTS_OF_DAY:
        return True
    begin, end = PARTS_OF_DAY[part_of_day]
    return begin <= slot.start.hour < end


def nearest(slots: list[Slot], preferred: datetime | None, limit: int = 3) -> list[Slot]:
    """Up to `limit` slots with distinct start times, closest to `preferred` (or soonest)."""
    if preferred is not None:
        ordered = sorted(slots, key=lambda s: (abs(s.start - preferred), s.start))
    else:
        ordered = sorted(slots, key=lambda s: s.start)
    chosen: list[Slot] = []
    for slot in ordered:
        if all(slot.start != other.start for other in chosen):
            chosen.append(slot)
        if len(chosen) == limit:
            break
    return sorted(chosen, key=lambda s: s.start)


def load_schedule(session: Session, earliest: datetime, latest: datetime) -> Schedule:
    """Read hours, the first-session length and the bookings overlapping the window."""
    clinic = session.execute(select(ClinicInfo).limit(1)).scalar_one_or_none()
    first = session.execute(
        select(Treatment).where(Treatment.first_session)
    ).scalar_one_or_none()
    if clinic is None or first is None:
        raise KnowledgeNotLoaded("no clinic details in the store; run `clinic knowledge load`")
    opening = {
        row.weekday: (row.opens, row.closes)
        for row in session.execute(select(OpeningHours)).scalars()
    }
    practitioners = session.execute(
        select(Practitioner).where(Practitioner.active).order_by(Practitioner.id)
    ).scalars()
    hours = [
        PractitionerHours(p.id, p.name, {h.weekday: (h.starts, h.ends) for h in p.working_hours})
        for p in practitioners
    ]
    margin = timedelta(days=1)  # bookings that started the day before can still overlap
    booked = session.execute(
        select(Booking.practitioner_id, Booking.starts_at, Booking.ends_at).where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at < latest + margin,
            Booking.ends_at > earliest - margin,
        )
    ).all()
    return Schedule(
        timezone=ZoneInfo(clinic.timezone),
        opening_hours=opening,
        practitioners=tuple(hours),
        session_minutes=first.duration_minutes,
        booked=tuple((row[0], row[1], row[2]) for row in booked),
    )


def clinic_timezone(session: Session) -> ZoneInfo:
    name = session.execute(select(ClinicInfo.timezone).limit(1)).scalar_one_or_none()
    if name is None:
        raise KnowledgeNotLoaded("no clinic details in the store; run `clinic knowledge load`")
    return ZoneInfo(name)
