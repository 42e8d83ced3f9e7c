"""`clinic outbox run | list | retry`: the sender process and what staff need to see."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.cli.common import CommandFailed, Commands, command, command_group, store_url
from bot.cli.output import Listing, cell, local_time

if TYPE_CHECKING:
    from bot.outbox.listing import OutboxRow

STATUSES = ("pending", "sending", "sent", "failed", "skipped", "obsolete")
HEADERS = ["id", "kind", "channel", "status", "tries", "due", "booking", "last error"]
RETRY_HINT = "\nFix the cause (e.g. SMTP settings), then: clinic outbox retry ID"
GROUP_HELP = "confirmations, reminders and notifications waiting to be sent"
GROUP_DETAILS = """\
Every message the clinic sends on its own is a row of the outbox, written with
the change it is about. `outbox run` sends them (started by `make run`)."""
LIST_JSON_HELP = (
    "id, kind, channel, status, attempts, due_at, sent_at, last_error, booking_ref, "
    "handoff_id, created_at"
)


def add_commands(commands: Commands) -> None:
    outbox = command_group(commands, "outbox", GROUP_HELP, GROUP_DETAILS)
    _add_run(outbox)
    listing = command(outbox, "list", "messages, newest due first (no addresses shown)")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="only messages that gave up")
    which.add_argument("--status", choices=STATUSES, help="only messages in this status")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    Listing(_messages, _when_empty, HEADERS, _rows, _how_to_retry).attach(listing, LIST_JSON_HELP)

    retry = command(outbox, "retry", "send a failed message again")
    retry.add_argument("id", type=int, help="its id (from `clinic outbox list --failed`)")
    retry.set_defaults(handler=_retry)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _log_the_sender() -> None:
    # The sender's own log: ids, kinds, channels and statuses (never an address or a text).
    logging.getLogger("bot.outbox").setLevel(logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("bot.outbox").addHandler(handler)
    logging.getLogger("bot.outbox").propagate = False


def _run(args: argparse.Namespace) -> int:
    from bot.outbox.sender import Sender, SingleSenderLock
    from bot.outbox.transports import Transports

    _log_the_sender()
    url = store_url()
    lock = SingleSenderLock(url)
    if not lock.acquire():
        raise CommandFailed(
            f"another `clinic outbox run` holds {lock.path} (on SQLite one sender runs; "
            "use PostgreSQL for several)"
        )
    try:
        sender = Sender(
            Transports.from_settings(),
            url,
            lease=timedelta(seconds=args.lease_seconds),
            batch_size=args.batch,
        )
        if args.once:
            outcome = sender.drain()
            summary = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts.items()))
            print(f"Outbox: {summary or 'nothing due'}.")
            return 0
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        sender.run_forever(args.poll, stop)
        return 0
    finally:
        lock.release()


def _rows(messages: Sequence[OutboxRow]) -> list[list[str]]:
    return [
        [
            cell(row.id),
            cell(row.kind),
            cell(row.channel),
            cell(row.status),
            cell(row.attempts),
            cell(local_time(row.due_at, row.clinic_timezone)),
            cell(row.booking_ref or (row.handoff_id and f"handoff {row.handoff_id}")),
            cell(row.last_error, 40),
        ]
        for row in messages
    ]


def _messages(args: argparse.Namespace) -> list[OutboxRow]:
    from bot.outbox.listing import list_messages

    return list_messages(store_url(), "failed" if args.failed else args.status, args.limit)


def _when_empty(args: argparse.Namespace) -> str:
    return "No failed messages." if args.failed else "No messages."


def _how_to_retry(args: argparse.Namespace) -> str | None:
    return RETRY_HINT if args.failed else None


def _retry(args: argparse.Namespace) -> int:
    from bot.outbox.listing import retry_failed

    if not retry_failed(store_url(), args.id):
        print(f"No failed message with id {args.id}.", file=sys.stderr)
        return 1
    print(f"Message {args.id} will be sent again by `clinic outbox run`.")
    return 0


RUN_HELP = "send due messages until stopped (or once with --once)"
RUN_DETAILS = "On SQLite one sender runs at a time; on PostgreSQL any number share the work."


def _add_run(outbox: Commands) -> None:
    run = command(outbox, "run", RUN_HELP, RUN_DETAILS)
    run.add_argument("--once", action="store_true", help="send what is due now, then exit")
    run.add_argument(
        "--poll",
        type=_positive,
        default=2.0,
        metavar="SECONDS",
        help="how often to look for due messages (default 2)",
    )
    run.add_argument("--batch", type=int, default=20, help="messages claimed at a time")
    run.add_argument(
        "--lease-seconds",
        type=_positive,
        default=300.0,
        metavar="SECONDS",
        help="how long a claim lasts before another sender may take the message "
        "over (a sender that died; default 300)",
    )
    run.set_defaults(handler=_run)
