"""`clinic handoffs list | close`: clients who asked to talk to a person."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli.common import Commands, command, command_group, reported, store_url
from bot.cli.output import Listing, cell, logged_rows

if TYPE_CHECKING:
    from bot.handoff import HandoffRecord

# Longest client message shown in the handoff table (the full one is in --json).
MESSAGE_WIDTH = 50
HEADERS = ["ID", "CREATED", "CHANNEL", "CONTACT", "STATUS", "LAST CLIENT MESSAGE"]
LIST_HELP = "list handoff requests with the client's contact and last message"
LIST_DETAILS = """\
Contact details and messages are shown in full in --json; the table shortens
the last client message."""


def add_commands(commands: Commands) -> None:
    handoffs = command_group(commands, "handoffs", "clients who asked to talk to a person")
    listing = command(handoffs, "list", LIST_HELP, LIST_DETAILS)
    listing.add_argument("--open", action="store_true", help="only requests not yet closed")
    Listing(_handoffs, _when_empty, HEADERS, _rows).attach(
        listing, "a JSON array of requests (with transcripts)"
    )
    close = command(handoffs, "close", "mark a handoff request as dealt with")
    close.add_argument("id", metavar="ID", type=int, help="the request's id (see `handoffs list`)")
    close.set_defaults(handler=_close)


def _handoffs(args: argparse.Namespace) -> list[HandoffRecord]:
    from bot.handoff import HandoffQueue

    return HandoffQueue(store_url()).list(only_open=args.open)


def _when_empty(args: argparse.Namespace) -> str:
    return "No open handoff requests." if args.open else "No handoff requests."


def _last_client_message(transcript: list[dict[str, str]]) -> str | None:
    said = [line.get("text") for line in transcript if line.get("from") == "client"]
    return said[-1] if said else None


def _rows(handoffs: Sequence[HandoffRecord]) -> list[list[str]]:
    return logged_rows(
        handoffs,
        lambda h: [
            cell(h.contact),
            cell(h.status),
            cell(_last_client_message(h.transcript), MESSAGE_WIDTH),
        ],
    )


def _close(args: argparse.Namespace) -> int:
    from bot.handoff import HandoffNotFound, HandoffQueue

    with reported(HandoffNotFound):
        handoff = HandoffQueue(store_url()).close(args.id)
    print(f"Closed handoff request {handoff.id}.")
    return 0
