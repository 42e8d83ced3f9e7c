"""`clinic outbox run | list | retry`: the sender process and what staff need to see."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.cli import _cell, _command, _local, _print_json, _print_table, _store_url, _subcommands

STATUSES = ("pending", "sending", "sent", "failed", "skipped", "obsolete")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _outbox_run(args: argparse.Namespace) -> int:
    from bot.outbox.sender import Sender, SingleSenderLock
    from bot.outbox.transports import Transports

    # The sender's own log: ids, kinds, channels and statuses (never an address or a text).
    logging.getLogger("bot.outbox").setLevel(logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("bot.outbox").addHandler(handler)
    logging.getLogger("bot.outbox").propagate = False

    url = _store_url()
    lock = SingleSenderLock(url)
    if not lock.acquire():
        print(
            f"error: another `clinic outbox run` holds {lock.path} (on SQLite one sender runs; "
            "use PostgreSQL for several)",
            file=sys.stderr,
        )
        return 1
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


def _outbox_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    from bot.booking import availability
    from bot.store.models import Booking, OutboxMessage
    from bot.store.session import session_scope

    with session_scope(_store_url()) as session:
        query = (
            select(OutboxMessage, Booking.ref)
            .outerjoin(Booking, OutboxMessage.booking_id == Booking.id)
            .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
            .limit(args.limit)
        )
        status = "failed" if args.failed else args.status
        if status:
            query = query.where(OutboxMessage.status == status)
        tz = availability.clinic_timezone(session)
        rows = []
        for message, ref in session.execute(query).all():
            rows.append(
                {
                    "id": message.id,
                    "kind": message.kind,
                    "channel": message.channel,
                    "status": message.status.value,
                    "attempts": message.attempts,
                    "due_at": message.due_at.isoformat(),
                    "sent_at": message.sent_at.isoformat() if message.sent_at else None,
                    "last_error": message.last_error,
                    "booking_ref": ref,
                    "handoff_id": message.handoff_id,
                    "created_at": message.created_at.isoformat(),
                    "_due_local": _local(message.due_at, tz),
                }
            )
        return rows


def _outbox_list(args: argparse.Namespace) -> int:
    rows = _outbox_rows(args)
    if args.json:
        _print_json([{k: v for k, v in row.items() if not k.startswith("_")} for row in rows])
        return 0
    if not rows:
        print("No failed messages." if args.failed else "No messages.")
        return 0
    headers = ["id", "kind", "channel", "status", "tries", "due", "booking", "last error"]
    _print_table(
        headers,
        [
            [
                _cell(row["id"]),
                _cell(row["kind"]),
                _cell(row["channel"]),
                _cell(row["status"]),
                _cell(row["attempts"]),
                _cell(row["_due_local"]),
                _cell(row["booking_ref"] or (row["handoff_id"] and f"handoff {row['handoff_id']}")),
                _cell(row["last_error"], 40),
            ]
            for row in rows
        ],
    )
    if args.failed:
        print("\nFix the cause (e.g. SMTP settings), then: clinic outbox retry ID")
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    from bot.store.models import OutboxMessage, OutboxStatus, utc_now
    from bot.store.session import session_scope

    with session_scope(_store_url()) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == args.id, OutboxMessage.status == OutboxStatus.FAILED)
            .values(status=OutboxStatus.PENDING, attempts=0, due_at=utc_now(), last_error=None)
            .execution_options(synchronize_session=False)
        )
    if result.rowcount != 1:
        print(f"No failed message with id {args.id}.", file=sys.stderr)
        return 1
    print(f"Message {args.id} will be sent again by `clinic outbox run`.")
    return 0


def add_outbox_commands(commands: argparse._SubParsersAction) -> None:
    outbox = _subcommands(
        _command(
            commands,
            "outbox",
            "confirmations, reminders and notifications waiting to be sent",
            "Every message the clinic sends on its own is a row of the outbox, written with\n"
            "the change it is about. `outbox run` sends them (started by `make run`).",
        ),
        "outbox_command",
    )
    run = _command(
        outbox,
        "run",
        "send due messages until stopped (or once with --once)",
        "On SQLite one sender runs at a time; on PostgreSQL any number share the work.",
    )
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
    run.set_defaults(handler=_outbox_run)

    listing = _command(outbox, "list", "messages, newest due first (no addresses shown)")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="only messages that gave up")
    which.add_argument("--status", choices=STATUSES, help="only messages in this status")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument(
        "--json",
        action="store_true",
        help="id, kind, channel, status, "
        "attempts, due_at, sent_at, last_error, booking_ref, handoff_id, "
        "created_at",
    )
    listing.set_defaults(handler=_outbox_list)

    retry = _command(outbox, "retry", "send a failed message again")
    retry.add_argument("id", type=int, help="its id (from `clinic outbox list --failed`)")
    retry.set_defaults(handler=_outbox_retry)
