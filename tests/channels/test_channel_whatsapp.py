"""The WhatsApp (Twilio) channel: signed webhooks only, numbered buttons, replies via Twilio.

A Sanic app with just the channel's blueprint and Sanic's test client; Twilio's REST API is
replaced at the transport (twilio's `HttpClient`), so the real twilio `Client` builds the
requests. No Rasa model: `on_new_message` records the message and answers like Rasa would.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from bot.channels.text import split_text
from bot.channels.whatsapp import (
    EMPTY_TWIML,
    Button,
    StoredButtonMemory,
    WhatsAppInput,
    WhatsAppSettings,
    match_button,
    numbered_list,
)
from bot.guard import MessageGuard
from tests.channel_server import ChannelApp, Reply, echo

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
CLINIC_NUMBER = "whatsapp:+14155238886"
CLIENT = "whatsapp:+447911123456"
PUBLIC_URL = "https://clinic.example.org"
WEBHOOK = "/webhooks/whatsapp/webhook"
OFFER = [
    {"title": "Yes, book a first session", "payload": "/affirm"},
    {"title": "No, thanks", "payload": "/deny"},
]
SETTINGS = WhatsAppSettings(ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER, PUBLIC_URL)


@dataclass
class SentRequest:
    method: str
    url: str
    data: dict[str, Any]
    auth: tuple[str, str] | None


class FakeTwilioTransport(HttpClient):
    """Twilio's HTTP layer: records each request and answers like the Messages API."""

    def __init__(self, status: int = 201, error: dict[str, Any] | None = None) -> None:
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.status = status
        self.error = error
        self.requests: list[SentRequest] = []

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self.requests.append(SentRequest(method, uri, dict(data or {}), auth))
        if self.error is not None:
            return Response(self.status, json.dumps(self.error))
        sid = f"SM{len(self.requests):032d}"
        body = {"sid": sid, "status": "queued", "to": (data or {}).get("To")}
        return Response(self.status, json.dumps(body))

    @property
    def bodies(self) -> list[str]:
        return [str(request.data.get("Body")) for request in self.requests]


class Webhook(ChannelApp):
    """The WhatsApp channel as Rasa mounts it, posted to like the platform does."""

    def __init__(self, channel: WhatsAppInput, reply: Reply | None = None) -> None:
        super().__init__(channel, reply=reply)

    def post(self, form: dict[str, str], signature: str | None, path: str = WEBHOOK):
        headers = {} if signature is None else {"X-Twilio-Signature": signature}
        _, result = self.app.test_client.post(path, data=form, headers=headers)
        return result

    def post_signed(self, form: dict[str, str], token: str = AUTH_TOKEN, path: str = WEBHOOK):
        return self.post(form, sign(form, token, PUBLIC_URL + path), path)

    def says(self, body: str, sender: str = CLIENT):
        return self.post_signed(twilio_form(body, sender))


def sign(form: dict[str, str], token: str, url: str) -> str:
    return RequestValidator(token).compute_signature(url, form)


def twilio_form(body: str, sender: str = CLIENT, **extra: str) -> dict[str, str]:
    """The fields Twilio posts for an incoming WhatsApp message."""
    return {
        "SmsMessageSid": "SM" + "a" * 32,
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": CLINIC_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Ann Example",
        "WaId": sender.removeprefix("whatsapp:+"),
        **extra,
    }


@pytest.fixture
def transport() -> FakeTwilioTransport:
    return FakeTwilioTransport()


@pytest.fixture
def channel(transport) -> WhatsAppInput:
    return WhatsAppInput(SETTINGS, http_client=transport)


# --- signatures -------------------------------------------------------------------------


def test_a_message_signed_with_the_accounts_token_reaches_the_assistant(channel, transport):
    hook = Webhook(channel)
    result = hook.says("does it hurt?")

    assert result.status == 200
    assert result.text == EMPTY_TWIML
    assert [(m.text, m.sender_id, m.input_channel) for m in hook.received] == [
        ("does it hurt?", CLIENT, "whatsapp")
    ]


def test_an_unsigned_request_is_refused_and_nothing_reaches_the_assistant(channel, transport):
    hook = Webhook(channel, echo())
    result = hook.post(twilio_form("does it hurt?"), signature=None)

    assert result.status == 403
    assert hook.received == []
    assert transport.requests == []


def test_a_request_signed_with_another_token_is_refused(channel, transport):
    hook = Webhook(channel, echo())
    result = hook.post_signed(twilio_form("does it hurt?"), token="someone-elses-token")

    assert result.status == 403
    assert hook.received == []
    assert transport.requests == []


def test_a_signed_form_changed_on_the_way_is_refused(channel):
    hook = Webhook(channel)
    form = twilio_form("does it hurt?")
    signature = sign(form, AUTH_TOKEN, PUBLIC_URL + WEBHOOK)
    result = hook.post({**form, "Body": "/book_session"}, signature)

    assert result.status == 403
    assert hook.received == []


