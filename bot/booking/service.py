"""Booking, rescheduling and cancelling first sessions: each write is one transaction.

The database has the last word on double booking (a unique index on confirmed
bookings per practitioner and start); the checks here only make the common
case friendly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.booking import availability
from bot.booking.availability import Slot
from bot.booking.contact import ContactError, parse_contact
from bot.booking.guesses import Asker, GuessLimiter, TooManyGuesses
from bot.booking.records import (
    BookingNotFound,
    BookingRecord,
    BookingRequest,
    ConsentRequired,
    InvalidBookingRequest,
    SlotUnavailable,
    Suggestion,
)
from bot.booking.refs import new_reference, normalise_reference
from bot.booking.requests import validated
from bot.outbox.bookings import plan_booking_messages
from bot.settings import get_settings
from bot.store.models import Booking, BookingStatus, ClinicInfo, Treatment
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import session_scope

# The records and errors live in bot.booking.records; importers of this module keep working.
__all__ = [
    "BookingNotFound",
    "BookingRecord",
    "BookingRequest",
    "BookingService",
    "ConsentRequired",
    "InvalidBookingRequest",
    "SlotUnavailable",
    "Suggestion",
]

SEARCH_AHEAD = timedelta(days=21)  # how far past a wish we look when it has nothing free
_REF_ATTEMPTS = 5

# Called inside a write's transaction with the booking just written (the front desk
# console records its audit row this way: the change and its audit commit together).
OnSaved = Callable[[Session, Booking], None]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _contact_matches(booking: Booking, contact_text: str, region: str) -> bool:
    try:
        given = parse_contact(contact_text, region)
    except ContactError:
        return False
    return bool(
        (given.phone and given.phone == booking.phone)
        or (given.email and booking.email and given.email.lower() == booking.email.lower())
    )


class BookingService:
    """Free slots and bookings in the store; `clock` is injectable for tests."""

    def __init__(
        self,
        database_url: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        reminder_hours: tuple[int, ...] | None = None,
    ) -> None:
        self.database_url = database_url
        self.clock = clock
        # REMINDER_HOURS unless given (tests); read on first use, not at import.
        self.reminder_hours = reminder_hours
        self._guesses: GuessLimiter | None = None

    @property
    def guesses(self) -> GuessLimiter:
        if self._guesses is None:  # settings are read on first use, not at import
            self._guesses = GuessLimiter(self.database_url, self.clock)
        return self._guesses

    def _session(self):
        return session_scope(self.database_url)

    # --- reading -------------------------------------------------------------------

    def timezone(self):
        with self._session() as session:
            return availability.clinic_timezone(session)

    def region(self) -> str:
        with self._session() as session:
            country = session.execute(select(ClinicInfo.country).limit(1)).scalar_one_or_none()
        if country is None:
            raise KnowledgeNotLoaded("no clinic details in the store; run `clinic knowledge load`")
        return country

    def suggest(
        self,
        earliest: datetime,
        latest: datetime,
        preferred: datetime | None = None,
        part_of_day: str | None = None,
        limit: int = 3,
        exclude: tuple[datetime, ...] = (),
    ) -> Suggestion:
        """Up to `limit` free slots for a wish; if none, the next free ones after it."""
        now = self.clock()
        with self._session() as session:
            schedule = availability.load_schedule(session, earliest, latest + SEARCH_AHEAD)

        def usable(slot: Slot) -> bool:
            return slot.start not in exclude and availability.in_part_of_day(slot, part_of_day)

        wished = [s for s in availability.free_slots(schedule, earliest, latest, now) if usable(s)]
        if wished:
            return Suggestion(availability.nearest(wished, preferred, limit), True)
        later = [
            s
            for s in availability.free_slots(schedule, latest, latest + SEARCH_AHEAD, now)
            if s.start not in exclude
        ]
        return Suggestion(availability.nearest(later, None, limit), False)

    def slots_on(self, day: date) -> list[Slot]:
        """Free slots of one day (for the staff CLI)."""
        with self._session() as session:
            tz = availability.clinic_timezone(session)
            start = datetime.combine(day, datetime.min.time(), tz)
            schedule = availability.load_schedule(session, start, start + timedelta(days=1))
        return availability.free_slots(schedule, start, start + timedelta(days=1), self.clock())

    def list_bookings(self, day: date | None = None) -> list[BookingRecord]:
        with self._session() as session:
            tz = availability.clinic_timezone(session)
            query = select(Booking).order_by(Booking.starts_at)
            if day is not None:
                start = datetime.combine(day, datetime.min.time(), tz)
                query = query.where(
                    Booking.starts_at >= start, Booking.starts_at < start + timedelta(days=1)
                )
            return [BookingRecord.of(b, tz) for b in session.execute(query).scalars()]

    def find(self, ref_text: str, contact_text: str, asker: Asker | None = None) -> BookingRecord:
        """The client's own confirmed booking: reference and contact must both match.

        With `asker` (every client-facing check) the guess limits apply: over them,
        TooManyGuesses is raised without checking the pair; the wrong pair that reaches
        them raises it too (instead of BookingNotFound).
        """
        region = self.region() if asker is not None else ""
        if asker is not None:
            self.guesses.check(asker, ref_text, contact_text, region)
        try:
            with self._session() as session:
                booking = self._owned_booking(session, ref_text, contact_text)
                return BookingRecord.of(booking, availability.clinic_timezone(session))
        except BookingNotFound:
            if asker is not None and self.guesses.failed(asker, ref_text, contact_text, region):
                raise TooManyGuesses("too many wrong reference and contact pairs") from None
            raise

    # --- writing -------------------------------------------------------------------

    def book(self, request: BookingRequest, on_saved: OnSaved | None = None) -> BookingRecord:
        """Save a booking in one transaction, or raise SlotUnavailable / ConsentRequired."""
        if not request.consent:
            raise ConsentRequired("the client has not agreed to us keeping their contact details")
        request = validated(request, self.region)
        for _ in range(_REF_ATTEMPTS):
            try:
                with self._session() as session:
                    self._check_still_free(session, request.slot)
                    booking = self._new_booking(session, request)
                    session.flush()
                    self._plan_messages(session, booking, "booked", request.sender_id)
                    if on_saved:
                        on_saved(session, booking)
                    return BookingRecord.of(booking, availability.clinic_timezone(session))
            except IntegrityError:
                if self._slot_taken(request.slot):
                    raise SlotUnavailable("the slot was booked by someone else") from None
                # Otherwise the random reference collided: try another one.
        raise RuntimeError("could not allocate a unique booking reference")

    def cancel(
        self, ref_text: str, contact_text: str, by_sender: str | None = None
    ) -> BookingRecord:
        """`by_sender`: the conversation asking (its channel may answer without a template)."""
        with self._session() as session:
            booking = self._owned_booking(session, ref_text, contact_text)
            self._mark_cancelled(booking)
            session.flush()
            self._plan_messages(session, booking, "cancelled", by_sender)
            return BookingRecord.of(booking, availability.clinic_timezone(session))

    def cancel_by_staff(self, ref_text: str, on_saved: OnSaved | None = None) -> BookingRecord:
        """Front-desk cancellation: no contact check (staff are trusted)."""
        ref = normalise_reference(ref_text)
        with self._session() as session:
            booking = session.execute(
                select(Booking).where(Booking.ref == ref, Booking.status == BookingStatus.CONFIRMED)
            ).scalar_one_or_none()
            if booking is None:
                raise BookingNotFound(f"no confirmed booking with reference {ref_text!r}")
            self._mark_cancelled(booking)
            session.flush()
            self._plan_messages(session, booking, "cancelled", None)
            if on_saved:
                on_saved(session, booking)
            return BookingRecord.of(booking, availability.clinic_timezone(session))

    def reschedule_by_staff(
        self, ref_text: str, slot: Slot, on_saved: OnSaved | None = None
    ) -> BookingRecord:
        """Front-desk move: no contact check; the same free-slot check and unique index."""
        ref = normalise_reference(ref_text)
        try:
            with self._session() as session:
                booking = session.execute(
                    select(Booking).where(
                        Booking.ref == ref, Booking.status == BookingStatus.CONFIRMED
                    )
                ).scalar_one_or_none()
                if booking is None:
                    raise BookingNotFound(f"no confirmed booking with reference {ref_text!r}")
                self._check_still_free(session, slot)
                self._move(booking, slot)
                session.flush()
                self._plan_messages(session, booking, "moved", None)
                if on_saved:
                    on_saved(session, booking)
                session.refresh(booking)
                return BookingRecord.of(booking, availability.clinic_timezone(session))
        except IntegrityError:
            raise SlotUnavailable("the slot was booked by someone else") from None

    def reschedule(
        self, ref_text: str, contact_text: str, slot: Slot, by_sender: str | None = None
    ) -> BookingRecord:
        try:
            with self._session() as session:
                booking = self._owned_booking(session, ref_text, contact_text)
                self._check_still_free(session, slot)
                self._move(booking, slot)
                session.flush()
                self._plan_messages(session, booking, "moved", by_sender)
                session.refresh(booking)
                return BookingRecord.of(booking, availability.clinic_timezone(session))
        except IntegrityError:
            raise SlotUnavailable("the slot was booked by someone else") from None

    # --- helpers -------------------------------------------------------------------

    def _owned_booking(self, session: Session, ref_text: str, contact_text: str) -> Booking:
        ref = normalise_reference(ref_text or "")
        booking = None
        if ref:
            booking = session.execute(
                select(Booking).where(Booking.ref == ref, Booking.status == BookingStatus.CONFIRMED)
            ).scalar_one_or_none()
        region = session.execute(select(ClinicInfo.country).limit(1)).scalar_one_or_none() or "GB"
        if booking is None or not _contact_matches(booking, contact_text, region):
            raise BookingNotFound("no booking matches that reference and contact")
        return booking

    def _check_still_free(self, session: Session, slot: Slot) -> None:
        schedule = availability.load_schedule(session, slot.start, slot.end)
        free = availability.free_slots(schedule, slot.start, slot.end, self.clock())
        if not any(
            s.start == slot.start and s.practitioner_id == slot.practitioner_id for s in free
        ):
            raise SlotUnavailable("the slot is no longer free")

    def _new_booking(self, session: Session, request: BookingRequest) -> Booking:
        first = session.execute(select(Treatment).where(Treatment.first_session)).scalar_one()
        now = self.clock()
        booking = Booking(
            ref=new_reference(),
            practitioner_id=request.slot.practitioner_id,
            treatment_key=first.key,
            starts_at=request.slot.start,
            ends_at=request.slot.end,
            status=BookingStatus.CONFIRMED,
            client_name=request.name,
            phone=request.contact.phone,
            email=request.contact.email,
            consent_at=now,
            channel=request.channel,
            sender_id=request.sender_id,
            created_at=now,
            updated_at=now,
        )
        session.add(booking)
        return booking

    def _mark_cancelled(self, booking: Booking) -> None:
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = self.clock()
        booking.sequence = (booking.sequence or 0) + 1  # calendars: a newer version

    def _move(self, booking: Booking, slot: Slot) -> None:
        booking.practitioner_id = slot.practitioner_id
        booking.starts_at, booking.ends_at = slot.start, slot.end
        booking.sequence = (booking.sequence or 0) + 1  # calendars update the same event

    def _plan_messages(
        self, session: Session, booking: Booking, event: str, by_sender: str | None
    ) -> None:
        """Confirmations and reminders for this change, in its transaction (bot/outbox)."""
        plan_booking_messages(
            session,
            booking,
            event,
            now=self.clock(),
            tz=availability.clinic_timezone(session),
            reminder_hours=self.reminder_hours or get_settings().reminder_hours,
            by_sender=by_sender,
        )

    def _slot_taken(self, slot: Slot) -> bool:
        with self._session() as session:
            return (
                session.execute(
                    select(Booking.id).where(
                        Booking.practitioner_id == slot.practitioner_id,
                        Booking.starts_at == slot.start,
                        Booking.status == BookingStatus.CONFIRMED,
                    )
                ).first()
                is not None
            )

