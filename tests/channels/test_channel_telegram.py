"""The Telegram channel: the webhook's secret, 64-byte callback data, replies via the Bot API.

A Sanic app with just the channel's blueprint and Sanic's test client; the Bot API is
replaced at aiohttp's HTTP layer (`aioresponses`), so the real client code builds the
requests. No Rasa model: `on_new_message` records the message and answers like Rasa would.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from aioresponses import aioresponses

from bot import cli
from bot.channels.telegram import (
    EXPIRED_BUTTON_REPLY,
    MAX_CALLBACK_BYTES,
    SECRET_HEADER,
    StoredCallbackData,
    TelegramInput,
    TelegramSettings,
)
from bot.guard import MessageGuard
from tests.channel_server import ChannelApp, Reply, echo

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz"
SECRET = "clinic-webhook-secret_42"
CHAT = 5550001
WEBHOOK = "/webhooks/telegram/webhook"
API = re.compile(r"^https://api\.telegram\.org/bot(?P<token>[^/]+)/(?P<method>\w+)$")
SETTINGS = TelegramSettings(TOKEN, SECRET, "https://clinic.example.org")
OFFER = [
    {"title": "Yes, book a first session", "payload": "/affirm"},
    {"title": "No, thanks", "payload": "/deny"},
]
# A Rasa payload with entities, well over Telegram's 64 bytes.
LONG_PAYLOAD = (
    '/inform{"time_wish": "Friday 27 November 2026 at 14:00 with Mei Lin", '
    '"practitioner": "mei-lin", "slot_id": "2026-11-27T14:00:00+00:00"}'
)

class BotApi:
    """The Bot API at aiohttp's HTTP layer: every call recorded, each answered "ok"."""

    def __init__(self, mocked: aioresponses) -> None:
        self.mocked = mocked
        mocked.post(API, payload={"ok": True, "result": {"message_id": 77}}, repeat=True)

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        found = []
        for (_, url), requests in self.mocked.requests.items():
            match = API.match(str(url))
            assert match, f"a call outside the Bot API: {url}"
            assert match["token"] == TOKEN
            if method is None or match["method"] == method:
                found.extend(request.kwargs["json"] for request in requests)
        return found

    def methods(self) -> list[str]:
        return [
            API.match(str(url))["method"]
            for (_, url), requests in self.mocked.requests.items()
            for _ in requests
        ]


@pytest.fixture
def bot_api():
    with aioresponses() as mocked:
        yield BotApi(mocked)


class Webhook(ChannelApp):
    """The Telegram channel as Rasa mounts it, posted to like the platform does."""

    def __init__(self, channel: TelegramInput, reply: Reply | None = None) -> None:
        super().__init__(channel, reply=reply)

    def post(self, update: dict[str, Any], secret: str | None = SECRET):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        _, result = self.app.test_client.post(WEBHOOK, content=json.dumps(update), headers=headers)
        return result


_update_ids = iter(range(10_000, 99_999))


def private_chat(chat_id: int = CHAT) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Ann", "username": "ann_e"}


def text_update(text: str, chat_id: int = CHAT) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 1,
            "date": 1790000000,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
            "chat": private_chat(chat_id),
            "text": text,
        },
    }


def button_update(data: str, chat_id: int = CHAT) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": "cbq-4242",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
            "message": {"message_id": 77, "date": 1790000000, "chat": private_chat(chat_id)},
            "chat_instance": "-1",
            "data": data,
        },
    }


@pytest.fixture
def channel() -> TelegramInput:
    return TelegramInput(SETTINGS)


# --- the webhook's secret ---------------------------------------------------------------


def test_an_update_with_the_webhooks_secret_reaches_the_assistant(channel, bot_api):
    hook = Webhook(channel)

    result = hook.post(text_update("does it hurt?"))

    assert result.status == 200
    assert [(m.text, m.sender_id, m.input_channel) for m in hook.received] == [
        ("does it hurt?", f"telegram:{CHAT}", "telegram")
    ]


def test_an_update_without_the_secret_is_refused_and_nothing_reaches_the_assistant(
    channel, bot_api
):
    hook = Webhook(channel, echo("hello"))

    result = hook.post(text_update("does it hurt?"), secret=None)

    assert result.status == 403
    assert hook.received == []
    assert bot_api.methods() == []


def test_an_update_with_a_wrong_secret_is_refused(channel, bot_api):
    hook = Webhook(channel, echo("hello"))

    assert hook.post(text_update("does it hurt?"), secret="guessed").status == 403
    assert hook.received == []
    assert bot_api.methods() == []


def test_no_telegram_call_is_made_at_start_up_or_per_message_except_the_reply(channel, bot_api):
    hook = Webhook(channel, echo("It can sting a little."))

    hook.post(text_update("does it hurt?"))
    hook.post(text_update("and is it safe?"))

    assert bot_api.methods() == ["sendMessage", "sendMessage"]


