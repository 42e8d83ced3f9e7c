"""End to end over the real servers: a booking over REST fills the outbox; the sender sends
the confirmation and, at its time, the reminder; answering "2" starts the move. Also the
widget: a push reaches an open chat, and the "Add to calendar" link serves the .ics."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
import uuid

import pytest
import socketio
from icalendar import Calendar

from bot.outbox import BOOKING_CONFIRMATION, BOOKING_MOVED, REMINDER
from bot.outbox.signing import sign_calendar_token
from bot.outbox.transports.widget import HttpWidgetTransport, RedisWidgetTransport
from tests.outbox.smtp_server import SmtpServer
from tests.outbox.support import CLINIC, Clock, Desk, email_transports

# Every test here starts servers (see the marker in pyproject.toml).
pytestmark = pytest.mark.servers

SECRET = "e2e-outbox-secret-" + uuid.uuid4().hex
REDIS_URL = "redis://127.0.0.1:6379/0"


# How this module's assistant runs (the `served` fixture, tests/conftest.py). REDIS_URL: the
# widget's socket.io server takes pushes through Redis too (production).
SERVED = {"OUTBOX_SECRET": SECRET, "REDIS_URL": REDIS_URL}


@pytest.fixture
def same_secret(use_settings):
    """This test process signs with the servers' secret."""
    use_settings(OUTBOX_SECRET=SECRET)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


class Chat:
    def __init__(self, rasa_url: str, sender: str | None = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender or uuid.uuid4().hex

    def say(self, text: str) -> str:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return "\n".join(reply.get("text", "") for reply in json.loads(response.read()))


def book(chat: Chat) -> str:
    """Book a first session in free words, as a client would; the reference."""
    chat.say("hi, can I book a first session?")
    chat.say("it's Sam Taylor")
    chat.say("sam.taylor@example.org")
    chat.say("next friday afternoon")
    chat.say("1")
    chat.say("yes that's fine")
    confirmation = chat.say("yes")
    ref = re.search(r"FA-[0-9A-Z]{4}", confirmation)
    assert ref, confirmation
    return ref.group()


def test_book_then_answer_2_to_the_reminder_starts_the_move(rasa_url, served_store, smtp):
    chat = Chat(rasa_url)
    ref = book(chat)
    desk = Desk(served_store)

    [confirmation] = desk.rows(kind=BOOKING_CONFIRMATION)
    [reminder] = desk.rows(kind=REMINDER)
    assert confirmation.channel == reminder.channel == "email"
    assert confirmation.recipient == reminder.recipient == "sam.taylor@example.org"
    assert set(reminder.body) <= {"sequence", "hours", "active_at"}  # no personal data
    before = chat.say("2")  # no reminder sent yet: nothing for "2" to answer
    assert ref not in before and "another way" in before, before

    # The sender at the reminder's time: the confirmation and the reminder go out.
    desk.clock = Clock(reminder.due_at)
    assert desk.sender(email_transports(smtp.port)).drain().counts == {"sent": 2}
    confirmed, reminded = smtp.inbox.wait_for(2)
    assert ref in reminded["Subject"] and "Reminder" in reminded["Subject"]
    assert "2 to move it" in reminded.get_body(preferencelist=("plain",)).get_content()

    answer = chat.say("2")

    assert ref in answer and "when would suit you" in answer.lower(), answer
    offer = chat.say("next monday morning")
    assert "which suits you" in offer.lower(), offer
    summary = chat.say("1")
    done = chat.say("yes")
    assert ref in done and "now on" in done, (summary, done)
    assert [row.kind for row in desk.rows(status="pending")] == [BOOKING_MOVED, REMINDER]
    assert [r.status.value for r in desk.rows(kind=REMINDER)] == ["sent", "pending"]


def test_a_2_from_another_conversation_moves_nothing(rasa_url, served_store):
    reply = Chat(rasa_url).say("2")

    assert "FA-" not in reply and "another way" in reply


def push_to_open_chat(rasa_url: str, transport) -> list[dict]:
    """Open a widget chat (socket.io), push one message with `transport`, return what came."""
    session_id = uuid.uuid4().hex
    received: list[dict] = []

    async def scenario() -> None:
        client = socketio.AsyncClient()
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda *_: confirmed.set())
        client.on("bot_uttered", lambda data: received.append(data))
        await client.connect(rasa_url, socketio_path="/socket.io", transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": session_id})
            await asyncio.wait_for(confirmed.wait(), 10)
            body = {
                "text": "Your booking is confirmed.",
                "link": {"title": "Add to calendar", "url": "https://example.org/x.ics"},
                "buttons": [{"title": "Keep it", "payload": "1"}],
            }
            await asyncio.to_thread(transport.send, f"widget:{session_id}", body)
            for _ in range(100):
                if received:
                    break
                await asyncio.sleep(0.05)
        finally:
            await client.disconnect()

    asyncio.run(scenario())
    return received


@pytest.mark.parametrize("way", ["http", "redis"])
def test_the_widget_gets_a_push_in_its_open_chat(rasa_url, same_secret, way):
    transport = (
        HttpWidgetTransport(f"{rasa_url}/webhooks/widget/push")
        if way == "http"
        else RedisWidgetTransport(REDIS_URL)
    )

    [message] = push_to_open_chat(rasa_url, transport)

    assert message["text"].startswith("Your booking is confirmed.")
    assert "Add to calendar: https://example.org/x.ics" in message["text"]
    assert message["quick_replies"][0]["payload"] == "1"


def test_an_unsigned_push_is_refused(rasa_url):
    body = json.dumps({"session_id": uuid.uuid4().hex, "message": {"text": "hi"}}).encode()
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/widget/push",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Clinic-Timestamp": str(int(time.time())),
            "X-Clinic-Signature": "AAAA",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401


def test_the_calendar_link_serves_the_booking_and_only_with_a_valid_token(
    rasa_url, served_store, same_secret
):
    chat = Chat(rasa_url)
    ref = book(chat)
    desk = Desk(served_store)
    from sqlalchemy import select

    from bot.store.models import Booking
    from bot.store.session import session_scope

    with session_scope(served_store) as session:
        booking_id = session.execute(select(Booking.id).where(Booking.ref == ref)).scalar_one()
    token = sign_calendar_token(booking_id, int(time.time()) + 3600)
    url = f"{rasa_url}/webhooks/widget/calendar/{token}.ics"

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.read())
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert ref.lower() in str(event["UID"]) and CLINIC["address"] in str(event["LOCATION"])
    assert str(calendar["METHOD"]) == "PUBLISH"

    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered
        sign_calendar_token(booking_id, int(time.time()) - 1),  # expired
        ref,  # the reference is not a token
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{rasa_url}/webhooks/widget/calendar/{bad}.ics", timeout=10)
        assert refused.value.code == 404
    assert desk.rows(kind=BOOKING_CONFIRMATION)
