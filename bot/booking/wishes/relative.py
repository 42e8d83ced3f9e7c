"""Readers for times counted from now: 'asap', 'in 3 days', 'a week on Friday', 'next Tuesday'."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.booking.wishes.days import add_months
from bot.booking.wishes.model import Context, Parts
from bot.booking.wishes.text import NUMBER, WEEKDAY, WEEKDAY_ABBR, count, cut
from bot.booking.wishes.wording import day_text

_ASAP = re.compile(
    r"\b(?:asap|a\.s\.a\.p\.?|as soon as (?:possible|poss|you can)|(?:at the )?earliest"
    r"|soonest|(?:first|next) (?:available|free)|any ?time|whenever|any day)\b"
)
_WEEK_SHIFT = re.compile(
    rf"\b{NUMBER}\s+weeks?\s+(?:on\s+|from\s+)?(?=today\b|tomorrow\b|{WEEKDAY}\b)"
)
_DURATION = re.compile(
    rf"\b(?P<in>in\s+)?(?:about\s+|around\s+|roughly\s+)?{NUMBER}\s+"
    r"(?P<unit>min(?:ute)?|h(?:ou)?r|day|week|fortnight|month)s?\b"
    r"(?P<suffix>'?s?\s+time\b|\s+from\s+(?:now|today)\b)?"
)
_DAY_AFTER_TOMORROW = re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b")
_NEXT_WEEKDAY = re.compile(rf"\bnext\s+{WEEKDAY}\b")


def read_asap(text: str, parts: Parts, ctx: Context) -> str:
    while match := _ASAP.search(text):
        parts.asap = True
        text = cut(text, match)
    return text


def read_week_shift(text: str, parts: Parts, ctx: Context) -> str:
    """'a week on Friday', 'two weeks tomorrow': the named day, that many weeks later."""
    if match := _WEEK_SHIFT.search(text):
        parts.shift_days = 7 * count(match["n"])
        text = cut(text, match)
    return text


def read_duration(text: str, parts: Parts, ctx: Context) -> str:
    """'in 3 days' is that day; 'in two weeks' is the calendar week it lands in."""
    match = _DURATION.search(text)
    if match is None or not (match["in"] or match["suffix"]):
        return text
    n, unit = count(match["n"]), match["unit"]
    if unit.startswith("min") or unit.startswith("h"):
        minutes = n if unit.startswith("min") else 60 * n
        moment = _round_up_to_quarter(ctx.now + timedelta(minutes=minutes))
        parts.day, parts.clock, parts.clock_is_exact = moment.date(), moment.time(), True
    elif unit == "day":
        parts.day = ctx.today + timedelta(days=n)
    else:
        if unit == "month":
            target = add_months(ctx.today, n)
        else:
            target = ctx.today + timedelta(days=(14 if unit == "fortnight" else 7) * n)
        monday = target - timedelta(days=target.weekday())
        parts.period = (
            monday,
            monday + timedelta(days=6),
            f"in the week of {day_text(monday, ctx)}",
        )
    return cut(text, match)


def _round_up_to_quarter(moment: datetime) -> datetime:
    extra = (-moment.minute) % 15
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


def read_relative_days(text: str, parts: Parts, ctx: Context) -> str:
    """'next Tuesday' is the Tuesday of next week (ctparse skips a week for some days)."""
    if match := _DAY_AFTER_TOMORROW.search(text):
        parts.day = parts.day or ctx.today + timedelta(days=2)
        text = cut(text, match)
    if match := _NEXT_WEEKDAY.search(text):
        next_monday = ctx.today + timedelta(days=7 - ctx.today.weekday())
        found = next_monday + timedelta(days=WEEKDAY_ABBR.index(match["wd"][:3]))
        parts.day = parts.day or found
        text = cut(text, match)
    return text
