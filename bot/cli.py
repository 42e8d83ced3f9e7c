"""The `clinic` command for the clinic's staff and operators (thin: calls bot modules)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.settings import get_settings

# `clinic ask`: this ask_* intent is answered per condition entity, not by a topic.
CONDITION_ENTITY = "condition"
# Longest client message shown in the handoff table (the full one is in --json).
MESSAGE_WIDTH = 50


# --- argument types ------------------------------------------------------------------


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a valid date: {text!r} (expected YYYY-MM-DD, e.g. 2026-11-27)"
        ) from None


def _question(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the question is empty")
    return text


def _store_url() -> str:
    # Resolved here rather than left to the store's engine cache, which is keyed by the
    # URL argument: with None it would keep the first URL it ever saw.
    return get_settings().database_url


# --- printing --------------------------------------------------------------------------


def _cell(value: object, width: int | None = None) -> str:
    """One table cell: one line, no control characters (client text is untrusted)."""
    text = "-" if value is None or value == "" else str(value)
    text = " ".join(text.split())
    text = "".join(char if char.isprintable() else "?" for char in text)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def _print_json(items: list[dict[str, Any]]) -> None:
    print(json.dumps(items, indent=2))


def _local(moment: datetime, tz) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


# --- db and knowledge ------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.store import migrate

    migrate.upgrade(revision=args.revision)
    print(f"Store is at migration {args.revision}.")
    return 0


def _knowledge_load(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import KnowledgeError, load_knowledge

    try:
        report = load_knowledge(args.dir)
    except KnowledgeError as error:
        print(f"error: {error}\nNothing was changed in the store.", file=sys.stderr)
        return 1
    print(report.summary())
    print("Knowledge loaded." if report.changed_anything else "Already up to date.")
    return 0


def _knowledge_check(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import KnowledgeError, problems, read_knowledge_dir

    try:
        bundle = read_knowledge_dir(args.dir)
    except KnowledgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    found = problems(bundle)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if found:
        return 1
    print(
        f"OK: {len(bundle.topics)} topics, {len(bundle.conditions)} conditions, "
        f"{len(bundle.treatments)} treatments."
    )
    return 0


# --- bookings and slots ----------------------------------------------------------------


def _bookings_list(args: argparse.Namespace) -> int:
    from bot.booking.service import BookingService

    bookings = BookingService(_store_url()).list_bookings(args.date)
    if args.json:
        _print_json([booking.as_json() for booking in bookings])
        return 0
    if not bookings:
        print(f"No bookings on {args.date}." if args.date else "No bookings.")
        return 0
    rows = [
        [
            _cell(b.ref),
            b.start.strftime("%Y-%m-%d %H:%M"),  # already in the clinic's time zone
            _cell(b.practitioner),
            _cell(b.name),
            _cell(", ".join(value for value in (b.phone, b.email) if value)),
            _cell(b.status),
        ]
        for b in bookings
    ]
    _print_table(["REF", "START", "PRACTITIONER", "NAME", "CONTACT", "STATUS"], rows)
    return 0


def _bookings_cancel(args: argparse.Namespace) -> int:
    from bot.booking.service import BookingNotFound, BookingService

    try:
        booking = BookingService(_store_url()).cancel_by_staff(args.ref)
    except BookingNotFound as error:
        print(f"error: {error} (unknown or already cancelled)", file=sys.stderr)
        return 1
    print(
        f"Cancelled {booking.ref}: {_cell(booking.name)}, "
        f"{booking.start.strftime('%a %d %b %Y %H:%M')} with {_cell(booking.practitioner)}."
    )
    return 0


def _slots_show(args: argparse.Namespace) -> int:
    from bot.booking.service import BookingService

    service = BookingService(_store_url())
    day = args.date or datetime.now(service.timezone()).date()
    slots = service.slots_on(day)
    if not slots:
        print(f"No free first-session slots on {day.isoformat()}.", file=sys.stderr)
    for slot in slots:
        print(
            f"{slot.start.strftime('%H:%M')}-{slot.end.strftime('%H:%M')}  "
            f"{_cell(slot.practitioner_name)}"
        )
    return 0


# --- handoffs --------------------------------------------------------------------------


def _last_client_message(transcript: list[dict[str, str]]) -> str | None:
    said = [line.get("text") for line in transcript if line.get("from") == "client"]
    return said[-1] if said else None


def _handoffs_list(args: argparse.Namespace) -> int:
    from bot.booking.service import BookingService
    from bot.handoff import HandoffQueue
    from bot.store.queries import KnowledgeNotLoaded

    handoffs = HandoffQueue(_store_url()).list(only_open=args.open)
    if args.json:
        _print_json([handoff.as_json() for handoff in handoffs])
        return 0
    if not handoffs:
        print("No open handoff requests." if args.open else "No handoff requests.")
        return 0
    try:
        tz = BookingService(_store_url()).timezone()
    except KnowledgeNotLoaded:
        tz = timezone.utc
    rows = [
        [
            str(h.id),
            _local(h.created_at, tz),
            _cell(h.channel),
            _cell(h.contact),
            _cell(h.status),
            _cell(_last_client_message(h.transcript), MESSAGE_WIDTH),
        ]
        for h in handoffs
    ]
    _print_table(["ID", "CREATED", "CHANNEL", "CONTACT", "STATUS", "LAST CLIENT MESSAGE"], rows)
    return 0


def _handoffs_close(args: argparse.Namespace) -> int:
    from bot.handoff import HandoffNotFound, HandoffQueue

    try:
        handoff = HandoffQueue(_store_url()).close(args.id)
    except HandoffNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Closed handoff request {handoff.id}.")
    return 0


# --- lockouts --------------------------------------------------------------------------


def _lockouts_list(args: argparse.Namespace) -> int:
    from bot.booking.guesses import GuessLimiter
    from bot.booking.service import BookingService
    from bot.store.queries import KnowledgeNotLoaded

    lockouts = GuessLimiter(_store_url()).lockouts()
    if args.json:
        _print_json([lockout.as_json() for lockout in lockouts])
        return 0
    if not lockouts:
        print("No refused booking checks.")
        return 0
    try:
        tz = BookingService(_store_url()).timezone()
    except KnowledgeNotLoaded:
        tz = timezone.utc
    rows = [
        [str(item.id), _local(item.created_at, tz), _cell(item.channel),
         _cell(item.sender_id), _cell(item.ref)]
        for item in lockouts
    ]
    _print_table(["ID", "WHEN", "CHANNEL", "CONVERSATION", "REFERENCE TRIED"], rows)
    return 0


# --- ask -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_agent(model_path: str):
    """The trained Rasa agent (slow: imports Rasa and TensorFlow; cached per process)."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_warnings():
        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        # Rasa's structured debug logs would otherwise be printed on stdout with the answer.
        configure_structlog(logging.WARNING)
        return Agent.load(model_path)


