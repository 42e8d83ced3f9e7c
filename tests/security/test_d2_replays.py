"""D2: a replayed signed WhatsApp request (same MessageSid) was processed every time.

Each MessageSid (and Telegram update_id) is now handled once within REPLAY_WINDOW_SECONDS;
a replay answers 200 and does nothing. In production mode (REDIS_URL) the ids are shared
in Redis, so a replay sent to another Rasa instance is refused as well.
"""

from __future__ import annotations

import uuid

import pytest
import redis
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels.whatsapp import EMPTY_TWIML, WhatsAppInput, WhatsAppSettings
from bot.guard import MessageGuard

TOKEN = "security-test-twilio-token-0123456789"
PUBLIC_URL = "https://clinic.example.org"
PATH = "/webhooks/whatsapp/webhook"
REDIS_URL = "redis://127.0.0.1:6379/0"


def whatsapp_app(received: list[UserMessage]) -> Sanic:
    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    channel = WhatsAppInput(
        WhatsAppSettings("AC" + "0" * 32, TOKEN, "whatsapp:+14155238886", PUBLIC_URL),
        guard=MessageGuard(),
    )
    app = Sanic(f"replay_{uuid.uuid4().hex[:10]}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/whatsapp")
    return app


def signed_request() -> tuple[dict[str, str], dict[str, str]]:
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": "whatsapp:+447911123456",
        "To": "whatsapp:+14155238886",
        "Body": "can I speak to a person please",
        "NumMedia": "0",
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + PATH, form)
    return form, {"X-Twilio-Signature": signature}


def test_the_same_signed_request_posted_three_times_is_processed_once():
    received: list[UserMessage] = []
    app = whatsapp_app(received)
    form, headers = signed_request()

    results = [app.test_client.post(PATH, data=form, headers=headers)[1] for _ in range(3)]

    assert [r.status for r in results] == [200, 200, 200]
    assert all(r.body.decode() == EMPTY_TWIML for r in results)
    assert len(received) == 1


def test_a_new_message_is_still_processed_after_a_replay():
    received: list[UserMessage] = []
    app = whatsapp_app(received)
    first, first_headers = signed_request()
    second, second_headers = signed_request()

    for form, headers in ((first, first_headers), (first, first_headers), (second, second_headers)):
        app.test_client.post(PATH, data=form, headers=headers)

    assert len(received) == 2


def test_in_production_mode_a_replay_to_another_instance_is_refused_too(use_settings):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_URL} is needed for this test: {error}")
    use_settings(REDIS_URL=REDIS_URL)
    received: list[UserMessage] = []
    instances = [whatsapp_app(received), whatsapp_app(received)]  # two Rasa processes
    form, headers = signed_request()

    for app in instances * 2:
        assert app.test_client.post(PATH, data=form, headers=headers)[1].status == 200

    assert len(received) == 1