def test_the_signature_is_checked_against_the_public_url_not_the_one_the_server_sees(channel):
    hook = Webhook(channel)
    form = twilio_form("does it hurt?")
    # Signed for the address the server itself listens on, not the public URL Twilio calls.
    result = hook.post(form, sign(form, AUTH_TOKEN, f"http://127.0.0.1:5005{WEBHOOK}"))

    assert result.status == 403
    assert hook.received == []


def test_a_public_url_configured_as_the_full_webhook_url_also_verifies(transport):
    settings = WhatsAppSettings(ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER, PUBLIC_URL + WEBHOOK)
    hook = Webhook(WhatsAppInput(settings, http_client=transport))

    assert hook.says("hello").status == 200
    assert len(hook.received) == 1


def test_the_query_string_twilio_called_is_part_of_the_signed_url(channel):
    hook = Webhook(channel)
    form = twilio_form("hello")
    path = f"{WEBHOOK}?source=twilio"
    result = hook.post(form, sign(form, AUTH_TOKEN, PUBLIC_URL + path), path=path)

    assert result.status == 200
    assert len(hook.received) == 1


# --- replies through Twilio's REST API --------------------------------------------------


def test_replies_are_sent_through_twilios_messages_api_from_the_clinics_number(channel, transport):
    hook = Webhook(channel, echo("It can sting a little, like a tiny pinch."))
    hook.says("does it hurt?")

    assert len(transport.requests) == 1
    sent = transport.requests[0]
    assert sent.method == "POST"
    assert sent.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert sent.data["To"] == CLIENT
    assert sent.data["From"] == CLINIC_NUMBER
    assert sent.data["Body"] == "It can sting a little, like a tiny pinch."


def test_buttons_are_sent_as_a_numbered_list(channel, transport):
    hook = Webhook(channel, echo("Would you like to book a first session?", OFFER))
    hook.says("how much is it?")

    assert transport.bodies == [
        "Would you like to book a first session?\n\n" "1. Yes, book a first session\n2. No, thanks"
    ]


def test_a_long_answer_is_split_under_twilios_length_limit(channel, transport):
    paragraphs = [f"Paragraph {n}: " + "calm " * 70 for n in range(8)]
    hook = Webhook(channel, echo("\n\n".join(paragraphs)))
    hook.says("tell me everything")

    assert len(transport.requests) > 1
    assert all(len(body) <= 1500 for body in transport.bodies)
    assert " ".join(" ".join(transport.bodies).split()) == " ".join(" ".join(paragraphs).split())


def test_a_reply_twilio_refuses_is_logged_without_the_number_or_text(caplog):
    error = {"code": 21211, "message": f"The 'To' number {CLIENT} is not valid", "status": 400}
    transport = FakeTwilioTransport(status=400, error=error)
    hook = Webhook(WhatsAppInput(SETTINGS, http_client=transport), echo("Private answer"))

    with caplog.at_level(logging.DEBUG):
        result = hook.says("my name is Ann and I bruise easily")

    assert result.status == 200
    assert "Twilio refused a reply" in caplog.text
    assert "21211" in caplog.text
    for secret in ("+447911123456", "Private answer", "bruise", "Ann"):
        assert secret not in caplog.text


def test_logs_never_contain_the_clients_number_name_or_words(channel, caplog):
    hook = Webhook(channel, echo("Thanks {text}", OFFER))

    with caplog.at_level(logging.DEBUG):
        hook.says("I am on warfarin, email ann@example.com")
        hook.says("1")
        hook.post(twilio_form("I am on warfarin"), signature="forged")

    assert "received" in caplog.text and "refused" in caplog.text
    for secret in ("447911123456", "Ann Example", "warfarin", "ann@example.com", "Thanks"):
        assert secret not in caplog.text


# --- numbered replies -------------------------------------------------------------------


def test_a_reply_of_a_number_is_read_as_that_buttons_payload(channel, transport):
    hook = Webhook(channel, echo("Would you like to book a first session?", OFFER))
    hook.says("how much is it?")
    hook.reply = echo("Great! What name should I put the booking under?")

    hook.says("1")

    assert [m.text for m in hook.received] == ["how much is it?", "/affirm"]


@pytest.mark.parametrize("reply", ["2", " 2. ", "2)", "no, thanks", "NO, THANKS!"])
def test_a_number_or_a_buttons_title_in_any_case_chooses_that_button(channel, reply):
    hook = Webhook(channel, echo("Book a first session?", OFFER))
    hook.says("how much is it?")
    hook.reply = None

    hook.says(reply)

    assert hook.received[-1].text == "/deny"