@contextmanager
def _quiet_warnings() -> Iterator[None]:
    """No warnings on the terminal: Rasa, TensorFlow and their dependencies warn about
    their own internals, and importing Sanic turns deprecation warnings back on, so
    the output itself is silenced rather than filtered."""
    with warnings.catch_warnings():
        warnings.showwarning = _no_warning
        yield


def _vetted_answer(
    intent: str | None, entities: list[dict[str, Any]], question: str
) -> str | None:
    """What the assistant would answer: the same FAQ retrieval as the action server."""
    from bot.answers import Answers

    keys = [e["value"] for e in entities if e.get("entity") == CONDITION_ENTITY and e.get("value")]
    return Answers(_store_url()).for_message(intent, question, keys)


def _no_warning(*_args: object, **_kwargs: object) -> None:
    return None


def _ask(args: argparse.Namespace) -> int:
    import asyncio

    model_path = get_settings().model_path
    if not model_path.is_file():
        print(f"error: no trained model at {model_path}: run `make train`", file=sys.stderr)
        return 1
    with _quiet_warnings():
        result = asyncio.run(load_agent(str(model_path)).parse_message(args.question))
    intent = result.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    print(f"[{name} {confidence:.2f}]")
    answer = _vetted_answer(name, result.get("entities") or [], args.question)
    print(answer if answer else f"Recognised intent {name!r}: there is no vetted answer for it.")
    return 0


# --- telegram --------------------------------------------------------------------------


