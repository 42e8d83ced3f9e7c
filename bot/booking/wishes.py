"""Turn a client's wished-for appointment time ("next Friday afternoon") into a bookable window.

ctparse does the heavy lifting for weekdays, relative days and clock times, but it
gets several things a booking conversation depends on wrong: it drops "next week",
silently clamps "31 February" to the 28th, reads "half past two" as 02:30 and finds
dates inside ordinary words ("sure" -> Sunday). So the phrases that matter are
taken out with small regexes first, and ctparse only sees what is left.
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ctparse import ctparse
from ctparse.types import Interval, Time

from bot.store.queries import OpeningSpan

# ctparse warns "Failed to produce result" for every sentence without a time in it.
logging.getLogger("ctparse").setLevel(logging.ERROR)
log = logging.getLogger(__name__)

ASAP_DAYS = 14
PARTS_OF_DAY = {
    "morning": (time(9), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(21)),
}

NO_TIME = (
    "Sorry, I didn't catch a day or time - you could say e.g. "
    "'next Friday afternoon' or 'tomorrow at 10'"
)
PASSED = "That's already passed - what day and time would suit you?"


@dataclass(frozen=True)
class TimeWish:
    """When the client would like to come: a window to search, maybe an exact time."""

    earliest: datetime  # aware, in the clinic's time zone; never before `now`
    latest: datetime  # aware; > earliest
    preferred: datetime | None  # an exact time the person named, else None
    description: str  # short human text of what was understood
    part_of_day: str | None = None  # "morning" / "afternoon" / "evening" for multi-day wishes


class WishError(ValueError):
    """A wish we cannot use; str(error) is a friendly, specific re-prompt for the client."""


# --- vocabulary ---------------------------------------------------------------------------

_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = (
    r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
)
_WEEKDAY_ABBR = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "couple of": 2,
}  # fmt: skip
# Longest first, so "a couple of" wins over "a".
_NUMBER = rf"(?P<n>\d{{1,3}}|{'|'.join(sorted(_NUMBER_WORDS, key=len, reverse=True))})"

_PAST = re.compile(rf"\b(?:yesterday|ago|(?<!the )last\s+(?:week|month|year|night|{_WEEKDAY}\b))")
_ASAP = re.compile(
    r"\b(?:asap|a\.s\.a\.p\.?|as soon as (?:possible|poss|you can)|(?:at the )?earliest"
    r"|soonest|(?:first|next) (?:available|free)|any ?time|whenever|any day)\b"
)
_DAY_MONTH = re.compile(
    rf"\b(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:\s+(?P<year>\d{{4}})\b)?"
)
_MONTH_DAY = re.compile(
    rf"\b{_MONTH}\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?![:.]\d)"
    r"(?:\s+(?P<year>\d{4})\b)?"
)
_NUMERIC_DATE = re.compile(r"\b(?P<day>\d{1,2})/(?P<mon>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?\b")
_DAY_OF_MONTH = re.compile(r"\b(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)\b")
# A 4-digit number is a year unless it reads as a 24-hour time ("at 1430").
_YEAR = re.compile(r"(?<!at )(?<!:)\b(?:year\s+)?(?P<year>\d{4})\b")
_WEEK_SHIFT = re.compile(
    rf"\b{_NUMBER}\s+weeks?\s+(?:on\s+|from\s+)?(?=today\b|tomorrow\b|{_WEEKDAY}\b)"
)
_DURATION = re.compile(
    rf"\b(?P<in>in\s+)?(?:about\s+|around\s+|roughly\s+)?{_NUMBER}\s+"
    r"(?P<unit>min(?:ute)?|h(?:ou)?r|day|week|fortnight|month)s?\b"
    r"(?P<suffix>'?s?\s+time\b|\s+from\s+(?:now|today)\b)?"
)
_DAY_AFTER_TOMORROW = re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b")
_WEEK_AFTER_NEXT = re.compile(r"\b(?:the\s+)?week\s+after\s+next\b")
_WEEK = re.compile(
    r"\b(?:(?P<q>early|earlier|beginning|start|late|later|end)\s+(?:(?:of|in)\s+)?)?"
    r"(?:the\s+)?(?P<which>this|next|following)\s+week\b"
)
_WEEKEND = re.compile(r"\b(?:(?P<which>this|next|following)\s+)?(?:the\s+)?weekend\b")
_MONTH_RELATIVE = re.compile(r"\b(?P<which>this|next)\s+month\b")
_NEXT_WEEKDAY = re.compile(rf"\bnext\s+{_WEEKDAY}\b")
_TODAY_POD = re.compile(r"\b(?:this|today)\s+(?P<pod>morning|afternoon|evening)\b|\btonight\b")
_ANY_POD = re.compile(
    r"\b(?:any|every|some)\s+(?P<pod>morning|afternoon|evening)s?\b"
    r"|\b(?:in\s+the\s+)?(?P<plural>morning|afternoon|evening)s\b"
)
_GREETING = re.compile(r"\bgood\s+(?:morning|afternoon|evening)\b")
_EXPLICIT_AM = re.compile(r"\d\s*a\.?m\b|\bin the morning\b")
_DATE_WORDS = re.compile(rf"\b(?:{_MONTH}|{_WEEKDAY}|today|tomorrow|\d+(?:st|nd|rd|th))\b|/")
# Small rewrites into forms ctparse reads correctly.
_REWRITES = (
    (re.compile(r"\b(?:noon|midday|mid-day)\b"), "12pm"),
    (re.compile(r"\b(\d{1,2})ish\b"), r"\1"),
    (re.compile(r"(?<!at )\b(\d{1,2}(?::\d\d)?)\s+(in the (?:morning|afternoon|evening))\b"),
     r"at \1 \2"),
)  # fmt: skip


# --- intermediate result --------------------------------------------------------------------


@dataclass
class _Parts:
    """What was found in the text, before it is checked against the calendar."""

    day: date | None = None  # one specific day
    period: tuple[date, date, str] | None = None  # first, last day (inclusive), label
    clock: time | None = None
    time_from: time | None = None
    time_to: time | None = None
    pod: str | None = None
    any_pod: bool = False  # "any morning" / "mornings": no particular day
    asap: bool = False
    shift_days: int = 0  # "a week on Friday"
    year: int | None = None
    month: int | None = None  # a bare month ("in December")
    parsed_day: date | None = None  # a day ctparse found
    parsed_weekday_named: bool = False
    clock_is_exact: bool = False  # "7am", "in 2 hours": never reread as pm


@dataclass(frozen=True)
class _Context:
    now: datetime
    hours: dict[int, list[tuple[time, time]]]
    horizon_days: int

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=self.horizon_days)

    @property
    def horizon_end(self) -> datetime:
        return self.at(self.last_day + timedelta(days=1), time(0))

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.now.tzinfo)


# --- public entry point ---------------------------------------------------------------------


def parse_wish(
    text: str, now: datetime, opening_hours: Sequence[OpeningSpan], horizon_days: int = 90
) -> TimeWish:
    """Understand `text` as a window to look for appointments in, or raise WishError."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ctx = _Context(now, _hours_by_weekday(opening_hours), horizon_days)
    if not ctx.hours:
        raise WishError("We aren't taking bookings at the moment - please contact the clinic.")
    parts = _read(_normalise(text), ctx)
    return _resolve(parts, ctx)