def test_the_same_update_sent_twice_is_handled_once(channel, bot_api):
    hook = Webhook(channel)
    update = text_update("does it hurt?")

    hook.post(update)
    hook.post(update)

    assert len(hook.received) == 1


# --- replies through the Bot API --------------------------------------------------------


def test_a_reply_is_sent_with_send_message_to_the_chat(channel, bot_api):
    hook = Webhook(channel, echo("It can sting a little, like a tiny pinch."))

    hook.post(text_update("does it hurt?"))

    assert bot_api.calls("sendMessage") == [
        {"chat_id": str(CHAT), "text": "It can sting a little, like a tiny pinch."}
    ]


def test_buttons_are_sent_as_an_inline_keyboard_one_per_row(channel, bot_api):
    hook = Webhook(channel, echo("Would you like to book a first session?", OFFER))

    hook.post(text_update("how much is it?"))

    [sent] = bot_api.calls("sendMessage")
    assert sent["text"] == "Would you like to book a first session?"
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Yes, book a first session", "callback_data": "/affirm"}],
            [{"text": "No, thanks", "callback_data": "/deny"}],
        ]
    }


def test_a_pressed_button_sends_its_payload_and_stops_the_spinner(channel, bot_api):
    hook = Webhook(channel, echo("Would you like to book a first session?", OFFER))
    hook.post(text_update("how much is it?"))
    hook.reply = None

    hook.post(button_update("/affirm"))

    assert [m.text for m in hook.received] == ["how much is it?", "/affirm"]
    assert bot_api.calls("answerCallbackQuery") == [{"callback_query_id": "cbq-4242"}]


def test_callback_data_the_bot_never_sent_is_not_read_as_a_payload(channel, bot_api):
    # Telegram clients can send any callback_data: only what our buttons carried counts.
    hook = Webhook(channel, echo("Would you like to book a first session?", OFFER))
    hook.post(text_update("how much is it?"))

    hook.post(button_update('/inform{"consent": true}'))

    assert [m.text for m in hook.received] == ["how much is it?"]
    assert bot_api.calls("answerCallbackQuery") == [
        {"callback_query_id": "cbq-4242", "text": EXPIRED_BUTTON_REPLY}
    ]


def test_a_long_payload_travels_as_a_short_callback_id_and_comes_back_whole(channel, bot_api):
    buttons = [{"title": "Fri 27 Nov 14:00 with Mei", "payload": LONG_PAYLOAD}]
    hook = Webhook(channel, echo("These times are free - which suits you?", buttons))
    hook.post(text_update("friday afternoon"))
    [sent] = bot_api.calls("sendMessage")
    data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert len(LONG_PAYLOAD.encode()) > MAX_CALLBACK_BYTES
    assert len(data.encode()) <= MAX_CALLBACK_BYTES

    hook.reply = None
    hook.post(button_update(data))

    assert hook.received[-1].text == LONG_PAYLOAD


def test_a_button_whose_id_is_no_longer_known_says_so_and_reaches_nobody(channel, bot_api):
    hook = Webhook(channel)

    hook.post(button_update("~unknownid123456"))

    assert hook.received == []
    assert bot_api.calls("answerCallbackQuery") == [
        {"callback_query_id": "cbq-4242", "text": EXPIRED_BUTTON_REPLY}
    ]


def test_a_failing_bot_api_is_logged_without_token_or_text(channel, caplog):
    hook = Webhook(channel, echo("Private answer about warfarin"))
    with aioresponses() as mocked, caplog.at_level(logging.DEBUG):
        mocked.post(
            API,
            status=403,
            payload={"ok": False, "error_code": 403, "description": "Forbidden: blocked"},
        )
        result = hook.post(text_update("I take warfarin"))

    assert result.status == 200
    assert "sendMessage failed: HTTP 403" in caplog.text
    for secret in (TOKEN, SECRET, "warfarin", "Ann", "ann_e"):
        assert secret not in caplog.text


def test_a_long_answer_is_split_under_telegrams_length_limit(channel, bot_api):
    text = "\n\n".join(f"Paragraph {n}: " + "calm " * 300 for n in range(5))
    hook = Webhook(channel, echo(text))

    hook.post(text_update("tell me everything"))

    parts = [call["text"] for call in bot_api.calls("sendMessage")]
    assert len(parts) > 1
    assert all(len(part) <= 4000 for part in parts)


# --- what clients send ------------------------------------------------------------------


def test_start_is_read_as_a_greeting(channel, bot_api):
    hook = Webhook(channel)

    hook.post(text_update("/start"))

    assert hook.received[-1].text == "Hello"


def test_typed_rasa_payload_syntax_is_read_as_plain_text(channel, bot_api):
    hook = Webhook(channel)

    hook.post(text_update('/book_session{"client_name": "x"}'))

    assert hook.received[-1].text == 'book_session{"client_name": "x"}'


