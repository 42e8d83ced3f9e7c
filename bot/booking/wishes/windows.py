"""From what was read to a window: one day, a stretch of days, or as soon as possible."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.booking.wishes.days import check_bookable
from bot.booking.wishes.hours import (
    all_spans,
    end_pm_if_needed,
    inside,
    pm_if_needed,
    start_pm_if_needed,
)
from bot.booking.wishes.model import (
    ASAP_DAYS,
    PARTS_OF_DAY,
    Context,
    Parts,
    Spans,
    TimeWish,
    WishError,
)
from bot.booking.wishes.wording import (
    CLOSED_TODAY,
    NO_TIME,
    PASSED,
    between_not_open,
    beyond_horizon,
    clock_not_open,
    clock_text,
    closed_during,
    closed_on,
    day_text,
    no_part_of_day,
    no_part_of_day_in,
    which_day,
    which_day_at,
)


def day_wish(day: date, parts: Parts, ctx: Context) -> TimeWish:
    check_bookable(day, ctx)
    spans = ctx.hours.get(day.weekday())
    if not spans:
        raise WishError(closed_on(day, ctx))
    if parts.clock is not None:
        return _exact_time_wish(day, pm_if_needed(parts.clock, spans, parts), spans, ctx)
    start, end, suffix, part = spans[0][0], spans[-1][1], "", None
    if parts.time_from is not None or parts.time_to is not None:
        start, end, suffix = _between(day, parts, spans)
    elif parts.pod is not None:
        start, end, suffix, part = *_part_of_day(day, parts.pod, spans), parts.pod
    earliest, latest = max(ctx.at(day, start), ctx.now), ctx.at(day, end)
    if earliest >= latest:
        if day == ctx.today and not suffix:
            raise WishError(CLOSED_TODAY)
        raise WishError(PASSED)
    return TimeWish(earliest, latest, None, day_text(day, ctx) + suffix, part)


def _part_of_day(day: date, pod: str, spans: Spans) -> tuple[time, time, str]:
    """The part of day within that day's opening hours."""
    start = max(spans[0][0], PARTS_OF_DAY[pod][0])
    end = min(spans[-1][1], PARTS_OF_DAY[pod][1])
    if start >= end:
        raise WishError(no_part_of_day(day, pod, spans))
    return start, end, f", {pod}"


def _exact_time_wish(day: date, clock: time, spans: Spans, ctx: Context) -> TimeWish:
    if not inside(clock, spans):
        raise WishError(clock_not_open(day, clock, spans))
    preferred = ctx.at(day, clock)
    if preferred < ctx.now:
        raise WishError(PASSED)
    earliest = max(ctx.at(day, spans[0][0]), ctx.now)
    latest = ctx.at(day, spans[-1][1])
    description = f"{day_text(day, ctx)} at {clock_text(clock)}"
    return TimeWish(earliest, latest, preferred, description)


def _between(day: date, parts: Parts, spans: Spans) -> tuple[time, time, str]:
    """'after 3', 'before 11', 'between 2 and 4' on one day, clipped to opening hours."""
    start = start_pm_if_needed(parts.time_from, spans, parts) if parts.time_from else None
    end = end_pm_if_needed(parts.time_to, start, spans, parts) if parts.time_to else None
    if start is not None and end is not None:
        suffix = f", {clock_text(start)}-{clock_text(end)}"
    elif start is not None:
        suffix = f", after {clock_text(start)}"
    else:
        suffix = f", before {clock_text(end)}" if end else ""
    opens, closes = spans[0][0], spans[-1][1]
    window_start, window_end = max(opens, start or opens), min(closes, end or closes)
    if window_start >= window_end:
        raise WishError(between_not_open(day, spans))
    return window_start, window_end, suffix


def period_wish(parts: Parts, ctx: Context) -> TimeWish:
    assert parts.period is not None
    first, last, label = parts.period
    if parts.clock is not None:
        clock = pm_if_needed(parts.clock, all_spans(ctx), parts)
        raise WishError(which_day_at(label, clock))
    if parts.time_from is not None or parts.time_to is not None:
        raise WishError(which_day(label))
    if last < ctx.today:
        raise WishError(PASSED)
    if first > ctx.last_day:
        raise WishError(beyond_horizon(ctx))
    windows = _open_windows(first, min(last, ctx.last_day), parts.pod, ctx)
    if not windows:
        raise WishError(_empty_period_message(first, last, label, parts.pod, ctx))
    description = f"{parts.pod}s {label}" if parts.pod else label
    return TimeWish(windows[0][0], windows[-1][1], None, description, parts.pod)


def _open_windows(
    first: date, last: date, pod: str | None, ctx: Context
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
    first: date, last: date, label: str, pod: str | None, ctx: Context
) -> str:
    if _open_windows(first, min(last, ctx.last_day), None, ctx):
        return no_part_of_day_in(pod, label)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if any(d.weekday() in ctx.hours for d in days):
        return PASSED  # open days, but their hours are already behind us
    return closed_during(label, ctx)


def next_open_day_wish(parts: Parts, ctx: Context) -> TimeWish:
    """A time with no day ('at 3pm'): the first open day, today included, when it fits."""
    if parts.clock is not None:
        parts.clock = pm_if_needed(parts.clock, all_spans(ctx), parts)
    first_error: WishError | None = None
    for offset in range(min(7, ctx.horizon_days) + 1):
        day = ctx.today + timedelta(days=offset)
        if day.weekday() not in ctx.hours:
            continue
        try:
            return day_wish(day, parts, ctx)
        except WishError as error:
            first_error = first_error or error
    raise first_error or WishError(NO_TIME)


def asap_wish(parts: Parts, ctx: Context) -> TimeWish:
    latest = min(ctx.now + timedelta(days=ASAP_DAYS), ctx.horizon_end)
    if parts.pod:
        description = f"{parts.pod}s, as soon as possible"
    else:
        description = "as soon as possible"
    return TimeWish(ctx.now, latest, None, description, parts.pod)