# --- reading the text -----------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Lower case, one space between words: exactly what ctparse sees, so its offsets fit."""
    chars = (_plain_char(c) for c in text.lower().replace("\u2019", "'"))
    return re.sub(r" +", " ", re.sub(r"-+", "-", "".join(chars))).strip()


def _plain_char(char: str) -> str:
    category = unicodedata.category(char)
    if char in ",;" or category[0] in "ZC" or category in ("Ps", "Pe"):
        return " "
    if category == "Pd" or char == "\u2043":
        return "-"
    return char


def _cut(text: str, match: re.Match[str]) -> str:
    return _normalise(text[: match.start()] + " " + text[match.end() :])


def _read(text: str, ctx: _Context) -> _Parts:
    text = _normalise(_GREETING.sub(" ", text))  # "good morning" is not a time
    parts = _Parts(clock_is_exact=bool(_EXPLICIT_AM.search(text)))
    if _PAST.search(text):
        raise WishError(PASSED)
    # Order matters: absolute dates before bare years and ordinals, weeks before weekdays.
    for reader in (
        _read_absolute_dates,
        _read_year,
        _read_asap,
        _read_week_shift,
        _read_duration,
        _read_periods,
        _read_relative_days,
        _read_day_of_month,
        _read_parts_of_day,
    ):
        text = reader(text, parts, ctx)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    _read_with_ctparse(text, parts, ctx)
    return parts


