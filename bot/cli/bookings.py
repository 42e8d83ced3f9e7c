"""`clinic bookings list | cancel`: first-session bookings made through the assistant."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli.common import Commands, command, command_group, iso_date, reported, store_url
from bot.cli.output import Listing, cell

if TYPE_CHECKING:
    from bot.booking.service import BookingRecord

HEADERS = ["REF", "START", "PRACTITIONER", "NAME", "CONTACT", "STATUS"]
GROUP_HELP = "first-session bookings made through the assistant"
LIST_HELP = "list bookings (all, or one day's) with the clients' full contact details"
LIST_DETAILS = """\
Contact details are shown in full: this is the front desk's tool. Do not paste
the output anywhere clients' details should not be."""
CANCEL_HELP = "cancel a confirmed booking (no contact check: staff only)"


def add_commands(commands: Commands) -> None:
    bookings = command_group(commands, "bookings", GROUP_HELP)
    listing = command(bookings, "list", LIST_HELP, LIST_DETAILS)
    listing.add_argument(
        "--date", type=iso_date, metavar="YYYY-MM-DD", help="only bookings starting that day"
    )
    Listing(_bookings, _when_empty, HEADERS, _rows).attach(
        listing, "a JSON array of bookings instead of a table"
    )
    cancel = command(bookings, "cancel", CANCEL_HELP)
    cancel.add_argument("ref", metavar="REF", help="booking reference, e.g. FA-7K3Q")
    cancel.set_defaults(handler=_cancel)


def _bookings(args: argparse.Namespace) -> list[BookingRecord]:
    from bot.booking.service import BookingService

    return BookingService(store_url()).list_bookings(args.date)


def _when_empty(args: argparse.Namespace) -> str:
    return f"No bookings on {args.date}." if args.date else "No bookings."


def _rows(bookings: Sequence[BookingRecord]) -> list[list[str]]:
    return [
        [
            cell(b.ref),
            b.start.strftime("%Y-%m-%d %H:%M"),  # already in the clinic's time zone
            cell(b.practitioner),
            cell(b.name),
            cell(", ".join(value for value in (b.phone, b.email) if value)),
            cell(b.status),
        ]
        for b in bookings
    ]


def _cancel(args: argparse.Namespace) -> int:
    from bot.booking.service import BookingNotFound, BookingService

    with reported(BookingNotFound, suffix=" (unknown or already cancelled)"):
        booking = BookingService(store_url()).cancel_by_staff(args.ref)
    print(
        f"Cancelled {booking.ref}: {cell(booking.name)}, "
        f"{booking.start.strftime('%a %d %b %Y %H:%M')} with {cell(booking.practitioner)}."
    )
    return 0
