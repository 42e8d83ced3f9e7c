"""`clinic lockouts list`: booking checks refused after too many wrong reference + contact."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli.common import Commands, command, command_group, store_url
from bot.cli.output import Listing, cell, logged_rows

if TYPE_CHECKING:
    from bot.booking.guesses import Lockout

HEADERS = ["ID", "WHEN", "CHANNEL", "CONVERSATION", "REFERENCE TRIED"]
GROUP_HELP = "booking checks refused after too many wrong reference + contact"
LIST_HELP = "list refused checks, newest first (conversation and reference tried; no contact)"


def add_commands(commands: Commands) -> None:
    lockouts = command_group(commands, "lockouts", GROUP_HELP)
    listing = command(lockouts, "list", LIST_HELP)
    Listing(_lockouts, lambda _args: "No refused booking checks.", HEADERS, _rows).attach(
        listing, "a JSON array instead of a table"
    )


def _lockouts(_args: argparse.Namespace) -> list[Lockout]:
    from bot.booking.guesses import GuessLimiter

    return GuessLimiter(store_url()).lockouts()


def _rows(lockouts: Sequence[Lockout]) -> list[list[str]]:
    return logged_rows(lockouts, lambda item: [cell(item.sender_id), cell(item.ref)])