def _month_number(name: str) -> int:
    return [m.lower() for m in calendar.month_abbr].index(name[:3])


def _read_absolute_dates(text: str, parts: _Parts, ctx: _Context) -> str:
    """'4 December', 'feb 30', '30/11/2026' - checked here because ctparse clamps bad days."""
    for pattern in (_DAY_MONTH, _MONTH_DAY, _NUMERIC_DATE):
        while match := pattern.search(text):
            day = _checked_date(match, ctx)
            parts.day = parts.day or day
            text = _cut(text, match)
    return text


def _checked_date(match: re.Match[str], ctx: _Context) -> date:
    day_number = int(match["day"])
    raw_month = match["mon"]
    month = int(raw_month) if raw_month.isdigit() else _month_number(raw_month)
    if not 1 <= month <= 12:
        raise WishError(
            f"I couldn't read '{match.group(0)}' as a date - could you give the day and "
            "month, e.g. '4 December'?"
        )
    explicit = _explicit_year(match["year"])
    year = explicit or _next_year_with(day_number, month, ctx)
    if not 1 <= day_number <= calendar.monthrange(year, month)[1]:
        raise WishError(_no_such_date(day_number, month, year))
    found = date(year, month, day_number)
    if explicit is None and found > ctx.last_day and _recently_passed(found, ctx):
        raise WishError(PASSED)
    _check_bookable(found, ctx)
    return found


def _explicit_year(raw: str | None) -> int | None:
    if raw is None:
        return None
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _next_year_with(day_number: int, month: int, ctx: _Context) -> int:
    """The year in which day/month next comes round (this year if not yet past)."""
    if (month, day_number) >= (ctx.today.month, ctx.today.day):
        return ctx.today.year
    return ctx.today.year + 1


def _recently_passed(found: date, ctx: _Context) -> bool:
    """Said on 25 November, "3 November" means a date just gone, not one next year."""
    try:
        last_time = found.replace(year=found.year - 1)
    except ValueError:  # 29 February
        return False
    return last_time < ctx.today and (ctx.today - last_time).days <= 60


def _no_such_date(day_number: int, month: int, year: int) -> str:
    name = calendar.month_name[month]
    if month == 2 and day_number == 29:
        return f"There's no 29 February in {year} - which date did you mean?"
    return f"There's no {day_number} {name} - which date did you mean?"


def _read_year(text: str, parts: _Parts, ctx: _Context) -> str:
    match = _YEAR.search(text)
    if match is None or int(match["year"]) < 1900:
        return text
    year = int(match["year"])
    if year < ctx.today.year:
        raise WishError(PASSED)
    if date(year, 1, 1) > ctx.last_day:
        raise WishError(_beyond_horizon(ctx))
    parts.year = year
    return _cut(text, match)


def _read_asap(text: str, parts: _Parts, ctx: _Context) -> str:
    while match := _ASAP.search(text):
        parts.asap = True
        text = _cut(text, match)
    return text


def _count(raw: str) -> int:
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def _read_week_shift(text: str, parts: _Parts, ctx: _Context) -> str:
    """'a week on Friday', 'two weeks tomorrow': the named day, that many weeks later."""
    if match := _WEEK_SHIFT.search(text):
        parts.shift_days = 7 * _count(match["n"])
        text = _cut(text, match)
    return text