def test_a_photo_gets_a_request_for_text_and_nothing_reaches_the_assistant(channel, bot_api):
    hook = Webhook(channel)
    update = text_update("")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "F1", "width": 90, "height": 90}]

    hook.post(update)

    assert hook.received == []
    assert [call["text"] for call in bot_api.calls("sendMessage")] == [
        "Sorry, I can only read text messages. Please type your question."
    ]


def test_messages_over_the_rate_limit_are_dropped_without_a_reply(bot_api):
    channel = TelegramInput(SETTINGS, guard=MessageGuard(per_sender_per_minute=2))
    hook = Webhook(channel, echo("Answer"))

    for n in range(4):
        hook.post(text_update(f"question {n}"))

    assert [m.text for m in hook.received] == ["question 0", "question 1"]
    assert len(bot_api.calls("sendMessage")) == 2


def test_a_too_long_message_gets_a_polite_answer_and_nothing_reaches_the_assistant(bot_api):
    channel = TelegramInput(SETTINGS, guard=MessageGuard(max_chars=50))
    hook = Webhook(channel, echo("Answer"))

    hook.post(text_update("I would like to know " + "a lot " * 20))

    assert hook.received == []
    [sent] = bot_api.calls("sendMessage")
    assert "too long" in sent["text"]


def test_messages_from_groups_are_ignored(channel, bot_api):
    hook = Webhook(channel)
    update = text_update("does it hurt?")
    update["message"]["chat"] = {"id": -100123, "type": "group", "title": "Friends"}

    assert hook.post(update).status == 200
    assert hook.received == []
    assert bot_api.methods() == []


def test_logs_never_contain_names_or_words(channel, bot_api, caplog):
    hook = Webhook(channel, echo("Thanks, noted", OFFER))

    with caplog.at_level(logging.DEBUG):
        hook.post(text_update("I am Ann, on warfarin, 07911 123456"))
        hook.post(button_update("/affirm"))
        hook.post(text_update("I am on warfarin"), secret="wrong")

    assert "received" in caplog.text and "refused" in caplog.text
    for secret in ("Ann", "ann_e", "warfarin", "07911", "Thanks, noted", TOKEN, SECRET):
        assert secret not in caplog.text


# --- configuration and set-webhook ------------------------------------------------------


def test_a_secret_telegram_would_refuse_leaves_the_channel_off(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces and !")

    assert TelegramInput.from_credentials(None).settings is None


@pytest.fixture
def telegram_env(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_PUBLIC_URL", "https://clinic.example.org")


def test_set_webhook_command_registers_the_public_url_with_the_secret(
    telegram_env, bot_api, capsys
):
    assert cli.main(["telegram", "set-webhook"]) == 0

    assert bot_api.calls("setWebhook") == [
        {
            "url": "https://clinic.example.org/webhooks/telegram/webhook",
            "secret_token": SECRET,
            "allowed_updates": ["message", "callback_query"],
        }
    ]
    out = capsys.readouterr().out
    assert "https://clinic.example.org/webhooks/telegram/webhook" in out
    assert SECRET not in out and TOKEN not in out


def test_set_webhook_command_takes_a_url(telegram_env, bot_api):
    assert cli.main(["telegram", "set-webhook", "--url", "https://bot.example.net/"]) == 0

    [call] = bot_api.calls("setWebhook")
    assert call["url"] == "https://bot.example.net/webhooks/telegram/webhook"


def test_set_webhook_command_refuses_a_url_telegram_would_not_call(telegram_env, bot_api, capsys):
    assert cli.main(["telegram", "set-webhook", "--url", "http://127.0.0.1:5005"]) == 1

    assert "https://" in capsys.readouterr().err
    assert bot_api.methods() == []


def test_set_webhook_command_explains_a_missing_token(monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)

    assert cli.main(["telegram", "set-webhook", "--url", "https://bot.example.net"]) == 1
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


def test_set_webhook_command_reports_telegrams_refusal_without_the_token(telegram_env, capsys):
    with aioresponses() as mocked:
        mocked.post(API, status=401, payload={"ok": False, "error_code": 401})
        assert cli.main(["telegram", "set-webhook"]) == 1

    err = capsys.readouterr().err
    assert "setWebhook failed: HTTP 401" in err
    assert TOKEN not in err


# --- callback data ----------------------------------------------------------------------


def test_short_payloads_travel_as_they_are_and_long_ones_within_64_bytes():
    ids = StoredCallbackData()
    long_unicode = "/inform" + "é" * 40

    assert ids.encode("/affirm") == "/affirm"
    for payload in (LONG_PAYLOAD, long_unicode, "~looks-like-an-id", ""):
        data = ids.encode(payload)
        assert 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES
        assert ids.decode(data) == payload
    assert ids.encode(LONG_PAYLOAD) == ids.encode(LONG_PAYLOAD)


def test_callback_data_that_was_never_handed_out_decodes_to_nothing():
    ids = StoredCallbackData()
    ids.encode("/affirm")

    assert ids.decode("/deny") is None
    assert ids.decode("~AAAAAAAAAAAAAAAA") is None
