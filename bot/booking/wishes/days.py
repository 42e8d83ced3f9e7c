"""Calendar arithmetic and the bookable range, shared by the readers and the resolver."""

from __future__ import annotations

import calendar
from datetime import date

from bot.booking.wishes.model import Context, WishError
from bot.booking.wishes.wording import PASSED, beyond_horizon


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_number(name: str) -> int:
    return [m.lower() for m in calendar.month_abbr].index(name[:3])


def check_bookable(day: date, ctx: Context) -> None:
    """Raise WishError unless `day` lies between today and the booking horizon."""
    if day < ctx.today:
        raise WishError(PASSED)
    if day > ctx.last_day:
        raise WishError(beyond_horizon(ctx))