def _read_duration(text: str, parts: _Parts, ctx: _Context) -> str:
    """'in 3 days' is that day; 'in two weeks' is the calendar week it lands in."""
    match = _DURATION.search(text)
    if match is None or not (match["in"] or match["suffix"]):
        return text
    n, unit = _count(match["n"]), match["unit"]
    if unit.startswith("min") or unit.startswith("h"):
        minutes = n if unit.startswith("min") else 60 * n
        moment = _round_up_to_quarter(ctx.now + timedelta(minutes=minutes))
        parts.day, parts.clock, parts.clock_is_exact = moment.date(), moment.time(), True
    elif unit == "day":
        parts.day = ctx.today + timedelta(days=n)
    else:
        if unit == "month":
            target = _add_months(ctx.today, n)
        else:
            target = ctx.today + timedelta(days=(14 if unit == "fortnight" else 7) * n)
        monday = target - timedelta(days=target.weekday())
        parts.period = (
            monday,
            monday + timedelta(days=6),
            f"in the week of {_day_text(monday, ctx)}",
        )
    return _cut(text, match)


def _round_up_to_quarter(moment: datetime) -> datetime:
    extra = (-moment.minute) % 15
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _read_periods(text: str, parts: _Parts, ctx: _Context) -> str:
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
    return _cut(text, match)


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
    first = today.replace(day=1) if which == "this" else _add_months(today.replace(day=1), 1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last, f"{which} month"


def _read_relative_days(text: str, parts: _Parts, ctx: _Context) -> str:
    """'next Tuesday' is the Tuesday of next week (ctparse skips a week for some days)."""
    if match := _DAY_AFTER_TOMORROW.search(text):
        parts.day = parts.day or ctx.today + timedelta(days=2)
        text = _cut(text, match)
    if match := _NEXT_WEEKDAY.search(text):
        next_monday = ctx.today + timedelta(days=7 - ctx.today.weekday())
        found = next_monday + timedelta(days=_WEEKDAY_ABBR.index(match["wd"][:3]))
        parts.day = parts.day or found
        text = _cut(text, match)
    return text


def _read_day_of_month(text: str, parts: _Parts, ctx: _Context) -> str:
    """'the 31st': the next month that has that day (ctparse clamps to the 30th)."""
    match = _DAY_OF_MONTH.search(text)
    if match is None:
        return text
    number = int(match["day"])
    if not 1 <= number <= 31:
        raise WishError(f"No month has a day {number} - which date did you mean?")
    found = _next_day_numbered(number, ctx.today)
    _check_bookable(found, ctx)
    parts.day = parts.day or found
    return _cut(text, match)


def _next_day_numbered(number: int, today: date) -> date:
    """The next date, today included, whose day of the month is `number`."""
    month_start = today.replace(day=1)
    for months in range(13):
        first = _add_months(month_start, months)
        if number <= calendar.monthrange(first.year, first.month)[1]:
            if (found := first.replace(day=number)) >= today:
                return found
    raise AssertionError("every day number 1-31 comes round within a year")


def _read_parts_of_day(text: str, parts: _Parts, ctx: _Context) -> str:
    """'this morning' / 'tonight' are today; 'any morning' / 'mornings' are no one day."""
    if match := _TODAY_POD.search(text):
        parts.day = parts.day or ctx.today
        parts.pod = match["pod"] or "evening"
        text = _cut(text, match)
    if match := _ANY_POD.search(text):
        parts.pod = parts.pod or match["pod"] or match["plural"]
        parts.any_pod = True
        text = _cut(text, match)
    return text


# --- ctparse ---------------------------------------------------------------------------------


def _read_with_ctparse(text: str, parts: _Parts, ctx: _Context) -> None:
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
        text = _normalise(text[: resolution.mstart] + " " + text[resolution.mend :])


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
    return _normalise(text[:start] + " " + text[end:])


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


def _take_time(found: Time, matched: str, word_before: str, parts: _Parts) -> None:
    day = _date_of(found)
    if day is not None and parts.parsed_day is None:
        parts.parsed_day = day
        parts.parsed_weekday_named = bool(re.search(rf"\b{_WEEKDAY}\b", matched))
    elif found.isMonth and found.month is not None:
        parts.month = parts.month or found.month
    if found.hour is not None:
        clock = time(found.hour % 24, (found.minute or 0) % 60)
        # ctparse reads "from 2 till 4" as 4 o'clock, leaving "from 2 till" for the next pass.
        if word_before in ("till", "til", "until", "to", "before"):
            parts.time_to = parts.time_to or clock
        elif word_before in ("from", "after"):
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


def _take_interval(found: Interval, matched: str, parts: _Parts) -> None:
    ends = [t for t in (found.t_from, found.t_to) if t is not None]
    dates_only = all(t.hour is None and _date_of(t) is not None for t in ends)
    if dates_only and len(ends) == 2 and _DATE_WORDS.search(matched):
        first, last = _date_of(ends[0]), _date_of(ends[1])
        if first and last and first <= last and parts.period is None:
            label = f"between {_day_text(first)} and {_day_text(last)}"
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


# --- from parts to a window ------------------------------------------------------------------


def _resolve(parts: _Parts, ctx: _Context) -> TimeWish:
    _settle_month_or_year(parts, ctx)
    day = _settle_day(parts)
    if day is not None:
        return _day_wish(day, parts, ctx)
    if parts.period is not None:
        return _period_wish(parts, ctx)
    if parts.clock is not None or parts.time_from is not None or parts.time_to is not None:
        return _next_open_day_wish(parts, ctx)
    if parts.asap or parts.any_pod:
        return _asap_wish(parts, ctx)
    raise WishError(NO_TIME)


def _settle_month_or_year(parts: _Parts, ctx: _Context) -> None:
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


def _settle_day(parts: _Parts) -> date | None:
    """One specific day, if the text named one (ours beats ctparse's)."""
    day = parts.day
    if day is None and parts.parsed_day is not None:
        day = _parsed_day_in_period(parts)
    if day is not None and parts.year is not None and day.year != parts.year:
        try:
            day = day.replace(year=parts.year)
        except ValueError:
            raise WishError(_no_such_date(day.day, day.month, parts.year)) from None
    if day is not None:
        day += timedelta(days=parts.shift_days)
    return day


def _parsed_day_in_period(parts: _Parts) -> date | None:
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


def _check_bookable(day: date, ctx: _Context) -> None:
    if day < ctx.today:
        raise WishError(PASSED)
    if day > ctx.last_day:
        raise WishError(_beyond_horizon(ctx))


def _day_wish(day: date, parts: _Parts, ctx: _Context) -> TimeWish:
    _check_bookable(day, ctx)
    spans = ctx.hours.get(day.weekday())
    if not spans:
        raise WishError(_closed_message(day, ctx))
    if parts.clock is not None:
        return _exact_time_wish(day, _pm_if_needed(parts.clock, spans, parts), spans, ctx)
    start, end, suffix, part = spans[0][0], spans[-1][1], "", None
    if parts.time_from is not None or parts.time_to is not None:
        start, end, suffix = _between(day, parts, spans)
    elif parts.pod is not None:
        start, end, suffix, part = *_part_of_day(day, parts.pod, spans), parts.pod
    earliest, latest = max(ctx.at(day, start), ctx.now), ctx.at(day, end)
    if earliest >= latest:
        if day == ctx.today and not suffix:
            raise WishError("We've closed for today - which other day would suit you?")
        raise WishError(PASSED)
    return TimeWish(earliest, latest, None, _day_text(day, ctx) + suffix, part)


def _part_of_day(day: date, pod: str, spans: list[tuple[time, time]]) -> tuple[time, time, str]:
    """The part of day within that day's opening hours."""
    start = max(spans[0][0], PARTS_OF_DAY[pod][0])
    end = min(spans[-1][1], PARTS_OF_DAY[pod][1])
    if start >= end:
        raise WishError(
            f"We're open {_hours_text(spans)} on {_plural_day(day)}, so there are no "
            f"{pod} appointments then - what time would suit you?"
        )
    return start, end, f", {pod}"


def _exact_time_wish(
    day: date, clock: time, spans: list[tuple[time, time]], ctx: _Context
) -> TimeWish:
    if not _inside(clock, spans):
        raise WishError(
            f"We're open {_hours_text(spans)} on {_plural_day(day)}, so {_clock_text(clock)} "
            "isn't possible - what time would suit you?"
        )
    preferred = ctx.at(day, clock)
    if preferred < ctx.now:
        raise WishError(PASSED)
    earliest = max(ctx.at(day, spans[0][0]), ctx.now)
    latest = ctx.at(day, spans[-1][1])
    description = f"{_day_text(day, ctx)} at {_clock_text(clock)}"
    return TimeWish(earliest, latest, preferred, description)


def _between(day: date, parts: _Parts, spans: list[tuple[time, time]]) -> tuple[time, time, str]:
    """'after 3', 'before 11', 'between 2 and 4' on one day, clipped to opening hours."""
    start = _start_pm_if_needed(parts.time_from, spans, parts) if parts.time_from else None
    end = _end_pm_if_needed(parts.time_to, start, spans, parts) if parts.time_to else None
    if start is not None and end is not None:
        suffix = f", {_clock_text(start)}-{_clock_text(end)}"
    elif start is not None:
        suffix = f", after {_clock_text(start)}"
    else:
        suffix = f", before {_clock_text(end)}" if end else ""
    opens, closes = spans[0][0], spans[-1][1]
    window_start, window_end = max(opens, start or opens), min(closes, end or closes)
    if window_start >= window_end:
        raise WishError(
            f"We're open {_hours_text(spans)} on {_plural_day(day)} - "
            "what time that day would suit you?"
        )
    return window_start, window_end, suffix


def _start_pm_if_needed(start: time, spans: list[tuple[time, time]], parts: _Parts) -> time:
    """'after 5' means 17:00: an am start before we even open would say nothing."""
    if start.hour >= 12 or parts.clock_is_exact:
        return start
    if parts.pod in ("afternoon", "evening") or start < spans[0][0]:
        return _add_hours(start, 12)
    return start


def _end_pm_if_needed(
    end: time, start: time | None, spans: list[tuple[time, time]], parts: _Parts
) -> time:
    """'until 4' / 'and 4' after a pm start mean 16:00."""
    if end.hour >= 12 or parts.clock_is_exact:
        return end
    afternoon = _add_hours(end, 12)
    if start is not None and end <= start:
        return afternoon
    if not _inside_or_at_close(end, spans) and _inside_or_at_close(afternoon, spans):
        return afternoon
    return end


def _period_wish(parts: _Parts, ctx: _Context) -> TimeWish:
    assert parts.period is not None
    first, last, label = parts.period
    if parts.clock is not None:
        clock = _pm_if_needed(parts.clock, _all_spans(ctx), parts)
        raise WishError(f"Which day {label} would you like at {_clock_text(clock)}?")
    if parts.time_from is not None or parts.time_to is not None:
        raise WishError(f"Which day {label} would suit you?")
    if last < ctx.today:
        raise WishError(PASSED)
    if first > ctx.last_day:
        raise WishError(_beyond_horizon(ctx))
    windows = _open_windows(first, min(last, ctx.last_day), parts.pod, ctx)
    if not windows:
        raise WishError(_empty_period_message(first, last, label, parts.pod, ctx))
    description = f"{parts.pod}s {label}" if parts.pod else label
    return TimeWish(windows[0][0], windows[-1][1], None, description, parts.pod)


def _open_windows(
    first: date, last: date, pod: str | None, ctx: _Context
) -> list[tuple[datetime, datetime]]:
    """Each open, still-ahead stretch of the days first..last, limited to the part of day."""
    windows = []
    day = max(first, ctx.today)
    while day <= last:
        spans = ctx.hours.get(day.weekday(), [])
        start, end = (spans[0][0], spans[-1][1]) if spans else (time(0), time(0))
        if pod is not None:
            start, end = max(start, PARTS_OF_DAY[pod][0]), min(end, PARTS_OF_DAY[pod][1])
        earliest, latest = max(ctx.at(day, start), ctx.now), ctx.at(day, end)
        if spans and earliest < latest:
            windows.append((earliest, latest))
        day += timedelta(days=1)
    return windows


def _empty_period_message(
    first: date, last: date, label: str, pod: str | None, ctx: _Context
) -> str:
    if _open_windows(first, min(last, ctx.last_day), None, ctx):
        return f"We don't have {pod} appointments {label} - what other time would suit you?"
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if any(d.weekday() in ctx.hours for d in days):
        return PASSED  # open days, but their hours are already behind us
    return (
        f"We're closed {label} - we're open {_open_days_text(ctx)}. "
        "Which of those days would suit you?"
    )


def _next_open_day_wish(parts: _Parts, ctx: _Context) -> TimeWish:
    """A time with no day ('at 3pm'): the first open day, today included, when it fits."""
    if parts.clock is not None:
        parts.clock = _pm_if_needed(parts.clock, _all_spans(ctx), parts)
    first_error: WishError | None = None
    for offset in range(min(7, ctx.horizon_days) + 1):
        day = ctx.today + timedelta(days=offset)
        if day.weekday() not in ctx.hours:
            continue
        try:
            return _day_wish(day, parts, ctx)
        except WishError as error:
            first_error = first_error or error
    raise first_error or WishError(NO_TIME)


def _asap_wish(parts: _Parts, ctx: _Context) -> TimeWish:
    latest = min(ctx.now + timedelta(days=ASAP_DAYS), ctx.horizon_end)
    if parts.pod:
        description = f"{parts.pod}s, as soon as possible"
    else:
        description = "as soon as possible"
    return TimeWish(ctx.now, latest, None, description, parts.pod)


# --- opening hours and clock times ----------------------------------------------------------


def _hours_by_weekday(opening_hours: Sequence[OpeningSpan]) -> dict[int, list[tuple[time, time]]]:
    hours: dict[int, list[tuple[time, time]]] = {}
    for span in opening_hours:
        if span.opens < span.closes:
            hours.setdefault(span.weekday, []).append((span.opens, span.closes))
    return {weekday: sorted(spans) for weekday, spans in hours.items()}


def _all_spans(ctx: _Context) -> list[tuple[time, time]]:
    return [span for spans in ctx.hours.values() for span in spans]


def _inside(clock: time, spans: list[tuple[time, time]]) -> bool:
    """An appointment can start at opening time but not at closing time."""
    return any(opens <= clock < closes for opens, closes in spans)


def _inside_or_at_close(clock: time, spans: list[tuple[time, time]]) -> bool:
    return any(opens < clock <= closes for opens, closes in spans)


def _add_hours(clock: time, hours: int) -> time:
    return clock.replace(hour=(clock.hour + hours) % 24)


def _pm_if_needed(clock: time, spans: list[tuple[time, time]], parts: _Parts) -> time:
    """'half past two' means 14:30 at a clinic: use pm when only pm is within opening hours."""
    if clock.hour >= 12 or parts.clock_is_exact or parts.pod == "morning":
        return clock
    afternoon = _add_hours(clock, 12)
    if parts.pod in ("afternoon", "evening"):
        return afternoon
    if not _inside(clock, spans) and _inside(afternoon, spans):
        return afternoon
    return clock


# --- wording ----------------------------------------------------------------------------------


def _clock_text(clock: time) -> str:
    hour = clock.hour % 12 or 12
    minutes = f":{clock.minute:02d}" if clock.minute else ""
    return f"{hour}{minutes}{'am' if clock.hour < 12 else 'pm'}"


def _day_text(day: date, ctx: _Context | None = None) -> str:
    text = f"{day:%A} {day.day} {day:%B}"
    if ctx is not None and day.year != ctx.today.year:
        text += f" {day.year}"
    return text


def _plural_day(day: date) -> str:
    return f"{day:%A}s"


def _hours_text(spans: list[tuple[time, time]]) -> str:
    return " and ".join(f"{_clock_text(a)} to {_clock_text(b)}" for a, b in spans)


def _open_days_text(ctx: _Context) -> str:
    """'Monday to Saturday', or 'Monday, Wednesday and Friday'."""
    names = list(calendar.day_name)
    runs: list[list[int]] = []
    for weekday in sorted(ctx.hours):
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    pieces = []
    for run in runs:
        if len(run) >= 3:
            pieces.append(f"{names[run[0]]} to {names[run[-1]]}")
        else:
            pieces.extend(names[d] for d in run)
    return pieces[0] if len(pieces) == 1 else ", ".join(pieces[:-1]) + " and " + pieces[-1]


def _closed_message(day: date, ctx: _Context) -> str:
    return (
        f"We're closed on {_plural_day(day)} - we're open {_open_days_text(ctx)}. "
        "Which of those days would suit you?"
    )


def _beyond_horizon(ctx: _Context) -> str:
    return (
        f"We can only book up to {ctx.horizon_days} days ahead (until "
        f"{_day_text(ctx.last_day, ctx)}) - what nearer date would suit you?"
    )
