"""Everything a client reads about their wish: descriptions and the re-prompts of WishError."""

from __future__ import annotations

import calendar
from datetime import date, time

from bot.booking.wishes.model import Context, Spans

NO_TIME = (
    "Sorry, I didn't catch a day or time - you could say e.g. "
    "'next Friday afternoon' or 'tomorrow at 10'"
)
PASSED = "That's already passed - what day and time would suit you?"
NOT_TAKING_BOOKINGS = "We aren't taking bookings at the moment - please contact the clinic."
CLOSED_TODAY = "We've closed for today - which other day would suit you?"
_WHAT_TIME = "what time would suit you?"


# --- pieces of text -------------------------------------------------------------------------


def clock_text(clock: time) -> str:
    hour = clock.hour % 12 or 12
    minutes = f":{clock.minute:02d}" if clock.minute else ""
    return f"{hour}{minutes}{'am' if clock.hour < 12 else 'pm'}"


def day_text(day: date, ctx: Context | None = None) -> str:
    """'Friday 4 December'; the year only when it is not this one."""
    text = f"{day:%A} {day.day} {day:%B}"
    if ctx is not None and day.year != ctx.today.year:
        text += f" {day.year}"
    return text


def plural_day(day: date) -> str:
    return f"{day:%A}s"


def hours_text(spans: Spans) -> str:
    return " and ".join(f"{clock_text(a)} to {clock_text(b)}" for a, b in spans)


def open_days_text(ctx: Context) -> str:
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


# --- dates that cannot be read or booked ----------------------------------------------------


def unreadable_date(said: str) -> str:
    return (
        f"I couldn't read '{said}' as a date - could you give the day and "
        "month, e.g. '4 December'?"
    )


def no_such_date(day_number: int, month: int, year: int) -> str:
    name = calendar.month_name[month]
    if month == 2 and day_number == 29:
        return f"There's no 29 February in {year} - which date did you mean?"
    return f"There's no {day_number} {name} - which date did you mean?"


def no_such_day_number(number: int) -> str:
    return f"No month has a day {number} - which date did you mean?"


def beyond_horizon(ctx: Context) -> str:
    return (
        f"We can only book up to {ctx.horizon_days} days ahead (until "
        f"{day_text(ctx.last_day, ctx)}) - what nearer date would suit you?"
    )


# --- times the clinic is closed -------------------------------------------------------------


def closed_on(day: date, ctx: Context) -> str:
    return closed_during(f"on {plural_day(day)}", ctx)


def closed_during(label: str, ctx: Context) -> str:
    return (
        f"We're closed {label} - we're open {open_days_text(ctx)}. "
        "Which of those days would suit you?"
    )


def _open_on(day: date, spans: Spans) -> str:
    return f"We're open {hours_text(spans)} on {plural_day(day)}"


def no_part_of_day(day: date, pod: str, spans: Spans) -> str:
    return f"{_open_on(day, spans)}, so there are no {pod} appointments then - " + _WHAT_TIME


def no_part_of_day_in(pod: str | None, label: str) -> str:
    return f"We don't have {pod} appointments {label} - what other time would suit you?"


def clock_not_open(day: date, clock: time, spans: Spans) -> str:
    return f"{_open_on(day, spans)}, so {clock_text(clock)} isn't possible - " + _WHAT_TIME


def between_not_open(day: date, spans: Spans) -> str:
    return f"{_open_on(day, spans)} - what time that day would suit you?"


# --- a period was named, but not which day --------------------------------------------------


def which_day_at(label: str, clock: time) -> str:
    return f"Which day {label} would you like at {clock_text(clock)}?"


def which_day(label: str) -> str:
    return f"Which day {label} would suit you?"
