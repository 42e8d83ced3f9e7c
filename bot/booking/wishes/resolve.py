"""Settle what the readers found into one kind of wish, then build its window."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from bot.booking.wishes.model import Context, Parts, TimeWish, WishError
from bot.booking.wishes.windows import asap_wish, day_wish, next_open_day_wish, period_wish
from bot.booking.wishes.wording import NO_TIME, no_such_date


def resolve(parts: Parts, ctx: Context) -> TimeWish:
    """A day beats a period, a period beats a bare time, and any of them beats 'asap'."""
    _settle_month_or_year(parts, ctx)
    day = _settle_day(parts)
    if day is not None:
        return day_wish(day, parts, ctx)
    if parts.period is not None:
        return period_wish(parts, ctx)
    if parts.has_time:
        return next_open_day_wish(parts, ctx)
    if parts.asap or parts.any_pod:
        return asap_wish(parts, ctx)
    raise WishError(NO_TIME)


def _settle_month_or_year(parts: Parts, ctx: Context) -> None:
    """A bare month ('in December') or year ('in 2027') becomes a span of days."""
    if parts.period is not None or parts.day is not None or parts.parsed_day is not None:
        return
    if parts.month is not None:
        month, this_year = parts.month, ctx.today.year
        year = parts.year or (this_year if month >= ctx.today.month else this_year + 1)
        first = date(year, month, 1)
        last = first.replace(day=calendar.monthrange(year, month)[1])
        name = calendar.month_name[month] + ("" if year == this_year else f" {year}")
        parts.period = (first, last, f"in {name}")
    elif parts.year is not None:
        parts.period = (date(parts.year, 1, 1), date(parts.year, 12, 31), f"in {parts.year}")


def _settle_day(parts: Parts) -> date | None:
    """One specific day, if the text named one (ours beats ctparse's)."""
    day = parts.day
    if day is None and parts.parsed_day is not None:
        day = _parsed_day_in_period(parts)
    if day is not None and parts.year is not None and day.year != parts.year:
        try:
            day = day.replace(year=parts.year)
        except ValueError:
            raise WishError(no_such_date(day.day, day.month, parts.year)) from None
    if day is not None:
        day += timedelta(days=parts.shift_days)
    return day


def _parsed_day_in_period(parts: Parts) -> date | None:
    found = parts.parsed_day
    assert found is not None
    if parts.period is None:
        return found
    first, last, _ = parts.period
    if first <= found <= last:
        return found
    if parts.parsed_weekday_named:  # "friday next week": ctparse gave this week's Friday
        for offset in range((last - first).days + 1):
            candidate = first + timedelta(days=offset)
            if candidate.weekday() == found.weekday():
                return candidate
    return None  # e.g. "any morning next week": ctparse's "tomorrow morning" is not meant
