"""The readers, in the order they must run, each taking out what it understood."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.booking.wishes.ctparse_reader import read_with_ctparse
from bot.booking.wishes.dates import read_absolute_dates, read_day_of_month, read_year
from bot.booking.wishes.model import Context, Parts, WishError
from bot.booking.wishes.periods import read_parts_of_day, read_periods
from bot.booking.wishes.relative import (
    read_asap,
    read_duration,
    read_relative_days,
    read_week_shift,
)
from bot.booking.wishes.text import WEEKDAY, normalise
from bot.booking.wishes.wording import PASSED

# A reader fills in what it understood and returns the text without it.
Reader = Callable[[str, Parts, Context], str]

# Order matters:
# - absolute dates before bare years and ordinals ("4 December 2026" is one date);
# - durations and periods before relative days ("in two weeks" is not "two weeks tomorrow");
# - weeks before weekdays ("friday next week");
# - ctparse last, on what nobody else understood.
READERS: tuple[Reader, ...] = (
    read_absolute_dates,
    read_year,
    read_asap,
    read_week_shift,
    read_duration,
    read_periods,
    read_relative_days,
    read_day_of_month,
    read_parts_of_day,
)

_PAST = re.compile(rf"\b(?:yesterday|ago|(?<!the )last\s+(?:week|month|year|night|{WEEKDAY}\b))")
_GREETING = re.compile(r"\bgood\s+(?:morning|afternoon|evening)\b")
_EXPLICIT_AM = re.compile(r"\d\s*a\.?m\b|\bin the morning\b")
# Small rewrites into forms ctparse reads correctly.
_REWRITES = (
    (re.compile(r"\b(?:noon|midday|mid-day)\b"), "12pm"),
    (re.compile(r"\b(\d{1,2})ish\b"), r"\1"),
    (re.compile(r"(?<!at )\b(\d{1,2}(?::\d\d)?)\s+(in the (?:morning|afternoon|evening))\b"),
     r"at \1 \2"),
)  # fmt: skip


def read(text: str, ctx: Context) -> Parts:
    """Everything the text says about the wished-for time, not yet checked against hours."""
    text = normalise(_GREETING.sub(" ", normalise(text)))  # "good morning" is not a time
    parts = Parts(clock_is_exact=bool(_EXPLICIT_AM.search(text)))
    if _PAST.search(text):
        raise WishError(PASSED)
    for reader in READERS:
        text = reader(text, parts, ctx)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    read_with_ctparse(text, parts, ctx)
    return parts
