"""Readers for stretches of days and parts of day: 'early next week', 'this weekend',
'next month', 'this morning', 'any afternoon'."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from bot.booking.wishes.days import add_months
from bot.booking.wishes.model import Context, Parts
from bot.booking.wishes.text import cut

_WEEK_AFTER_NEXT = re.compile(r"\b(?:the\s+)?week\s+after\s+next\b")
_WEEK = re.compile(
    r"\b(?:(?P<q>early|earlier|beginning|start|late|later|end)\s+(?:(?:of|in)\s+)?)?"
    r"(?:the\s+)?(?P<which>this|next|following)\s+week\b"
)
_WEEKEND = re.compile(r"\b(?:(?P<which>this|next|following)\s+)?(?:the\s+)?weekend\b")
_MONTH_RELATIVE = re.compile(r"\b(?P<which>this|next)\s+month\b")
_TODAY_POD = re.compile(r"\b(?:this|today)\s+(?P<pod>morning|afternoon|evening)\b|\btonight\b")
_ANY_POD = re.compile(
    r"\b(?:any|every|some)\s+(?P<pod>morning|afternoon|evening)s?\b"
    r"|\b(?:in\s+the\s+)?(?P<plural>morning|afternoon|evening)s\b"
)


def read_periods(text: str, parts: Parts, ctx: Context) -> str:
    """'next week', 'early next week', 'the week after next', 'this weekend', 'next month'."""
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    if match := _WEEK_AFTER_NEXT.search(text):
        start = monday + timedelta(days=14)
        parts.period = (start, start + timedelta(days=6), "the week after next")
    elif match := _WEEK.search(text):
        parts.period = _week_period(monday, match)
    elif match := _WEEKEND.search(text):
        which = match["which"] or "this"
        saturday = monday + timedelta(days=5 if which == "this" else 12)
        label = "this weekend" if which == "this" else "next weekend"
        parts.period = (saturday, saturday + timedelta(days=1), label)
    elif match := _MONTH_RELATIVE.search(text):
        parts.period = _month_period(ctx.today, match["which"])
    else:
        return text
    return cut(text, match)


def _week_period(monday: date, match: re.Match[str]) -> tuple[date, date, str]:
    which = "this" if match["which"] == "this" else "next"
    start = monday if which == "this" else monday + timedelta(days=7)
    first, last = 0, 6
    qualifier = match["q"]
    if qualifier in ("early", "earlier", "beginning", "start"):
        first, last, prefix = 0, 2, "early "
    elif qualifier in ("late", "later", "end"):
        first, last, prefix = 3, 6, "later "
    else:
        prefix = ""
    label = f"{prefix}{which} week"
    return start + timedelta(days=first), start + timedelta(days=last), label


def _month_period(today: date, which: str) -> tuple[date, date, str]:
    first = today.replace(day=1) if which == "this" else add_months(today.replace(day=1), 1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last, f"{which} month"


def read_parts_of_day(text: str, parts: Parts, ctx: Context) -> str:
    """'this morning' / 'tonight' are today; 'any morning' / 'mornings' are no one day."""
    if match := _TODAY_POD.search(text):
        parts.day = parts.day or ctx.today
        parts.pod = match["pod"] or "evening"
        text = cut(text, match)
    if match := _ANY_POD.search(text):
        parts.pod = parts.pod or match["pod"] or match["plural"]
        parts.any_pod = True
        text = cut(text, match)
    return text
