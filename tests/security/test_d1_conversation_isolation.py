"""D1 (high): the REST webhook could take over a WhatsApp or Telegram conversation.

Every channel now names its conversations "<channel>:<id>", so a REST client sending
`"sender": "whatsapp:+44..."` or `"sender": "5550001"` lands in a conversation of its own.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.booking.service import BookingService
from bot.channels.rest import GuardedRestInput
from bot.channels.telegram import SECRET_HEADER, TelegramInput, TelegramSettings
from bot.channels.whatsapp import WhatsAppInput, WhatsAppSettings
from bot.guard import MessageGuard
from tests.channel_server import ChannelApp
from tests.security.conftest import Stack, texts

VICTIM_PHONE = "+447911123459"
VICTIM_WHATSAPP = f"whatsapp:{VICTIM_PHONE}"
TELEGRAM_CHAT = 5550001
TWILIO_TOKEN = "security-test-twilio-token-0123456789"
PUBLIC_URL = "https://clinic.example.org"
TELEGRAM_SECRET = "security-test-telegram-secret"


def all_channels() -> ChannelApp:
    """REST, WhatsApp and Telegram on one app, as Rasa mounts them; the 'assistant'
    records which conversation each message went to (no replies: no platform calls)."""
    return ChannelApp(
        GuardedRestInput(MessageGuard()),
        WhatsAppInput(
            WhatsAppSettings("AC" + "0" * 32, TWILIO_TOKEN, "whatsapp:+14155238886", PUBLIC_URL),
            guard=MessageGuard(),
        ),
        TelegramInput(
            TelegramSettings("123456:TEST-token", TELEGRAM_SECRET, PUBLIC_URL),
            guard=MessageGuard(),
        ),
    )


def whatsapp_post(app: Sanic, text: str) -> int:
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": VICTIM_WHATSAPP,
        "To": "whatsapp:+14155238886",
        "Body": text,
        "NumMedia": "0",
    }
    path = "/webhooks/whatsapp/webhook"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + path, form)
    _, result = app.test_client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    return result.status


def telegram_post(app: Sanic, text: str) -> int:
    update = {
        "update_id": int(uuid.uuid4().int % 10**9),
        "message": {
            "message_id": 1,
            "date": 1790000000,
            "chat": {"id": TELEGRAM_CHAT, "type": "private"},
            "from": {"id": TELEGRAM_CHAT, "is_bot": False, "first_name": "Ann"},
            "text": text,
        },
    }
    _, result = app.test_client.post(
        "/webhooks/telegram/webhook",
        content=json.dumps(update),
        headers={SECRET_HEADER: TELEGRAM_SECRET, "Content-Type": "application/json"},
    )
    return result.status


def rest_post(app: Sanic, sender: str, text: str) -> int:
    _, result = app.test_client.post(
        "/webhooks/rest/webhook", content=json.dumps({"sender": sender, "message": text})
    )
    return result.status


def test_a_rest_sender_naming_a_whatsapp_or_telegram_client_gets_a_conversation_of_its_own():
    channels = all_channels()
    app, received = channels.app, channels.received

    assert whatsapp_post(app, "i'd like to book a first session") == 200
    assert telegram_post(app, "i'd like to book a first session") == 200
    assert rest_post(app, VICTIM_WHATSAPP, "ok") == 200
    assert rest_post(app, str(TELEGRAM_CHAT), "ok") == 200
    assert rest_post(app, f"telegram:{TELEGRAM_CHAT}", "ok") == 200

    conversations = [(m.input_channel, m.sender_id) for m in received]
    assert conversations == [
        ("whatsapp", VICTIM_WHATSAPP),
        ("telegram", f"telegram:{TELEGRAM_CHAT}"),
        ("rest", f"rest:{VICTIM_WHATSAPP}"),
        ("rest", f"rest:{TELEGRAM_CHAT}"),
        ("rest", f"rest:telegram:{TELEGRAM_CHAT}"),
    ]
    whatsapp_and_telegram = {sender for channel, sender in conversations if channel != "rest"}
    rest = {sender for channel, sender in conversations if channel == "rest"}
    assert not whatsapp_and_telegram & rest


@pytest.mark.servers
def test_a_rest_client_naming_a_whatsapp_number_books_nothing_in_that_conversation(stack: Stack):
    """Through the real servers: the booking made over REST with the victim's WhatsApp id
    belongs to a REST conversation, and the WhatsApp conversation never heard of it."""
    sender = VICTIM_WHATSAPP
    steps = [
        ("I'd like to book a first session", "name"),
        ("Sam Carter", "phone number or email"),
        ("07911 123459", "When would suit you"),
        ("next friday afternoon", ""),
        ("1", "Is that okay?"),
        ("/affirm", "Sam Carter"),
    ]
    for message, expected in steps:
        status, replies = stack.rest(sender, message)
        assert status == 200 and expected in texts(replies), (message, replies)
    status, replies = stack.rest(sender, "/affirm")
    ref = re.search(r"FA-[0-9A-Z]{4}", texts(replies))
    assert ref, replies

    [booking] = [
        b for b in BookingService(stack.store_url).list_bookings() if b.ref == ref.group()
    ]
    assert booking.channel == "rest"
    # The stored conversation is the REST one, never the WhatsApp client's.
    from sqlalchemy import create_engine, text

    engine = create_engine(stack.store_url, future=True)
    with engine.connect() as connection:
        stored_sender = connection.execute(
            text("SELECT sender_id FROM bookings WHERE ref = :ref"), {"ref": ref.group()}
        ).scalar_one()
    engine.dispose()
    assert stored_sender == f"rest:{VICTIM_WHATSAPP}"
    whatsapp_events = [e for e in stack.events(VICTIM_WHATSAPP) if e["event"] == "user"]
    assert whatsapp_events == []
    assert any(e["event"] == "user" for e in stack.events(f"rest:{VICTIM_WHATSAPP}"))
