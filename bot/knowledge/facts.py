"""Clinic facts computed from the store (clinic.yml, practitioners.yml): pure functions.

Each fact is written once in the YAML; these replies only arrange it. The hours reply reads
the message for which day is meant: a weekday name, today, tomorrow, the weekend, or
evenings ("open late", "after work").
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from bot.store.queries import Clinic, OpeningSpan, PractitionerDays

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A closing time after this counts as "open late" / an evening appointment.
EVENING_STARTS = time(18, 0)
MAP_SEARCH_URL = "https://www.openstreetmap.org/search?query={query}"

_DAY_WORDS = (
    "mon|monday",
    "tue|tues|tuesday",
    "wed|weds|wednesday",
    "thu|thur|thurs|thursday",
    "fri|friday",
    "sat|saturday",
    "sun|sunday",
)
_DAY_PATTERNS = [(i, re.compile(rf"\b(?:{words})s?\b")) for i, words in enumerate(_DAY_WORDS)]
_TODAY = re.compile(r"\b(today|tonight|now|right now|this (?:morning|afternoon|evening))\b")
_TOMORROW = re.compile(r"\b(tomorrow|tmrw|tmr|tomoz)\b")
_WEEKEND = re.compile(r"\b(weekends?|sat(?:urday)?s? (?:and|or|&) sun(?:day)?s?)\b")
_EVENING = re.compile(
    r"\b(late|evenings?|after work|after (?:5|6|five|six)|night|(?:5|6|7|8)\s?pm)\b"
)


def map_link(address: str) -> str:
    return MAP_SEARCH_URL.format(query=quote_plus(address))


def address_reply(clinic: Clinic) -> str:
    return f"We're at {clinic.address}. Map: {map_link(clinic.address)}"


def phone_reply(clinic: Clinic) -> str:
    return f"You can call us on {clinic.phone}."


def email_reply(clinic: Clinic) -> str:
    return f"You can email us at {clinic.email}."


def _span(span: OpeningSpan) -> str:
    return f"{span.opens:%H:%M}-{span.closes:%H:%M}"


def _day_line(clinic: Clinic, weekday: int, label: str) -> str:
    span = next((s for s in clinic.opening_hours if s.weekday == weekday), None)
    if span is None:
        open_days = ", ".join(WEEKDAY_NAMES[s.weekday] for s in clinic.opening_hours)
        return f"{label} we're closed (we're open {open_days})."
    return f"{label} we're open {_span(span)}."


def week_text(clinic: Clinic) -> str:
    by_day = {span.weekday: span for span in clinic.opening_hours}
    return "\n".join(
        f"- {WEEKDAY_NAMES[day]}: {_span(by_day[day]) if day in by_day else 'closed'}"
        for day in range(7)
    )


def days_asked(message: str) -> list[int]:
    """Weekdays named in the message, in week order."""
    text = message.lower()
    return [index for index, pattern in _DAY_PATTERNS if pattern.search(text)]


def hours_reply(clinic: Clinic, message: str, now: datetime) -> str:
    """Opening hours for the day the message asks about (clinic's time zone), or the week."""
    text = message.lower()
    local = now.astimezone(ZoneInfo(clinic.timezone))
    if _TOMORROW.search(text):
        day = (local + timedelta(days=1)).weekday()
        return _day_line(clinic, day, f"Tomorrow ({WEEKDAY_NAMES[day]})")
    named = days_asked(text)
    if named and not _WEEKEND.search(text):
        return " ".join(_day_line(clinic, day, f"On {WEEKDAY_NAMES[day]}s") for day in named)
    if _WEEKEND.search(text):
        return " ".join(_day_line(clinic, day, f"On {WEEKDAY_NAMES[day]}s") for day in (5, 6))
    if _EVENING.search(text):
        late = [s for s in clinic.opening_hours if s.closes > EVENING_STARTS]
        if not late:
            return "We don't open in the evenings. Our hours:\n" + week_text(clinic)
        days = ", ".join(f"{WEEKDAY_NAMES[s.weekday]}s until {s.closes:%H:%M}" for s in late)
        return f"We're open late on {days}."
    if _TODAY.search(text):
        return _day_line(clinic, local.weekday(), f"Today ({WEEKDAY_NAMES[local.weekday()]})")
    return "Our opening hours:\n" + week_text(clinic)


def _days_list(days: list[str]) -> str:
    return days[0] if len(days) == 1 else f"{', '.join(days[:-1])} and {days[-1]}"


def practitioners_reply(practitioners: list[PractitionerDays], message: str = "") -> str:
    if not practitioners:
        return "Our practitioners' details aren't listed here yet."
    named = days_asked(message)
    if named:
        lines = []
        for day in named:
            working = [p.name for p in practitioners if any(h[0] == day for h in p.hours)]
            who = _days_list(working) if working else "no one"
            lines.append(f"On {WEEKDAY_NAMES[day]}s: {who}.")
        return " ".join(lines)
    lines = [
        f"- {p.name}: {_days_list([WEEKDAY_NAMES[h[0]] + 's' for h in p.hours])}"
        if p.hours
        else f"- {p.name}"
        for p in practitioners
    ]
    return "Our practitioners and the days they see clients:\n" + "\n".join(lines)
