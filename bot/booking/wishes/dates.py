"""Readers for named dates: '4 December', 'feb 30', '30/11/2026', 'in 2027', 'the 31st'.

They run before ctparse sees the text because ctparse clamps impossible days ("31 February"
becomes the 28th) where the client should hear that there is no such date.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from bot.booking.wishes.days import add_months, check_bookable, month_number
from bot.booking.wishes.model import Context, Parts, WishError
from bot.booking.wishes.text import MONTH, cut
from bot.booking.wishes.wording import (
    PASSED,
    beyond_horizon,
    no_such_date,
    no_such_day_number,
    unreadable_date,
)

# Day and month, tried in this order: '4 December [2026]', 'December 4th', '30/11[/2026]'.
_DATES = (
    re.compile(
        rf"\b(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\b"
        r"(?:\s+(?P<year>\d{4})\b)?"
    ),
    re.compile(
        rf"\b{MONTH}\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?![:.]\d)"
        r"(?:\s+(?P<year>\d{4})\b)?"
    ),
    re.compile(r"\b(?P<day>\d{1,2})/(?P<mon>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?\b"),
)
_DAY_OF_MONTH = re.compile(r"\b(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)\b")
# A 4-digit number is a year unless it reads as a 24-hour time ("at 1430").
_YEAR = re.compile(r"(?<!at )(?<!:)\b(?:year\s+)?(?P<year>\d{4})\b")


def read_absolute_dates(text: str, parts: Parts, ctx: Context) -> str:
    """'4 December', 'feb 30', '30/11/2026' - checked here because ctparse clamps bad days."""
    for pattern in _DATES:
        while match := pattern.search(text):
            day = _checked_date(match, ctx)
            parts.day = parts.day or day
            text = cut(text, match)
    return text


def _checked_date(match: re.Match[str], ctx: Context) -> date:
    day_number = int(match["day"])
    raw_month = match["mon"]
    month = int(raw_month) if raw_month.isdigit() else month_number(raw_month)
    if not 1 <= month <= 12:
        raise WishError(unreadable_date(match.group(0)))
    explicit = _explicit_year(match["year"])
    year = explicit or _next_year_with(day_number, month, ctx)
    if not 1 <= day_number <= calendar.monthrange(year, month)[1]:
        raise WishError(no_such_date(day_number, month, year))
    found = date(year, month, day_number)
    if explicit is None and found > ctx.last_day and _recently_passed(found, ctx):
        raise WishError(PASSED)
    check_bookable(found, ctx)
    return found


def _explicit_year(raw: str | None) -> int | None:
    if raw is None:
        return None
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _next_year_with(day_number: int, month: int, ctx: Context) -> int:
    """The year in which day/month next comes round (this year if not yet past)."""
    if (month, day_number) >= (ctx.today.month, ctx.today.day):
        return ctx.today.year
    return ctx.today.year + 1


def _recently_passed(found: date, ctx: Context) -> bool:
    """Said on 25 November, "3 November" means a date just gone, not one next year."""
    try:
        last_time = found.replace(year=found.year - 1)
    except ValueError:  # 29 February
        return False
    return last_time < ctx.today and (ctx.today - last_time).days <= 60


def read_year(text: str, parts: Parts, ctx: Context) -> str:
    """'in 2027': kept apart, so that ctparse does not read the number as a time."""
    match = _YEAR.search(text)
    if match is None or int(match["year"]) < 1900:
        return text
    year = int(match["year"])
    if year < ctx.today.year:
        raise WishError(PASSED)
    if date(year, 1, 1) > ctx.last_day:
        raise WishError(beyond_horizon(ctx))
    parts.year = year
    return cut(text, match)


def read_day_of_month(text: str, parts: Parts, ctx: Context) -> str:
    """'the 31st': the next month that has that day (ctparse clamps to the 30th)."""
    match = _DAY_OF_MONTH.search(text)
    if match is None:
        return text
    number = int(match["day"])
    if not 1 <= number <= 31:
        raise WishError(no_such_day_number(number))
    found = _next_day_numbered(number, ctx.today)
    check_bookable(found, ctx)
    parts.day = parts.day or found
    return cut(text, match)


def _next_day_numbered(number: int, today: date) -> date:
    """The next date, today included, whose day of the month is `number`."""
    month_start = today.replace(day=1)
    for months in range(13):
        first = add_months(month_start, months)
        if number <= calendar.monthrange(first.year, first.month)[1]:
            if (found := first.replace(day=number)) >= today:
                return found
    raise AssertionError("every day number 1-31 comes round within a year")