def test_numbers_refer_to_the_buttons_each_sender_was_shown(channel):
    other = "whatsapp:+447700900123"
    slots = [
        {"title": "Fri 27 Nov 10:00 with Mei", "payload": "1"},
        {"title": "Fri 27 Nov 14:00 with Mei", "payload": "2"},
        {"title": "None of these", "payload": "none of these"},
    ]
    hook = Webhook(channel, echo("Book a first session?", OFFER))
    hook.says("how much is it?")
    hook.reply = echo("These times are free - which suits you?", slots)
    hook.says("friday", sender=other)
    hook.reply = None

    hook.says("3", sender=other)
    hook.says("2")

    assert [m.text for m in hook.received[-2:]] == ["none of these", "/deny"]


def test_a_number_means_nothing_special_once_the_next_turn_showed_no_buttons(channel):
    hook = Webhook(channel, echo("Book a first session?", OFFER))
    hook.says("how much is it?")
    hook.reply = echo("What's the best phone number to reach you?")
    hook.says("1")

    hook.says("2")

    assert [m.text for m in hook.received] == ["how much is it?", "/affirm", "2"]


def test_a_number_beyond_the_list_is_passed_on_as_typed(channel):
    hook = Webhook(channel, echo("Book a first session?", OFFER))
    hook.says("how much is it?")

    hook.says("7")

    assert hook.received[-1].text == "7"


def test_typed_rasa_payload_syntax_is_read_as_plain_text(channel):
    hook = Webhook(channel)

    hook.says('/book_session{"client_name": "x"}')

    assert hook.received[-1].text == 'book_session{"client_name": "x"}'


def test_a_message_without_text_gets_a_request_for_text_and_nothing_reaches_the_assistant(
    channel, transport
):
    hook = Webhook(channel, echo())
    form = twilio_form("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1")

    result = hook.post_signed(form)

    assert result.status == 200
    assert hook.received == []
    assert transport.bodies == ["Sorry, I can only read text messages. Please type your question."]


def test_messages_over_the_rate_limit_are_dropped_without_a_reply(transport):
    channel = WhatsAppInput(
        SETTINGS, http_client=transport, guard=MessageGuard(per_sender_per_minute=2)
    )
    hook = Webhook(channel, echo("Answer"))

    results = [hook.says(f"question {n}") for n in range(4)]

    assert [r.status for r in results] == [200, 200, 200, 200]
    assert [m.text for m in hook.received] == ["question 0", "question 1"]
    assert transport.bodies == ["Answer", "Answer"]


def test_a_too_long_message_gets_a_polite_answer_and_nothing_reaches_the_assistant(transport):
    channel = WhatsAppInput(SETTINGS, http_client=transport, guard=MessageGuard(max_chars=50))
    hook = Webhook(channel, echo("Answer"))

    hook.says("I would like to know " + "a lot " * 20)

    assert hook.received == []
    assert len(transport.bodies) == 1 and "too long" in transport.bodies[0]


def test_a_failing_assistant_still_answers_twilio_with_200(channel):
    async def broken(_: UserMessage) -> None:
        raise RuntimeError("model not loaded")

    hook = Webhook(channel, broken)

    assert hook.says("hello").status == 200


# --- configuration ----------------------------------------------------------------------


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_WHATSAPP_NUMBER", "+14155238886")
    monkeypatch.setenv("TWILIO_PUBLIC_URL", PUBLIC_URL)

    channel = WhatsAppInput.from_credentials({})

    assert channel.settings == SETTINGS
    assert AUTH_TOKEN not in repr(channel.settings)


def test_a_public_url_without_a_scheme_leaves_the_channel_off(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_WHATSAPP_NUMBER", "+14155238886")
    monkeypatch.setenv("TWILIO_PUBLIC_URL", "clinic.example.org")

    assert WhatsAppInput.from_credentials(None).settings is None


# --- pure helpers -----------------------------------------------------------------------


def test_numbered_list_puts_each_choice_on_its_own_line():
    buttons = [Button.from_rasa(b) for b in OFFER]
    assert numbered_list("Book?", buttons) == "Book?\n\n1. Yes, book a first session\n2. No, thanks"


def test_match_button_ignores_text_that_is_not_a_choice():
    buttons = [Button.from_rasa(b) for b in OFFER]
    assert match_button("yes please, and does it hurt?", buttons) is None
    assert match_button("0", buttons) is None
    assert match_button("1", []) is None


def test_button_memory_forgets_after_its_time():
    memory = StoredButtonMemory(ttl_seconds=60)
    now = [0.0]
    memory._store.clock = lambda: now[0]
    memory.remember(CLIENT, [Button("Yes", "/affirm")])
    now[0] = 61.0
    assert memory.take(CLIENT) == []


def test_split_text_keeps_short_text_whole_and_cuts_long_text_at_words():
    assert split_text("short", 10) == ["short"]
    assert split_text("one two three four", 9) == ["one two", "three", "four"]
