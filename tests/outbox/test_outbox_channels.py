"""Confirmations and reminders in the client's own channel. Twilio and Telegram are mocked at
their HTTP transport only (Twilio's HttpClient, a requests adapter for the Bot API)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from twilio.http import HttpClient
from twilio.http.response import Response

from bot.outbox import BOOKING_CONFIRMATION, REMINDER
from bot.outbox.transports import Transports
from bot.outbox.transports.telegram import TelegramTransport
from bot.outbox.transports.whatsapp import WhatsAppTransport
from tests.outbox.support import START, Desk

FRIDAY = START + timedelta(days=2)
MONDAY = START + timedelta(days=5)
ACCOUNT = "AC" + "1" * 32
CLINIC_NUMBER = "+14155238886"
CLIENT = "+447911123456"
TEMPLATE_SID = "HX" + "2" * 32
TOKEN = "123456:TEST-token"


@dataclass
class SentRequest:
    method: str
    url: str
    data: dict[str, Any]


class FakeTwilio(HttpClient):
    """Twilio's HTTP layer: records each request and answers like the Messages API."""

    def __init__(self, status: int = 201) -> None:
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.status = status
        self.requests: list[SentRequest] = []

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ) -> Response:
        self.requests.append(SentRequest(method, uri, dict(data or {})))
        if self.status >= 400:
            return Response(self.status, json.dumps({"code": 21211, "message": "refused"}))
        body = {"sid": f"SM{len(self.requests):032d}", "status": "queued"}
        return Response(self.status, json.dumps(body))


class FakeBotApi(BaseAdapter):
    """requests' transport for api.telegram.org: records the calls, answers ok."""

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs) -> requests.Response:
        self.requests.append(request)
        reply = requests.Response()
        reply.status_code = self.status
        ok = self.status == 200
        body = {"ok": True, "result": {"message_id": 7}} if ok else {"ok": False, "error_code": 403}
        reply._content = json.dumps(body).encode()
        reply.url = request.url
        return reply

    def close(self) -> None:
        pass

    def json_bodies(self) -> list[dict]:
        return [json.loads(request.body) for request in self.requests]


@pytest.fixture
def desk(store_url) -> Desk:
    return Desk(store_url)


def whatsapp(twilio: FakeTwilio, desk: Desk, templates: bool = True) -> Transports:
    sids = {"reminder": TEMPLATE_SID, "booking_confirmation": "HX" + "3" * 32} if templates else {}
    transport = WhatsAppTransport(
        ACCOUNT, "auth-token", CLINIC_NUMBER, sids, http_client=twilio, clock=desk.clock
    )
    return Transports({"whatsapp": transport})


def book_on_whatsapp(desk: Desk):
    """Booked over WhatsApp for next Monday: its reminder is days after the last message."""
    sender_id = f"whatsapp:{CLIENT}"
    return desk.book(MONDAY, email=None, phone=CLIENT, channel="whatsapp", sender_id=sender_id)


def test_whatsapp_confirmation_inside_the_24_hour_window_is_a_normal_message(desk):
    record, _ = book_on_whatsapp(desk)
    twilio = FakeTwilio()

    assert desk.sender(whatsapp(twilio, desk)).drain().counts == {"sent": 1}

    [sent] = twilio.requests
    assert sent.method == "POST"
    assert sent.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert sent.data["To"] == f"whatsapp:{CLIENT}"
    assert sent.data["From"] == f"whatsapp:{CLINIC_NUMBER}"
    assert record.ref in sent.data["Body"]
    assert "ContentSid" not in sent.data
    [row] = desk.rows(kind=BOOKING_CONFIRMATION)
    assert row.status.value == "sent" and row.recipient == f"whatsapp:{CLIENT}"


