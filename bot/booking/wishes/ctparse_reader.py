"""The last reader: ctparse reads weekdays, relative days and clock times in what is left.

ctparse gets a few things a booking conversation depends on wrong (see the package
docstring), so the other readers take those phrases out first.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time

from ctparse import ctparse
from ctparse.types import Interval, Time

from bot.booking.wishes.model import Context, Parts
from bot.booking.wishes.text import MONTH, WEEKDAY, normalise
from bot.booking.wishes.wording import day_text

# ctparse warns "Failed to produce result" for every sentence without a time in it.
logging.getLogger("ctparse").setLevel(logging.ERROR)
log = logging.getLogger(__name__)

_DATE_WORDS = re.compile(rf"\b(?:{MONTH}|{WEEKDAY}|today|tomorrow|\d+(?:st|nd|rd|th))\b|/")
_UNTIL = ("till", "til", "until", "to", "before")
_FROM = ("from", "after")


def read_with_ctparse(text: str, parts: Parts, ctx: Context) -> None:
    """Let ctparse read what is left; a few passes, as it often reads only part of it."""
    naive_now = ctx.now.replace(tzinfo=None)
    for _ in range(4):
        if not re.search(r"[a-z0-9]", text):
            return
        resolution = _ctparse(text, naive_now)
        if resolution is None:
            return
        if not _on_word_boundaries(text, resolution):
            # e.g. the "at" of "what" or "that": drop that word and let ctparse read on.
            text = _without_word_at(text, resolution.mstart)
            continue
        matched = text[resolution.mstart : resolution.mend]
        if isinstance(resolution, Time):
            _take_time(resolution, matched, _word_before(text, resolution.mstart), parts)
        elif isinstance(resolution, Interval):
            _take_interval(resolution, matched, parts)
        text = normalise(text[: resolution.mstart] + " " + text[resolution.mend :])


def _ctparse(text: str, naive_now: datetime) -> Time | Interval | None:
    try:
        # latent_time=False keeps "at 3pm" as a bare time instead of pinning it to a day.
        result = ctparse(text, ts=naive_now, timeout=1, latent_time=False)
    except Exception:  # a third-party parser must not break the conversation
        # Never log the text itself: clients' messages may carry health details.
        log.exception("ctparse failed on a %d-character wish", len(text))
        return None
    if result is None or not isinstance(result.resolution, Time | Interval):
        return None  # Durations come back for nonsense ("blah" -> 1 hour); real ones are ours
    return result.resolution


def _without_word_at(text: str, index: int) -> str:
    start = index
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    end = index
    while end < len(text) and text[end].isalnum():
        end += 1
    return normalise(text[:start] + " " + text[end:])


def _on_word_boundaries(text: str, found: Time | Interval) -> bool:
    """Reject matches inside words, e.g. 'su' of 'sure' read as Sunday."""
    start, end = found.mstart, found.mend
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] == " ":  # ctparse spans can include a space
        end -= 1
    if end <= start:
        return False
    before_ok = start == 0 or not text[start - 1].isalnum()
    after_ok = end >= len(text) or not text[end].isalnum()
    return before_ok and after_ok


def _date_of(found: Time) -> date | None:
    if found.year is None or found.month is None or found.day is None:
        return None
    try:
        return date(found.year, found.month, found.day)
    except ValueError:
        return None


def _word_before(text: str, position: int) -> str:
    words = text[:position].split()
    return words[-1] if words else ""


def _clock_of(found: Time) -> time | None:
    if found.hour is None:
        return None
    return time(found.hour % 24, (found.minute or 0) % 60)


def _take_time(found: Time, matched: str, word_before: str, parts: Parts) -> None:
    day = _date_of(found)
    if day is not None and parts.parsed_day is None:
        parts.parsed_day = day
        parts.parsed_weekday_named = bool(re.search(rf"\b{WEEKDAY}\b", matched))
    elif found.isMonth and found.month is not None:
        parts.month = parts.month or found.month
    clock = _clock_of(found)
    if clock is not None:
        # ctparse reads "from 2 till 4" as 4 o'clock, leaving "from 2 till" for the next pass.
        if word_before in _UNTIL:
            parts.time_to = parts.time_to or clock
        elif word_before in _FROM:
            parts.time_from = parts.time_from or clock
        elif parts.clock is None:
            parts.clock = clock
    if found.POD and parts.pod is None:
        parts.pod = _pod_name(found.POD)


def _pod_name(raw: str) -> str | None:
    """ctparse's 'lateafternoon', 'earlyevening', 'night' -> our three parts of day."""
    base = re.sub(r"^(?:very|early|late)+", "", raw)
    return {
        "morning": "morning",
        "forenoon": "morning",
        "afternoon": "afternoon",
        "evening": "evening",
        "night": "evening",
    }.get(base)


def _take_interval(found: Interval, matched: str, parts: Parts) -> None:
    ends = [t for t in (found.t_from, found.t_to) if t is not None]
    dates_only = all(t.hour is None and _date_of(t) is not None for t in ends)
    if dates_only and len(ends) == 2 and _DATE_WORDS.search(matched):
        first, last = _date_of(ends[0]), _date_of(ends[1])
        if first and last and first <= last and parts.period is None:
            label = f"between {day_text(first)} and {day_text(last)}"
            parts.period = (first, last, label)
        return
    if dates_only:
        # "between 2 and 4" comes back as the 2nd to the 4th; people mean hours here.
        hours = [t.day for t in ends]
        known = [h for h in hours if h is not None and h <= 23]
        if len(known) != len(hours):
            return
        parts.time_from = time(known[0]) if found.t_from else None
        parts.time_to = time(known[-1]) if found.t_to else None
        return
    for end in ends:
        day = _date_of(end)
        if day is not None and parts.parsed_day is None:
            parts.parsed_day = day
    if found.t_from is not None and found.t_from.hour is not None:
        parts.time_from = parts.time_from or time(found.t_from.hour, found.t_from.minute or 0)
    if found.t_to is not None and found.t_to.hour is not None:
        parts.time_to = parts.time_to or time(found.t_to.hour, found.t_to.minute or 0)
