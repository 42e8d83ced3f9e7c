"""What a wish becomes, and what the readers fill in on the way there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

ASAP_DAYS = 14
PARTS_OF_DAY = {
    "morning": (time(9), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(21)),
}

Spans = list[tuple[time, time]]  # opening spans of one day, sorted
# Opening spans per weekday (0 = Monday); a closed day has no entry.
Hours = dict[int, Spans]


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


@dataclass
class Parts:
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

    @property
    def has_time(self) -> bool:
        return self.clock is not None or self.time_from is not None or self.time_to is not None


@dataclass(frozen=True)
class Context:
    """The moment the wish is read at, the clinic's hours and how far ahead one may book."""

    now: datetime
    hours: Hours
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