def test_whatsapp_reminder_outside_the_window_is_the_approved_template(desk):
    record, slot = book_on_whatsapp(desk)
    twilio = FakeTwilio()
    sender = desk.sender(whatsapp(twilio, desk))
    sender.drain()
    [reminder] = desk.rows(kind=REMINDER)
    assert reminder.channel == "whatsapp"

    desk.clock.set(reminder.due_at)  # days after the client's last message
    assert sender.drain().counts == {"sent": 1}

    sent = twilio.requests[-1]
    assert sent.data["ContentSid"] == TEMPLATE_SID
    variables = json.loads(sent.data["ContentVariables"])
    assert variables["2"] == record.ref
    assert f"{slot.start:%H:%M}" in variables["1"]
    assert "Body" not in sent.data
    assert sent.data["To"] == f"whatsapp:{CLIENT}"


def test_whatsapp_outside_the_window_without_a_template_fails_for_staff_to_see(desk):
    book_on_whatsapp(desk)
    twilio = FakeTwilio()
    sender = desk.sender(whatsapp(twilio, desk, templates=False))
    sender.drain()
    [reminder] = desk.rows(kind=REMINDER)

    desk.clock.set(reminder.due_at)
    assert sender.drain().counts == {"failed": 1}

    assert len(twilio.requests) == 1  # only the confirmation, inside the window
    [failed] = desk.rows(status="failed")
    assert failed.last_error == "whatsapp_window_closed_no_template"


def test_twilio_server_errors_are_retried_and_refusals_are_not(desk):
    book_on_whatsapp(desk)
    assert desk.sender(whatsapp(FakeTwilio(status=503), desk)).run_once().counts == {"retry": 1}
    desk.clock.advance(minutes=5)
    assert desk.sender(whatsapp(FakeTwilio(status=400), desk)).run_once().counts == {"failed": 1}
    [row] = desk.rows(kind=BOOKING_CONFIRMATION)
    assert row.last_error.startswith("twilio_http_400")


def telegram(api: FakeBotApi) -> Transports:
    session = requests.Session()
    session.mount("https://", api)
    return Transports({"telegram": TelegramTransport(TOKEN, session=session)})


def test_telegram_confirmation_and_reminder_with_number_buttons(desk):
    record, _ = desk.book(
        FRIDAY, email=None, phone=CLIENT, channel="telegram", sender_id="telegram:5550001"
    )
    api = FakeBotApi()
    sender = desk.sender(telegram(api))

    sender.drain()
    [reminder] = desk.rows(kind=REMINDER)
    desk.clock.set(reminder.due_at)
    sender.drain()

    assert [r.url for r in api.requests] == [f"https://api.telegram.org/bot{TOKEN}/sendMessage"] * 2
    confirmation, reminded = api.json_bodies()
    assert confirmation["chat_id"] == reminded["chat_id"] == "5550001"
    assert record.ref in confirmation["text"] and "reply_markup" not in confirmation
    assert record.ref in reminded["text"]
    assert "1. Keep it" in reminded["text"] and "2. Move it" in reminded["text"]
    keys = [key["text"] for row in reminded["reply_markup"]["keyboard"] for key in row]
    assert keys == ["1", "2", "3"]


def test_telegram_blocked_by_the_client_is_a_permanent_failure(desk):
    desk.book(FRIDAY, email=None, phone=CLIENT, channel="telegram", sender_id="telegram:5550001")

    assert desk.sender(telegram(FakeBotApi(status=403))).drain().counts == {"failed": 1}


def test_rest_conversations_get_email_only(desk):
    desk.book(FRIDAY, email="sam@example.org", channel="rest", sender_id="rest:sam")

    assert {row.channel for row in desk.rows()} == {"email"}


def test_a_channel_without_settings_is_skipped_not_lost(desk):
    book_on_whatsapp(desk)

    assert desk.sender(Transports()).drain().counts == {"skipped": 1}
    [row] = desk.rows(kind=BOOKING_CONFIRMATION)
    assert row.last_error == "whatsapp_not_configured"
