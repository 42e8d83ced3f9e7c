"""Quiet hours: no reminder reaches a client between 21:00 and 08:00 clinic time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
EVENING_BEFORE = time(20, 30)  # when a reminder goes if 08:00 would be too late


def in_quiet_hours(moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz).time()
    return local >= QUIET_START or local < QUIET_END


def out_of_quiet_hours(due: datetime, appointment: datetime, tz: ZoneInfo) -> datetime:
    """`due`, or the next 08:00 if it falls in quiet hours - or 20:30 the evening before when
    the appointment is not after that 08:00."""
    if not in_quiet_hours(due, tz):
        return due
    local = due.astimezone(tz)
    morning_day: date = local.date() if local.time() < QUIET_END else local.date() + timedelta(1)
    morning = datetime.combine(morning_day, QUIET_END, tz)
    if morning < appointment:
        return morning
    return datetime.combine(morning_day - timedelta(days=1), EVENING_BEFORE, tz)


def reminder_due(appointment: datetime, hours: int, tz: ZoneInfo, now: datetime) -> datetime | None:
    """When the `hours`-before reminder goes, or None if that moment is already past."""
    due = out_of_quiet_hours(appointment - timedelta(hours=hours), appointment, tz)
    return due if due > now else None