def _telegram_set_webhook(args: argparse.Namespace) -> int:
    import asyncio

    from bot.channels.config import NotConfigured
    from bot.channels.telegram_api import TelegramError, TelegramSettings, set_webhook

    try:
        url = asyncio.run(set_webhook(TelegramSettings.from_settings(), args.url))
    except (NotConfigured, TelegramError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Telegram webhook set to {url} (with TELEGRAM_WEBHOOK_SECRET).")
    return 0


# --- staff accounts of the console ------------------------------------------------------


def _operator() -> str:
    """Who ran a `clinic staff` command, for the audit log."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _new_password(args: argparse.Namespace) -> str:
    """From stdin (--password-stdin: scripts and tests) or typed twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(f"New password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _staff_change(args: argparse.Namespace) -> int:
    from bot.console.accounts import AccountError, StaffAccounts

    accounts = StaffAccounts(_store_url())
    try:
        if args.staff_command == "add":
            info = accounts.add(args.name, _new_password(args), _operator())
            print(f"Added {info.name}: they can log in to the front desk console now.")
        elif args.staff_command == "reset-password":
            info = accounts.reset_password(args.name, _new_password(args), _operator())
            print(f"New password set for {info.name}; their open sessions are logged out.")
        elif args.staff_command == "disable":
            info = accounts.disable(args.name, _operator())
            print(f"Disabled {info.name}; their open sessions are logged out.")
        else:
            info = accounts.enable(args.name, _operator())
            print(f"Enabled {info.name}.")
    except (AccountError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _staff_list(args: argparse.Namespace) -> int:
    from bot.console.accounts import StaffAccounts

    staff = StaffAccounts(_store_url()).list()
    if args.json:
        _print_json([info.as_json() for info in staff])
        return 0
    if not staff:
        print("No staff accounts. Add one with `clinic staff add NAME`.")
        return 0
    now = datetime.now(timezone.utc)
    rows = [
        [
            _cell(info.name),
            "active" if info.active else "disabled",
            "locked" if info.locked_until and info.locked_until > now else "-",
            _local(info.last_login_at, timezone.utc) if info.last_login_at else "never",
        ]
        for info in staff
    ]
    _print_table(["NAME", "STATUS", "LOCK", "LAST LOGIN (UTC)"], rows)
    return 0


def _add_staff_commands(commands: argparse._SubParsersAction) -> None:
    staff = _subcommands(
        _command(
            commands,
            "staff",
            "staff accounts of the front desk console",
            "Passwords are stored as argon2 hashes and never shown. Five failed logins in a\n"
            "row lock an account for 15 minutes; reset-password unlocks it.",
        ),
        "staff_command",
    )
    for name, summary in (
        ("add", "add a staff account (asks for the password twice)"),
        ("reset-password", "set a new password (logs the account out everywhere, unlocks it)"),
    ):
        sub = _command(staff, name, summary)
        sub.add_argument("name", metavar="NAME")
        sub.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of stdin (for scripts)",
        )
        sub.set_defaults(handler=_staff_change)
    for name, summary in (
        ("disable", "stop an account from logging in (and log it out everywhere)"),
        ("enable", "let a disabled account log in again"),
    ):
        sub = _command(staff, name, summary)
        sub.add_argument("name", metavar="NAME")
        sub.set_defaults(handler=_staff_change)
    listing = _command(staff, "list", "list staff accounts (never their passwords)")
    listing.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    listing.set_defaults(handler=_staff_list)


# --- privacy ---------------------------------------------------------------------------


def _age(text: str) -> timedelta:
    from bot.privacy import parse_age

    try:
        return parse_age(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _contact_text(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the phone number or email address is empty")
    return text


def _conversations_line(deleted: int | None, events: int | None = None) -> str:
    if deleted is None:
        return "  conversations:          not touched (TRACKER_DB_URL is not set)"
    return f"  conversations deleted:  {deleted}" + (
        f" ({events} events)" if events is not None else ""
    )


def _privacy_purge(args: argparse.Namespace) -> int:
    from bot.privacy import PrivacyError, purge, tracker_url_from_env

    try:
        report = purge(_store_url(), args.older_than, tracker_url_from_env())
    except PrivacyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Purged personal data from before {report.cutoff:%Y-%m-%d %H:%M} UTC:")
    print(f"  bookings anonymised:    {report.bookings_anonymised}")
    print(f"  handoffs cleared:       {report.handoffs_cleared}")
    print(f"  outbox messages deleted: {report.outbox_deleted}")
    print(_conversations_line(report.conversations_deleted, report.events_deleted))
    return 0


def _privacy_erase(args: argparse.Namespace) -> int:
    from bot.privacy import InvalidContact, PrivacyError, erase, tracker_url_from_env

    try:
        report = erase(_store_url(), args.contact, tracker_url_from_env())
    except InvalidContact as error:
        print(f"error: {error}; nothing was changed", file=sys.stderr)
        return 2
    except PrivacyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if report.nothing_found:
        print(f"Nothing found for {report.contact}.")
        if report.conversations_deleted is None:
            print(_conversations_line(None))
        return 0
    refs = ", ".join(report.bookings_anonymised)
    print(f"Erased {report.contact}:")
    print(f"  bookings anonymised:    {len(report.bookings_anonymised)}" + (refs and f" ({refs})"))
    print(f"  handoffs cleared:       {report.handoffs_cleared}")
    print(f"  outbox messages deleted: {report.outbox_deleted}")
    print(_conversations_line(report.conversations_deleted))
    if report.upcoming:
        print(
            f"Note: {', '.join(report.upcoming)} still to come: kept in the diary with no name "
            "or contact; cancel with `clinic bookings cancel` if it should not go ahead."
        )
    return 0


def _add_privacy_commands(commands: argparse._SubParsersAction) -> None:
    privacy = _subcommands(
        _command(
            commands,
            "privacy",
            "data retention and erasure of clients' personal data",
            "Covers the store (DATABASE_URL) and Rasa's conversations in its SQL tracker\n"
            "store (TRACKER_DB_URL; when unset, only the store is touched). Each database\n"
            "is changed in one transaction: a failure changes nothing.",
        ),
        "privacy_command",
    )
    purge = _command(
        privacy,
        "purge",
        "forget personal data older than an age (bookings keep ref, times and status)",
        "Bookings that ended before the cutoff lose name, phone, email and sender id;\n"
        "handoff requests created before it (open or closed) lose transcript, contact\n"
        "and sender id; conversations whose last event is before it are deleted whole.",
    )
    purge.add_argument(
        "--older-than",
        type=_age,
        required=True,
        metavar="AGE",
        help="e.g. 180d, 26w or 12h (days, weeks, hours)",
    )
    purge.set_defaults(handler=_privacy_purge)
    erase = _command(
        privacy,
        "erase",
        "forget one person: their bookings' personal fields, handoffs and conversations",
        "Finds bookings with that phone or email, handoff requests whose contact or\n"
        "transcript mentions it, and conversations of those, from that WhatsApp number\n"
        "or mentioning it. Unknown contact: 'Nothing found', exit 0. Not a phone number\n"
        "or email address: exit 2. Other failures: exit 1, nothing changed.",
    )
    erase.add_argument(
        "--contact",
        type=_contact_text,
        required=True,
        metavar="PHONE_OR_EMAIL",
        help="phone number (national or +international) or email address",
    )
    erase.set_defaults(handler=_privacy_erase)


# --- parser ----------------------------------------------------------------------------


def _command(
    commands: argparse._SubParsersAction, name: str, summary: str, details: str | None = None
) -> argparse.ArgumentParser:
    """A sub-command whose --help starts with the same one-line summary as its listing."""
    description = f"{summary[:1].upper()}{summary[1:]}." + (f"\n\n{details}" if details else "")
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _subcommands(parser: argparse.ArgumentParser, dest: str) -> argparse._SubParsersAction:
    return parser.add_subparsers(dest=dest, required=True, metavar="COMMAND")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic",
        description="Staff tools of the facial acupuncture clinic assistant. "
        "The store is DATABASE_URL (default: var/clinic.db).",
    )
    commands = _subcommands(parser, "command")

    db = _subcommands(_command(commands, "db", "the store's schema"), "db_command")
    upgrade = _command(db, "upgrade", "create or migrate the store's tables (Alembic)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    upgrade.set_defaults(handler=_db_upgrade)

    knowledge = _subcommands(
        _command(commands, "knowledge", "the answers the assistant gives"), "knowledge_command"
    )
    default_dir = get_settings().knowledge_dir
    load = _command(
        knowledge,
        "load",
        "load data/knowledge/*.yml into the store (safe to re-run; all or nothing)",
    )
    check = _command(knowledge, "check", "validate the knowledge files without touching the store")
    for sub, handler in ((load, _knowledge_load), (check, _knowledge_check)):
        sub.add_argument("--dir", type=Path, default=default_dir, help=f"default: {default_dir}")
        sub.set_defaults(handler=handler)

    bookings = _subcommands(
        _command(commands, "bookings", "first-session bookings made through the assistant"),
        "bookings_command",
    )
    listing = _command(
        bookings,
        "list",
        "list bookings (all, or one day's) with the clients' full contact details",
        "Contact details are shown in full: this is the front desk's tool. Do not paste\n"
        "the output anywhere clients' details should not be.",
    )
    listing.add_argument(
        "--date", type=_iso_date, metavar="YYYY-MM-DD", help="only bookings starting that day"
    )
    listing.add_argument(
        "--json", action="store_true", help="a JSON array of bookings instead of a table"
    )
    listing.set_defaults(handler=_bookings_list)
    cancel = _command(
        bookings, "cancel", "cancel a confirmed booking (no contact check: staff only)"
    )
    cancel.add_argument("ref", metavar="REF", help="booking reference, e.g. FA-7K3Q")
    cancel.set_defaults(handler=_bookings_cancel)

    handoffs = _subcommands(
        _command(commands, "handoffs", "clients who asked to talk to a person"),
        "handoffs_command",
    )
    h_list = _command(
        handoffs,
        "list",
        "list handoff requests with the client's contact and last message",
        "Contact details and messages are shown in full in --json; the table shortens\n"
        "the last client message.",
    )
    h_list.add_argument("--open", action="store_true", help="only requests not yet closed")
    h_list.add_argument(
        "--json", action="store_true", help="a JSON array of requests (with transcripts)"
    )
    h_list.set_defaults(handler=_handoffs_list)
    close = _command(handoffs, "close", "mark a handoff request as dealt with")
    close.add_argument("id", metavar="ID", type=int, help="the request's id (see `handoffs list`)")
    close.set_defaults(handler=_handoffs_close)

    lockouts = _subcommands(
        _command(
            commands, "lockouts", "booking checks refused after too many wrong reference + contact"
        ),
        "lockouts_command",
    )
    l_list = _command(
        lockouts,
        "list",
        "list refused checks, newest first (conversation and reference tried; no contact)",
    )
    l_list.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    l_list.set_defaults(handler=_lockouts_list)

    slots = _subcommands(_command(commands, "slots", "free appointment slots"), "slots_command")
    show = _command(
        slots, "show", "free first-session slots of one day, one per line: HH:MM-HH:MM  Name"
    )
    show.add_argument(
        "--date",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the day (default: today in the clinic's time zone)",
    )
    show.set_defaults(handler=_slots_show)

    ask = _command(
        commands,
        "ask",
        "show the intent the trained model reads in a question and the vetted answer",
        "Uses the model at MODEL_PATH (default: models/clinic.tar.gz; build it with\n"
        "`make train`) and the answers in the store. Loading the model takes a while.",
    )
    ask.add_argument("question", type=_question, help="the question, in quotes")
    ask.set_defaults(handler=_ask)

    telegram = _subcommands(
        _command(commands, "telegram", "the Telegram channel"), "telegram_command"
    )
    set_hook = _command(
        telegram,
        "set-webhook",
        "point the Telegram bot's webhook at this server, with the secret token",
        "Needs TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET; the URL is --url or\n"
        "TELEGRAM_PUBLIC_URL (a base URL gets /webhooks/telegram/webhook added).",
    )
    set_hook.add_argument(
        "--url", metavar="URL", help="public https:// URL (default: TELEGRAM_PUBLIC_URL)"
    )
    set_hook.set_defaults(handler=_telegram_set_webhook)

    _add_privacy_commands(commands)
    from bot.outbox.cli import add_outbox_commands  # imports this module's helpers

    add_outbox_commands(commands)
    _add_staff_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    from bot.store.queries import KnowledgeNotLoaded
    from bot.store.session import StoreUnavailable

    try:
        return args.handler(args)
    except StoreUnavailable as error:
        print(
            f"error: {error} (is DATABASE_URL right and the store migrated? "
            "see `clinic db upgrade`)",
            file=sys.stderr,
        )
    except KnowledgeNotLoaded as error:
        print(f"error: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
