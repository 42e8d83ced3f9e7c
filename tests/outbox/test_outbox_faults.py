"""The outbox under faults, with real processes: a sender killed mid-send, two senders on
PostgreSQL sharing 100 bookings' confirmations (a real SMTP server counts what arrives)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.outbox import BOOKING_CONFIRMATION
from bot.settings import PROJECT_ROOT
from tests.outbox.smtp_server import SmtpServer
from tests.outbox.support import Clock, Desk

CLINIC_CMD = Path(sys.executable).parent / "clinic"

# Every test here runs outbox sender processes (servers without an HTTP route).
pytestmark = pytest.mark.servers


def real_clock() -> Clock:
    return Clock(datetime.now(timezone.utc))


def sender_env(url: str, smtp: SmtpServer) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_FROM": "bookings@clinic.example",
        "RASA_TELEMETRY_ENABLED": "false",
    }


def start_sender(env: dict, log: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CLINIC_CMD, "outbox", "run", "--poll", "0.2", *extra],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def wait_until(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.inbox.hold.set()
    server.stop()


def test_a_sender_killed_between_claim_and_mark_sends_exactly_once_after_restart(
    store_url, smtp, tmp_path
):
    desk = Desk(store_url, real_clock())
    record, _ = desk.book(datetime.now(timezone.utc) + timedelta(days=3))
    env = sender_env(store_url, smtp)
    smtp.inbox.hold.clear()  # the server keeps the sender waiting inside DATA

    first = start_sender(env, tmp_path / "sender.log", "--lease-seconds", "3")
    try:
        wait_until(smtp.inbox.waiting.is_set, what="the sender to reach the SMTP DATA step")
        [row] = desk.rows(kind=BOOKING_CONFIRMATION)
        assert row.status.value == "sending" and row.attempts == 1  # claimed, not marked
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    smtp.inbox.hold.set()  # the killed sender's message is answered 451 (not delivered)
    assert desk.rows(kind=BOOKING_CONFIRMATION)[0].status.value == "sending"

    second = start_sender(env, tmp_path / "sender.log", "--lease-seconds", "3")
    try:
        wait_until(lambda: len(smtp.inbox.messages) >= 1, what="the message after the restart")
        wait_until(
            lambda: desk.rows(kind=BOOKING_CONFIRMATION)[0].status.value == "sent",
            what="the row to be marked sent",
        )
        time.sleep(4)  # longer than a lease: nothing else may arrive
    finally:
        second.terminate()
        second.wait(timeout=30)

    assert len(smtp.inbox.messages) == 1
    assert record.ref in smtp.inbox.messages[0]["Subject"]
    [row] = desk.rows(kind=BOOKING_CONFIRMATION)
    assert row.status.value == "sent" and row.attempts == 2
    assert second.returncode == 0  # SIGTERM: finished cleanly
    log = (tmp_path / "sender.log").read_text()
    assert "sam@example.org" not in log and "Sam" not in log  # ids and statuses only


def test_killed_after_the_server_accepted_repeats_once_with_the_same_message_id(
    store_url, smtp, tmp_path
):
    """The window no outbox can close without the provider's help: the SMTP server said 250,
    the sender died before recording it. The repeat carries the same Message-ID (and .ics
    UID/SEQUENCE), so mail clients and calendars see one message, one event."""
    desk = Desk(store_url, real_clock())
    desk.book(datetime.now(timezone.utc) + timedelta(days=3))
    env = sender_env(store_url, smtp)
    script = textwrap.dedent(
        """
        import os, signal
        from datetime import timedelta
        from bot.outbox.sender import Sender
        from bot.outbox.transports import Transports

        def die(self, message, delivery):  # delivered, killed before marking it sent
            os.kill(os.getpid(), signal.SIGKILL)

        Sender._delivered = die
        Sender(Transports.from_settings(), lease=timedelta(seconds=2)).drain()
        """
    )
    dying = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env)
    assert dying.returncode == -signal.SIGKILL
    assert len(smtp.inbox.messages) == 1

    time.sleep(2.5)  # the lease runs out
    subprocess.run(
        [CLINIC_CMD, "outbox", "run", "--once"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )

    first, repeat = smtp.inbox.wait_for(2)
    assert first["Message-ID"] == repeat["Message-ID"]
    assert desk.rows(kind=BOOKING_CONFIRMATION)[0].status.value == "sent"


def book_many(desk: Desk, count: int) -> list[str]:
    """`count` bookings on the next free slots (one transaction each, like clients)."""
    from bot.booking.contact import Contact
    from bot.booking.service import BookingRequest

    svc = desk.service
    refs: list[str] = []
    day = datetime.now(timezone.utc).date() + timedelta(days=2)
    while len(refs) < count:
        for slot in svc.slots_on(day):
            if len(refs) == count:
                break
            n = len(refs)
            request = BookingRequest(
                f"Client {chr(65 + n // 26)}{chr(97 + n % 26)}",  # names have no digits
                Contact(phone=None, email=f"client{len(refs)}@example.org"),
                slot,
                True,
                "rest",
                f"rest:client-{len(refs)}",
            )
            refs.append(svc.book(request).ref)
        day += timedelta(days=1)
    return refs


def test_two_senders_on_postgresql_never_send_a_row_twice(postgres_url, smtp, tmp_path):
    desk = Desk(postgres_url, real_clock())
    refs = book_many(desk, 100)
    smtp.inbox.delay = 0.03  # each email takes a moment: the two senders overlap
    env = sender_env(postgres_url, smtp)

    senders = [
        subprocess.Popen(
            [CLINIC_CMD, "outbox", "run", "--once", "--batch", "5"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=300)[0] for sender in senders]

    assert [sender.returncode for sender in senders] == [0, 0], outputs
    messages = smtp.inbox.wait_for(100)
    ids = Counter(message["Message-ID"] for message in messages)
    assert len(messages) == 100 and len(ids) == 100  # every confirmation, none twice
    assert sorted(ref for m in messages for ref in refs if ref in m["Subject"]) == sorted(refs)
    summaries = [re.search(r"^Outbox: (\d+) sent", out, re.MULTILINE) for out in outputs]
    sent_by = [int(found.group(1)) if found else 0 for found in summaries]
    print(f"two senders on PostgreSQL: {sent_by[0]} + {sent_by[1]} of 100 confirmations")
    assert sum(sent_by) == 100 and all(sent_by), outputs  # both took part
    statuses = Counter(row.status.value for row in desk.rows(kind=BOOKING_CONFIRMATION))
    assert statuses == {"sent": 100}
