"""`clinic slots show`: free first-session slots of one day."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.cli.common import Commands, command, command_group, iso_date, store_url
from bot.cli.output import cell


def add_commands(commands: Commands) -> None:
    slots = command_group(commands, "slots", "free appointment slots")
    show = command(
        slots, "show", "free first-session slots of one day, one per line: HH:MM-HH:MM  Name"
    )
    show.add_argument(
        "--date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the day (default: today in the clinic's time zone)",
    )
    show.set_defaults(handler=_show)


def _show(args: argparse.Namespace) -> int:
    from bot.booking.service import BookingService

    service = BookingService(store_url())
    day = args.date or datetime.now(service.timezone()).date()
    slots = service.slots_on(day)
    if not slots:
        print(f"No free first-session slots on {day.isoformat()}.", file=sys.stderr)
    for slot in slots:
        print(
            f"{slot.start.strftime('%H:%M')}-{slot.end.strftime('%H:%M')}  "
            f"{cell(slot.practitioner_name)}"
        )
    return 0
