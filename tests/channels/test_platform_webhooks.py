"""What the WhatsApp and Telegram webhooks share (bot/channels/webhook.py), checked on both."""

from __future__ import annotations

import logging
import uuid

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.telegram import TelegramInput
from bot.channels.whatsapp import WhatsAppInput

MISSING = {
    TelegramInput: ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"),
    WhatsAppInput: ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER"),
}


@pytest.mark.parametrize("channel_class", [TelegramInput, WhatsAppInput])
def test_without_its_settings_a_channel_is_off_and_says_so_once(
    channel_class, use_settings, caplog
):
    use_settings(**dict.fromkeys(MISSING[channel_class]), TWILIO_PUBLIC_URL="https://x.example")
    logger = channel_class.__module__

    with caplog.at_level(logging.INFO, logger=logger):
        channel = channel_class.from_credentials(None)

    assert channel.settings is None
    assert channel.get_output_channel() is None
    lines = [r.getMessage() for r in caplog.records if r.name == logger]
    assert len(lines) == 1
    assert ", ".join(MISSING[channel_class]) in lines[0]
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    app = Sanic(f"off_{uuid.uuid4().hex[:12]}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    _, answer = app.test_client.post(f"/webhooks/{channel.name()}/webhook", content="{}")
    assert answer.status == 503
    assert received == []
