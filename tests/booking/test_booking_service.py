"""Booking in the real store: slots, consent, ownership checks and the double-booking race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.booking.contact import Contact
from bot.booking.service import (
    BookingNotFound,
    BookingRequest,
    BookingService,
    ConsentRequired,
    InvalidBookingRequest,
    SlotUnavailable,
)

LONDON = ZoneInfo("Europe/London")
# Wednesday 25 November 2026, 10:00 in Bristol.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
ANN = Contact(phone="+447911123456", email=None)


def service(url: str) -> BookingService:
    return BookingService(url, clock=lambda: NOW.astimezone(timezone.utc))


def friday_morning(svc: BookingService):
    start = datetime(2026, 11, 27, 9, 0, tzinfo=LONDON)
    return svc.suggest(start, start.replace(hour=12), part_of_day="morning")


def request(slot, name: str = "Ann O'Brien", contact: Contact = ANN, consent: bool = True):
    return BookingRequest(name, contact, slot, consent, channel="rest", sender_id="s1")


def test_suggests_up_to_three_free_slots_inside_the_wish(store_url):
    suggestion = friday_morning(service(store_url))

    assert suggestion.matches_wish
    assert 1 <= len(suggestion.slots) <= 3
    for slot in suggestion.slots:
        assert slot.start.weekday() == 4 and 9 <= slot.start.hour < 12
        assert slot.end - slot.start == timedelta(minutes=75)


def test_never_suggests_the_past_or_a_closed_day(store_url):
    svc = service(store_url)
    sunday = datetime(2026, 11, 29, 0, 0, tzinfo=LONDON)

    today = svc.suggest(NOW.replace(hour=0), NOW.replace(hour=23))
    closed = svc.suggest(sunday, sunday + timedelta(days=1))

    assert all(slot.start > NOW for slot in today.slots)
    assert not closed.matches_wish
    assert all(slot.start.weekday() != 6 for slot in closed.slots)


def test_booking_keeps_the_name_exactly_and_returns_a_reference(store_url):
    svc = service(store_url)
    slot = friday_morning(svc).slots[0]

    record = svc.book(request(slot, name="Zoë O'Brien-Nguyễn"))

    assert record.ref.startswith("FA-") and len(record.ref) == 7
    assert record.name == "Zoë O'Brien-Nguyễn"
    assert record.start == slot.start
    assert [b.ref for b in svc.list_bookings(slot.start.date())] == [record.ref]


def test_booking_without_consent_is_refused_and_stores_nothing(store_url):
    svc = service(store_url)
    slot = friday_morning(svc).slots[0]

    with pytest.raises(ConsentRequired):
        svc.book(request(slot, consent=False))

    assert svc.list_bookings() == []


def test_a_booked_slot_is_not_suggested_again(store_url):
    svc = service(store_url)
    slot = friday_morning(svc).slots[0]
    svc.book(request(slot))

    again = friday_morning(svc)

    assert all(
        (s.start, s.practitioner_id) != (slot.start, slot.practitioner_id) for s in again.slots
    )


def test_booking_a_taken_slot_raises_slot_unavailable(store_url):
    svc = service(store_url)
    slot = friday_morning(svc).slots[0]
    svc.book(request(slot))

    with pytest.raises(SlotUnavailable):
        svc.book(request(slot, name="Someone Else"))


def test_sql_and_html_in_a_name_are_refused_and_nothing_is_stored(store_url):
    # Names are plain text: the service re-checks them, whatever a slot says (issue 14, D4).
    svc = service(store_url)
    slot = friday_morning(svc).slots[0]
    name = "Robert'); DROP TABLE bookings;-- <b>"

    with pytest.raises(InvalidBookingRequest):
        svc.book(request(slot, name=name))

    assert svc.list_bookings() == []


def test_cancel_needs_the_matching_contact(store_url):
    svc = service(store_url)
    record = svc.book(request(friday_morning(svc).slots[0]))

    with pytest.raises(BookingNotFound):
        svc.cancel(record.ref, "07911 123457")
    with pytest.raises(BookingNotFound):
        svc.cancel("FA-0000", "07911 123456")
    cancelled = svc.cancel(record.ref.lower(), "07911 123456")

    assert cancelled.status == "cancelled"


def test_a_cancelled_slot_can_be_booked_again(store_url):
    svc = service(store_url)
    slot = friday_morning(svc).slots[0]
    first = svc.book(request(slot))
    svc.cancel_by_staff(first.ref)

    second = svc.book(request(slot, name="Bea"))

    assert second.ref != first.ref


def test_reschedule_moves_the_booking_to_the_new_slot(store_url):
    svc = service(store_url)
    slots = friday_morning(svc).slots
    record = svc.book(request(slots[0]))

    moved = svc.reschedule(record.ref, "+44 7911 123456", slots[1])

    assert moved.ref == record.ref
    assert moved.start == slots[1].start


def race(url: str, clients: int = 50) -> tuple[int, int]:
    svc = service(url)
    slot = friday_morning(svc).slots[0]

    def attempt(i: int) -> str:
        try:
            # Names are letters only (the service refuses digits): "Client bd" for 13.
            svc.book(request(slot, name="Client " + "".join(chr(97 + int(d)) for d in str(i))))
            return "booked"
        except SlotUnavailable:
            return "refused"

    with ThreadPoolExecutor(max_workers=clients) as pool:
        outcomes = list(pool.map(attempt, range(clients)))
    confirmed = [b for b in svc.list_bookings() if b.status == "confirmed"]
    assert len(confirmed) == 1
    return outcomes.count("booked"), outcomes.count("refused")


def test_fifty_clients_racing_for_one_slot_on_sqlite_get_one_booking(store_url):
    assert race(store_url) == (1, 49)


def test_fifty_clients_racing_for_one_slot_on_postgresql_get_one_booking(postgres_url):
    assert race(postgres_url) == (1, 49)
