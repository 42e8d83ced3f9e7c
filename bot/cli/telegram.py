"""`clinic telegram set-webhook`: point the Telegram bot at this server."""

from __future__ import annotations

import argparse

from bot.cli.common import Commands, command, command_group, reported

SET_WEBHOOK_HELP = "point the Telegram bot's webhook at this server, with the secret token"
SET_WEBHOOK_DETAILS = """\
Needs TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET; the URL is --url or
TELEGRAM_PUBLIC_URL (a base URL gets /webhooks/telegram/webhook added)."""


def add_commands(commands: Commands) -> None:
    telegram = command_group(commands, "telegram", "the Telegram channel")
    set_hook = command(telegram, "set-webhook", SET_WEBHOOK_HELP, SET_WEBHOOK_DETAILS)
    set_hook.add_argument(
        "--url", metavar="URL", help="public https:// URL (default: TELEGRAM_PUBLIC_URL)"
    )
    set_hook.set_defaults(handler=_set_webhook)


def _set_webhook(args: argparse.Namespace) -> int:
    import asyncio

    from bot.channels.config import NotConfigured
    from bot.channels.telegram_api import TelegramError, TelegramSettings, set_webhook

    with reported(NotConfigured, TelegramError, ValueError):
        url = asyncio.run(set_webhook(TelegramSettings.from_settings(), args.url))
    print(f"Telegram webhook set to {url} (with TELEGRAM_WEBHOOK_SECRET).")
    return 0
