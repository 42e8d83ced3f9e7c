"""Turn a client's wished-for appointment time ("next Friday afternoon") into a bookable window.

ctparse does the heavy lifting for weekdays, relative days and clock times, but it
gets several things a booking conversation depends on wrong: it drops "next week",
silently clamps "31 February" to the 28th, reads "half past two" as 02:30 and finds
dates inside ordinary words ("sure" -> Sunday). So the phrases that matter are
taken out with small readers first (pipeline.READERS), and ctparse only sees what is left.

    text -> pipeline.read (readers fill in model.Parts) -> resolve (a model.TimeWish)

What the client reads (descriptions, re-prompts) is in wording.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.booking.wishes.hours import hours_by_weekday
from bot.booking.wishes.model import ASAP_DAYS, PARTS_OF_DAY, Context, TimeWish, WishError
from bot.booking.wishes.pipeline import read
from bot.booking.wishes.resolve import resolve
from bot.booking.wishes.wording import NO_TIME, NOT_TAKING_BOOKINGS, PASSED
from bot.store.queries import OpeningSpan

__all__ = [
    "ASAP_DAYS",
    "NO_TIME",
    "PARTS_OF_DAY",
    "PASSED",
    "TimeWish",
    "WishError",
    "parse_wish",
]


def parse_wish(
    text: str, now: datetime, opening_hours: Sequence[OpeningSpan], horizon_days: int = 90
) -> TimeWish:
    """Understand `text` as a window to look for appointments in, or raise WishError."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ctx = Context(now, hours_by_weekday(opening_hours), horizon_days)
    if not ctx.hours:
        raise WishError(NOT_TAKING_BOOKINGS)
    return resolve(read(text, ctx), ctx)
