"""`clinic privacy purge | erase`: data retention and erasure of clients' personal data."""

from __future__ import annotations

import argparse
from datetime import timedelta

from bot.cli.common import Commands, command, command_group, reported, store_url


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


def _print_store_counts(handoffs: int, outbox: int) -> None:
    print(f"  handoffs cleared:       {handoffs}")
    print(f"  outbox messages deleted: {outbox}")


def _purge(args: argparse.Namespace) -> int:
    from bot.privacy import PrivacyError, purge, tracker_url_from_env

    with reported(PrivacyError):
        report = purge(store_url(), args.older_than, tracker_url_from_env())
    print(f"Purged personal data from before {report.cutoff:%Y-%m-%d %H:%M} UTC:")
    print(f"  bookings anonymised:    {report.bookings_anonymised}")
    _print_store_counts(report.handoffs_cleared, report.outbox_deleted)
    print(_conversations_line(report.conversations_deleted, report.events_deleted))
    return 0


def _erase(args: argparse.Namespace) -> int:
    from bot.privacy import InvalidContact, PrivacyError, erase, tracker_url_from_env

    with reported(PrivacyError), reported(InvalidContact, suffix="; nothing was changed", code=2):
        report = erase(store_url(), args.contact, tracker_url_from_env())
    if report.nothing_found:
        print(f"Nothing found for {report.contact}.")
        if report.conversations_deleted is None:
            print(_conversations_line(None))
        return 0
    refs = ", ".join(report.bookings_anonymised)
    print(f"Erased {report.contact}:")
    print(f"  bookings anonymised:    {len(report.bookings_anonymised)}" + (refs and f" ({refs})"))
    _print_store_counts(report.handoffs_cleared, report.outbox_deleted)
    print(_conversations_line(report.conversations_deleted))
    if report.upcoming:
        print(
            f"Note: {', '.join(report.upcoming)} still to come: kept in the diary with no name "
            "or contact; cancel with `clinic bookings cancel` if it should not go ahead."
        )
    return 0


GROUP_HELP = "data retention and erasure of clients' personal data"
GROUP_DETAILS = """\
Covers the store (DATABASE_URL) and Rasa's conversations in its SQL tracker
store (TRACKER_DB_URL; when unset, only the store is touched). Each database
is changed in one transaction: a failure changes nothing."""
PURGE_SUMMARY = "forget personal data older than an age (bookings keep ref, times and status)"
PURGE_DETAILS = """\
Bookings that ended before the cutoff lose name, phone, email and sender id;
handoff requests created before it (open or closed) lose transcript, contact
and sender id; conversations whose last event is before it are deleted whole."""
OLDER_THAN = ("--older-than", _age, "AGE", "e.g. 180d, 26w or 12h (days, weeks, hours)")
ERASE_SUMMARY = "forget one person: their bookings' personal fields, handoffs and conversations"
ERASE_DETAILS = """\
Finds bookings with that phone or email, handoff requests whose contact or
transcript mentions it, and conversations of those, from that WhatsApp number
or mentioning it. Unknown contact: 'Nothing found', exit 0. Not a phone number
or email address: exit 2. Other failures: exit 1, nothing changed."""
CONTACT = (
    "--contact",
    _contact_text,
    "PHONE_OR_EMAIL",
    "phone number (national or +international) or email address",
)


def add_commands(commands: Commands) -> None:
    privacy = command_group(commands, "privacy", GROUP_HELP, GROUP_DETAILS)
    for name, summary, details, option, handler in (
        ("purge", PURGE_SUMMARY, PURGE_DETAILS, OLDER_THAN, _purge),
        ("erase", ERASE_SUMMARY, ERASE_DETAILS, CONTACT, _erase),
    ):
        sub = command(privacy, name, summary, details)
        flag, kind, metavar, help_text = option
        sub.add_argument(flag, type=kind, required=True, metavar=metavar, help=help_text)
        sub.set_defaults(handler=handler)
