"""Opening hours and clock times: is a time open, and does 'at 2' mean 2pm here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from bot.booking.wishes.model import Context, Hours, Parts, Spans
from bot.store.queries import OpeningSpan


def hours_by_weekday(opening_hours: Sequence[OpeningSpan]) -> Hours:
    hours: Hours = {}
    for span in opening_hours:
        if span.opens < span.closes:
            hours.setdefault(span.weekday, []).append((span.opens, span.closes))
    return {weekday: sorted(spans) for weekday, spans in hours.items()}


def all_spans(ctx: Context) -> Spans:
    return [span for spans in ctx.hours.values() for span in spans]


def inside(clock: time, spans: Spans) -> bool:
    """An appointment can start at opening time but not at closing time."""
    return any(opens <= clock < closes for opens, closes in spans)


def inside_or_at_close(clock: time, spans: Spans) -> bool:
    return any(opens < clock <= closes for opens, closes in spans)


def add_hours(clock: time, hours: int) -> time:
    return clock.replace(hour=(clock.hour + hours) % 24)


def pm_if_needed(clock: time, spans: Spans, parts: Parts) -> time:
    """'half past two' means 14:30 at a clinic: use pm when only pm is within opening hours."""
    if clock.hour >= 12 or parts.clock_is_exact or parts.pod == "morning":
        return clock
    afternoon = add_hours(clock, 12)
    if parts.pod in ("afternoon", "evening"):
        return afternoon
    if not inside(clock, spans) and inside(afternoon, spans):
        return afternoon
    return clock


def start_pm_if_needed(start: time, spans: Spans, parts: Parts) -> time:
    """'after 5' means 17:00: an am start before we even open would say nothing."""
    if start.hour >= 12 or parts.clock_is_exact:
        return start
    if parts.pod in ("afternoon", "evening") or start < spans[0][0]:
        return add_hours(start, 12)
    return start


def end_pm_if_needed(end: time, start: time | None, spans: Spans, parts: Parts) -> time:
    """'until 4' / 'and 4' after a pm start mean 16:00."""
    if end.hour >= 12 or parts.clock_is_exact:
        return end
    afternoon = add_hours(end, 12)
    if start is not None and end <= start:
        return afternoon
    if not inside_or_at_close(end, spans) and inside_or_at_close(afternoon, spans):
        return afternoon
    return end
