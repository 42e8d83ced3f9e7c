"""Handoff notifications to the front desk go through the outbox: sent exactly once.

A real SMTP server (aiosmtpd) that refuses the first attempt with a temporary error;
the outbox sender retries. Two processes that notify and send at the same time on
PostgreSQL still deliver each notification once.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.handoff import HandoffQueue
from bot.outbox.sender import Backoff, Sender
from bot.outbox.transports import Transports
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.store.models import OutboxMessage
from bot.store.session import session_scope
from tests.servers import free_port

FRONT_DESK = "frontdesk@stillwater.example"
NO_WAIT = Backoff(base=timedelta(0), jitter=0.0)


class FlakySmtp:
    """Accepts mail, except that the first `refuse` attempts get 451 (try again later)."""

    def __init__(self, refuse: int = 1) -> None:
        self.refuse = refuse
        self.received: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.received.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[FlakySmtp, int]]:
    handler = FlakySmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_FROM": "assistant@stillwater.example",
        "FRONT_DESK_EMAIL": FRONT_DESK,
    }


@pytest.fixture
def notifying(smtp, use_settings) -> tuple[FlakySmtp, Settings]:
    handler, port = smtp
    return handler, use_settings(**smtp_env(port))


def transcript() -> list[dict[str, str]]:
    return [{"from": "client", "text": "can I speak to a person please, it's Sam"}]


def test_a_failed_send_is_retried_and_the_front_desk_gets_one_email(
    store_url: str, notifying
) -> None:
    handler, settings = notifying
    handoff = HandoffQueue(store_url).open("widget", "widget-1", transcript(), "07911 123456")
    sender = Sender(Transports.from_settings(settings), store_url, backoff=NO_WAIT)

    first = sender.run_once()
    assert first.counts == {"retry": 1} and handler.received == []  # 451: kept, not lost
    sender.drain()
    sender.drain()  # nothing left to send twice

    assert len(handler.received) == 1
    mail = handler.received[0]
    assert mail["To"] == FRONT_DESK and f"request {handoff.id}" in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    assert f"/inbox/{handoff.id}" in body
    # Where to look, never who is waiting: no contact, no name, no message in the email.
    for private in ("07911", "123456", "Sam", "speak to a person"):
        assert private not in body and private not in mail["Subject"]
    with session_scope(store_url) as session:
        rows = session.execute(
            select(OutboxMessage).where(OutboxMessage.handoff_id == handoff.id)
        ).scalars().all()
        assert [(r.kind, r.status.value, r.attempts) for r in rows] == [
            ("handoff_notify_email", "sent", 2)
        ]


def test_the_handoff_stays_when_email_is_not_configured(store_url: str) -> None:
    handoff = HandoffQueue(store_url).open("rest", "rest-1", transcript())
    assert [h.id for h in HandoffQueue(store_url).list(only_open=True)] == [handoff.id]
    with session_scope(store_url) as session:
        assert session.execute(select(OutboxMessage)).first() is None


WORKER = textwrap.dedent(
    """
    import sys, time
    from datetime import timedelta
    from pathlib import Path
    from bot.handoff import notify_front_desk
    from bot.outbox.sender import Backoff, Sender
    from bot.outbox.transports import Transports
    from bot.store.models import HandoffRequest
    from bot.store.session import session_scope

    url, go, ids = sys.argv[1], Path(sys.argv[2]), [int(i) for i in sys.argv[3:]]
    while not go.exists():
        time.sleep(0.01)
    # Both processes notify every request again (a retry after a crash would) and send.
    for handoff_id in ids:
        with session_scope(url) as session:
            notify_front_desk(session, session.get(HandoffRequest, handoff_id))
    sender = Sender(Transports.from_settings(), url, backoff=Backoff(base=timedelta(0), jitter=0))
    for _ in range(5):
        sender.drain()
        time.sleep(0.05)
    """
)


@pytest.mark.servers  # two outbox sender processes
def test_two_processes_notify_and_send_each_request_exactly_once(
    postgres_url: str, notifying, tmp_path: Path
) -> None:
    handler, settings = notifying
    handler.refuse = 2
    queue = HandoffQueue(postgres_url)
    ids = [queue.open("widget", f"widget-{n}", transcript()).id for n in range(6)]
    go = tmp_path / "go"
    env = {
        **dict(__import__("os").environ),
        **smtp_env(settings.smtp_port),
        "DATABASE_URL": postgres_url,
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, postgres_url, str(go), *map(str, ids)],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    go.touch()
    outputs = [worker.communicate(timeout=120)[0].decode() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    subjects = sorted(mail["Subject"] for mail in handler.received)
    assert subjects == sorted(f"A client is waiting (request {i})" for i in ids)
    with session_scope(postgres_url) as session:
        statuses = session.execute(select(OutboxMessage.status)).scalars().all()
    assert len(statuses) == len(ids) and {s.value for s in statuses} == {"sent"}


def test_notifications_name_the_console_address(store_url: str, notifying, use_settings) -> None:
    use_settings(CONSOLE_PUBLIC_URL="https://desk.stillwater.example")
    handoff = HandoffQueue(store_url).open("telegram", "telegram:42", transcript())
    with session_scope(store_url) as session:
        body = session.execute(select(OutboxMessage.body)).scalar_one()
    assert f"https://desk.stillwater.example/inbox/{handoff.id}" in body["text"]
    assert dataclasses.asdict(get_settings())["console_public_url"].startswith("https://")
