"""When reminders go, on a fixed clock: REMINDER_HOURS before, never in quiet hours, never
after a cancellation, planned again after a move."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import update

from bot.outbox import BOOKING_CONFIRMATION, REMINDER
from bot.outbox.bookings import QUIET_END, QUIET_START, out_of_quiet_hours, reminder_due
from bot.outbox.transports import Delivery, Transports
from bot.store.models import Booking, BookingStatus
from bot.store.session import session_scope
from tests.outbox.support import START, TZ, Desk

FRIDAY = START + timedelta(days=2)
MONDAY = START + timedelta(days=5)


class Recorder:
    """A transport for the `email` channel that records what it was given (the clock tests
    are about *when*; test_outbox_email.py sends through real SMTP)."""

    channel = "email"

    def __init__(self, clock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, str, dict]] = []

    def send(self, recipient, body) -> Delivery:
        self.sent.append((self.clock(), recipient, dict(body)))
        return Delivery.sent()


@pytest.fixture
def desk(store_url) -> Desk:
    return Desk(store_url)


def run_until(desk: Desk, sender, end: datetime, step=timedelta(minutes=5)) -> None:
    """Run the sender every `step` of clock time until `end`."""
    while desk.clock() < end:
        sender.run_once()
        desk.clock.advance(seconds=step.total_seconds())


def reminders_sent(recorder: Recorder) -> list[datetime]:
    return [at for at, _, body in recorder.sent if body["subject"].startswith("Reminder")]


def test_a_reminder_is_due_exactly_24_hours_before(desk):
    record, slot = desk.book(FRIDAY)

    [reminder] = desk.rows(kind=REMINDER)

    assert reminder.due_at == slot.start - timedelta(hours=24)
    assert reminder.channel == "email" and reminder.status.value == "pending"
    recorder = Recorder(desk.clock)
    sender = desk.sender(Transports({"email": recorder}))
    desk.clock.set(reminder.due_at - timedelta(seconds=1))
    sender.drain()
    assert reminders_sent(recorder) == []
    desk.clock.set(reminder.due_at)
    sender.drain()
    assert reminders_sent(recorder) == [slot.start - timedelta(hours=24)]
    assert record.ref in recorder.sent[-1][2]["text"]


def test_several_reminder_hours(store_url):
    desk = Desk(store_url, reminder_hours=(24, 2))
    _, slot = desk.book(FRIDAY, index=2)  # not the first slot of the day: 2 h before is open

    dues = sorted(row.due_at for row in desk.rows(kind=REMINDER))

    assert dues == [slot.start - timedelta(hours=24), slot.start - timedelta(hours=2)]


def test_no_reminder_is_ever_sent_in_quiet_hours(store_url):
    desk = Desk(store_url, reminder_hours=(24, 2))
    # The first slot of a Friday (opening time): 2 h before is in the quiet hours.
    _, slot = desk.book(FRIDAY, index=0)
    recorder = Recorder(desk.clock)
    sender = desk.sender(Transports({"email": recorder}))

    run_until(desk, sender, slot.start)

    sent = reminders_sent(recorder)
    assert len(sent) == 2
    for at in sent:
        local = at.astimezone(TZ).time()
        assert QUIET_END <= local < QUIET_START, at
    morning = slot.start - timedelta(hours=2)
    assert morning.astimezone(TZ).time() < QUIET_END  # the case this test is about
    assert sent[-1].astimezone(TZ).time() == QUIET_END and sent[-1] < slot.start


@pytest.mark.parametrize("hour", [21, 23, 0, 3, 7])
def test_quiet_hours_move_a_reminder_to_8am_or_the_evening_before(hour):
    due = datetime(2026, 11, 26, hour, 30, tzinfo=TZ)
    appointment_later = datetime(2026, 11, 27, 11, 0, tzinfo=TZ)
    appointment_early = datetime.combine(
        due.date() + timedelta(days=1 if hour >= 21 else 0), time(7, 45), TZ
    )

    moved = out_of_quiet_hours(due, appointment_later, TZ)
    assert moved.astimezone(TZ).time() == QUIET_END and moved > due
    early = out_of_quiet_hours(due, appointment_early, TZ)
    assert QUIET_END <= early.astimezone(TZ).time() < QUIET_START
    assert early < due and early < appointment_early


def test_a_reminder_whose_time_has_passed_is_not_planned():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=TZ)
    assert reminder_due(now + timedelta(hours=5), 24, TZ, now) is None
    assert reminder_due(now + timedelta(hours=30), 24, TZ, now) == now + timedelta(hours=6)


def test_no_reminder_after_a_cancellation(desk):
    record, slot = desk.book(FRIDAY)
    recorder = Recorder(desk.clock)
    sender = desk.sender(Transports({"email": recorder}))
    sender.drain()  # the confirmation goes at once

    desk.service.cancel(record.ref, "sam@example.org")
    run_until(desk, sender, slot.start + timedelta(hours=1), step=timedelta(minutes=30))

    assert reminders_sent(recorder) == []
    assert [row.status.value for row in desk.rows(kind=REMINDER)] == ["obsolete"]
    subjects = [body["subject"] for _, _, body in recorder.sent]
    assert [s.split(":")[0] for s in subjects] == ["Booking confirmed", "Booking cancelled"]


def test_a_cancellation_that_races_the_sender_is_still_caught_before_sending(desk):
    """Cancelled behind the outbox's back (no row touched): the sender checks the booking."""
    record, _ = desk.book(FRIDAY)
    [reminder] = desk.rows(kind=REMINDER)
    with session_scope(desk.url) as session:
        session.execute(
            update(Booking).where(Booking.ref == record.ref).values(status=BookingStatus.CANCELLED)
        )
    recorder = Recorder(desk.clock)
    desk.clock.set(reminder.due_at)

    desk.sender(Transports({"email": recorder})).drain()

    assert reminders_sent(recorder) == []
    assert desk.rows(kind=REMINDER)[0].status.value == "obsolete"


def test_a_move_plans_the_reminder_again(desk):
    record, slot = desk.book(FRIDAY)
    new_slot = desk.free_slot(MONDAY, index=1)
    recorder = Recorder(desk.clock)
    sender = desk.sender(Transports({"email": recorder}))

    desk.service.reschedule(record.ref, "sam@example.org", new_slot)
    run_until(desk, sender, new_slot.start, step=timedelta(minutes=30))

    old, new = desk.rows(kind=REMINDER)
    assert old.status.value == "obsolete" and old.body["sequence"] == 0
    assert new.body["sequence"] == 1 and new.status.value == "sent"
    assert new.due_at == new_slot.start - timedelta(hours=24)
    [sent_at] = reminders_sent(recorder)
    due = new_slot.start - timedelta(hours=24)
    assert due <= sent_at < due + timedelta(minutes=30)  # the next run of the sender
    # Moved before the sender ran: the superseded confirmation is never sent, only "moved".
    kinds = [row.status.value for row in desk.rows(kind=BOOKING_CONFIRMATION)]
    assert kinds == ["obsolete"]
