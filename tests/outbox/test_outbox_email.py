"""Confirmation emails through a real SMTP server (aiosmtpd), with the .ics parsed back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.outbox import BOOKING_CONFIRMATION, REMINDER
from tests.outbox.smtp_server import SmtpServer
from tests.outbox.support import (
    CLINIC,
    SENDER_ADDRESS,
    START,
    Desk,
    calendar_of,
    email_transports,
    event_of,
)

FRIDAY = START + timedelta(days=2)  # Friday 27 November
MONDAY = START + timedelta(days=5)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def desk(store_url) -> Desk:
    return Desk(store_url)


def test_a_booking_sends_one_email_with_a_calendar_invitation(desk, smtp):
    record, slot = desk.book(FRIDAY, email="Sam@Example.org")

    outcome = desk.sender(email_transports(smtp.port)).drain()

    assert outcome.counts == {"sent": 1}  # the confirmation; the reminder is not due yet
    [message] = smtp.inbox.wait_for(1)
    assert message["To"] == record.email  # as stored (the domain may be normalised)
    assert record.email.lower() == "sam@example.org"
    assert message["From"] == SENDER_ADDRESS
    assert message["Message-ID"].endswith("@clinic.example>")  # stable per row, see faults
    assert record.ref in message["Subject"]
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert record.ref in plain and CLINIC["address"] in plain and CLINIC["phone"] in plain
    calendar, method_param = calendar_of(message)
    assert str(calendar["METHOD"]) == "REQUEST" == method_param.upper()
    event = event_of(calendar)
    assert record.ref.lower() in str(event["UID"])
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == slot.start and event.decoded("DTEND") == slot.end
    assert str(event.decoded("DTSTART").tzinfo) == CLINIC["timezone"]
    assert event["DTSTART"].params["TZID"] == CLINIC["timezone"]
    [vtimezone] = [c for c in calendar.walk() if c.name == "VTIMEZONE"]
    assert str(vtimezone["TZID"]) == CLINIC["timezone"]
    assert CLINIC["address"] in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert "invite.ics" in attachments


def test_a_move_updates_the_same_event_with_the_next_sequence(desk, smtp):
    record, _ = desk.book(FRIDAY)
    sender = desk.sender(email_transports(smtp.port))
    sender.drain()
    new_slot = desk.free_slot(MONDAY)

    desk.service.reschedule(record.ref, "sam@example.org", new_slot)
    sender.drain()

    first, moved = smtp.inbox.wait_for(2)
    before, after = event_of(calendar_of(first)[0]), event_of(calendar_of(moved)[0])
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert str(calendar_of(moved)[0]["METHOD"]) == "REQUEST"
    assert after.decoded("DTSTART") == new_slot.start
    assert "moved" in moved["Subject"].lower()


def test_a_cancellation_sends_method_cancel_for_the_same_event(desk, smtp):
    record, _ = desk.book(FRIDAY)
    sender = desk.sender(email_transports(smtp.port))
    sender.drain()

    desk.service.cancel(record.ref, "sam@example.org")
    sender.drain()

    first, cancelled = smtp.inbox.wait_for(2)
    calendar, method_param = calendar_of(cancelled)
    event = event_of(calendar)
    assert str(calendar["METHOD"]) == "CANCEL" == method_param.upper()
    assert event["UID"] == event_of(calendar_of(first)[0])["UID"]
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert desk.rows(kind=REMINDER)[0].status.value == "obsolete"


def test_no_email_address_no_email(desk, smtp):
    desk.book(FRIDAY, email=None, phone="+447911123456")

    assert desk.sender(email_transports(smtp.port)).drain().counts == {}
    assert smtp.inbox.messages == []


def test_smtp_down_is_retried_with_backoff_then_sent_once(desk):
    smtp = SmtpServer()  # not started: connections are refused
    desk.book(FRIDAY)
    sender = desk.sender(email_transports(smtp.port))

    assert sender.run_once().counts == {"retry": 1}
    [row] = desk.rows(kind=BOOKING_CONFIRMATION)
    assert row.status.value == "pending" and row.attempts == 1
    assert row.last_error.startswith("smtp_")
    assert row.due_at == desk.clock() + timedelta(seconds=30)  # base backoff
    assert sender.run_once().counts == {}  # not due again yet
    desk.clock.advance(seconds=30)
    assert sender.run_once().counts == {"retry": 1}
    assert desk.rows(kind=BOOKING_CONFIRMATION)[0].due_at == desk.clock() + timedelta(seconds=60)

    smtp.start()
    try:
        desk.clock.advance(seconds=60)
        assert sender.drain().counts == {"sent": 1}
        assert sender.drain().counts == {}
        assert len(smtp.inbox.wait_for(1)) == 1
    finally:
        smtp.stop()
    [row] = desk.rows(kind=BOOKING_CONFIRMATION)
    assert row.status.value == "sent" and row.attempts == 3


def test_after_the_last_attempt_the_message_is_failed_and_listed_for_staff(
    desk, use_settings, capsys
):
    from bot import cli

    record, _ = desk.book(FRIDAY)
    sender = desk.sender(email_transports(SmtpServer().port), max_attempts=2)
    sender.run_once()
    desk.clock.advance(minutes=5)
    assert sender.run_once().counts == {"failed": 1}
    desk.clock.advance(hours=5)
    assert sender.run_once().counts == {}

    use_settings(DATABASE_URL=desk.url)
    capsys.readouterr()
    assert cli.main(["outbox", "list", "--failed"]) == 0
    listed = capsys.readouterr().out
    assert record.ref in listed and "booking_confirmation" in listed and "failed" in listed
    assert "sam@example.org" not in listed  # no addresses in the listing
    [failed] = desk.rows(status="failed")
    assert cli.main(["outbox", "retry", str(failed.id)]) == 0
    assert desk.rows(id=failed.id)[0].status.value == "pending"
