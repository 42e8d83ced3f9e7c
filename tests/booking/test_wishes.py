"""Reading a client's wished-for appointment time, phrase by phrase, against the real hours."""

from __future__ import annotations

import logging
import random
import string
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.booking.wishes import TimeWish, WishError, parse_wish
from tests.content import SAMPLE_HOURS
from tests.refusals import refusal

LONDON = ZoneInfo("Europe/London")
# Wednesday, mid-morning: the clinic is open and most of today is still ahead.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)

# Hours like the clinic's: Sunday is closed.
HOURS = SAMPLE_HOURS

NO_TIME = (
    "Sorry, I didn't catch a day or time - you could say e.g. "
    "'next Friday afternoon' or 'tomorrow at 10'"
)
PASSED = "That's already passed - what day and time would suit you?"
HORIZON = "We can only book up to 90 days ahead"


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def wish(text: str, now: datetime = NOW, horizon_days: int = 90) -> TimeWish:
    return parse_wish(text, now, HOURS, horizon_days=horizon_days)


# text, earliest, latest, preferred, part_of_day, description
UNDERSTOOD = [
    pytest.param(
        "next friday afternoon", local(12, 4, 12), local(12, 4, 17), None, "afternoon",
        "Friday 4 December, afternoon", id="next-weekday-is-in-next-week-with-part-of-day",
    ),
    pytest.param(
        "tomorrow at 10", local(11, 26, 9), local(11, 26, 20), local(11, 26, 10), None,
        "Thursday 26 November at 10am", id="date-and-time-prefers-the-time-within-the-day",
    ),
    pytest.param(
        "Could I come in tomorrow at 10 please?", local(11, 26, 9), local(11, 26, 20),
        local(11, 26, 10), None, "Thursday 26 November at 10am", id="time-inside-a-sentence",
    ),
    pytest.param(
        "any morning next week", local(11, 30, 9), local(12, 5, 12), None, "morning",
        "mornings next week", id="part-of-day-across-next-week",
    ),
    pytest.param(
        "sometime next week in the afternoon", local(11, 30, 12), local(12, 5, 14), None,
        "afternoon", "afternoons next week", id="next-week-is-not-dropped-for-the-afternoon",
    ),
    pytest.param(
        "next week", local(11, 30, 9), local(12, 5, 14), None, None, "next week",
        id="next-week-from-monday-opening-to-saturday-closing",
    ),
    pytest.param(
        "this week", NOW, local(11, 28, 14), None, None, "this week",
        id="this-week-starts-now",
    ),
    pytest.param(
        "early next week", local(11, 30, 9), local(12, 2, 18), None, None, "early next week",
        id="early-next-week-is-monday-to-wednesday",
    ),
    pytest.param(
        "in two weeks", local(12, 7, 9), local(12, 12, 14), None, None,
        "in the week of Monday 7 December", id="in-two-weeks-is-that-calendar-week",
    ),
    pytest.param(
        "in 3 days", local(11, 28, 9, 30), local(11, 28, 14), None, None,
        "Saturday 28 November", id="in-three-days-is-that-day",
    ),
    pytest.param(
        "half past two", NOW, local(11, 25, 18), local(11, 25, 14, 30), None,
        "Wednesday 25 November at 2:30pm", id="half-past-two-is-pm-at-a-clinic",
    ),
    pytest.param(
        "2:30", NOW, local(11, 25, 18), local(11, 25, 14, 30), None,
        "Wednesday 25 November at 2:30pm", id="bare-2-30-is-pm",
    ),
    pytest.param(
        "next tuesday 2:30", local(12, 1, 9), local(12, 1, 18), local(12, 1, 14, 30), None,
        "Tuesday 1 December at 2:30pm", id="next-tuesday-at-2-30-is-pm",
    ),
    pytest.param(
        "at 3pm", NOW, local(11, 25, 18), local(11, 25, 15), None,
        "Wednesday 25 November at 3pm", id="time-only-is-today-while-still-ahead",
    ),
    pytest.param(
        "at 10", NOW, local(11, 25, 18), local(11, 25, 10), None,
        "Wednesday 25 November at 10am", id="at-10-stays-10am",
    ),
    pytest.param(
        "at 9", local(11, 26, 9), local(11, 26, 20), local(11, 26, 9), None,
        "Thursday 26 November at 9am", id="time-only-already-gone-today-is-tomorrow",
    ),
    pytest.param(
        "thursday at 7", local(11, 26, 9), local(11, 26, 20), local(11, 26, 19), None,
        "Thursday 26 November at 7pm", id="7-on-late-opening-thursday-is-7pm",
    ),
    pytest.param(
        "friday 4 december", local(12, 4, 9), local(12, 4, 18), None, None,
        "Friday 4 December", id="date-only-is-that-days-opening-hours",
    ),
    pytest.param(
        "thursday evening", local(11, 26, 17), local(11, 26, 20), None, "evening",
        "Thursday 26 November, evening", id="evening-clipped-to-thursday-late-closing",
    ),
    pytest.param(
        "saturday afternoon", local(11, 28, 12), local(11, 28, 14), None, "afternoon",
        "Saturday 28 November, afternoon", id="afternoon-clipped-to-saturday-early-closing",
    ),
    pytest.param(
        "this morning", NOW, local(11, 25, 12), None, "morning",
        "Wednesday 25 November, morning", id="this-morning-starts-now",
    ),
    pytest.param(
        "tonight", local(11, 25, 17), local(11, 25, 18), None, "evening",
        "Wednesday 25 November, evening", id="tonight-is-this-evening-until-closing",
    ),
    pytest.param(
        "the 31st", local(12, 31, 9), local(12, 31, 20), None, None,
        "Thursday 31 December", id="the-31st-is-the-next-month-that-has-one",
    ),
    pytest.param(
        "a week on friday", local(12, 4, 9), local(12, 4, 18), None, None,
        "Friday 4 December", id="a-week-on-friday",
    ),
    pytest.param(
        "the day after tomorrow", local(11, 27, 9), local(11, 27, 18), None, None,
        "Friday 27 November", id="day-after-tomorrow",
    ),
    pytest.param(
        "friday next week", local(12, 4, 9), local(12, 4, 18), None, None,
        "Friday 4 December", id="weekday-named-with-next-week",
    ),
    pytest.param(
        "between 2 and 4 tomorrow", local(11, 26, 14), local(11, 26, 16), None, None,
        "Thursday 26 November, 2pm-4pm", id="between-two-and-four-is-afternoon-hours",
    ),
    pytest.param(
        "after 3pm on friday", local(11, 27, 15), local(11, 27, 18), None, None,
        "Friday 27 November, after 3pm", id="after-a-time-until-closing",
    ),
    pytest.param(
        "before 11 on friday", local(11, 27, 9), local(11, 27, 11), None, None,
        "Friday 27 November, before 11am", id="before-a-time-from-opening",
    ),
    pytest.param(
        "in december", local(12, 1, 9), local(12, 31, 20), None, None, "in December",
        id="a-month",
    ),
    pytest.param(
        "next month", local(12, 1, 9), local(12, 31, 20), None, None, "next month",
        id="next-month",
    ),
    pytest.param(
        "this weekend", local(11, 28, 9, 30), local(11, 28, 14), None, None, "this weekend",
        id="weekend-is-saturday-as-sunday-is-closed",
    ),
    pytest.param(
        "noon tomorrow", local(11, 26, 9), local(11, 26, 20), local(11, 26, 12), None,
        "Thursday 26 November at 12pm", id="noon",
    ),
    pytest.param(
        "30/11", local(11, 30, 9), local(11, 30, 18), None, None, "Monday 30 November",
        id="numeric-day-month",
    ),
    pytest.param(
        "in 2 hours", NOW, local(11, 25, 18), local(11, 25, 12), None,
        "Wednesday 25 November at 12pm", id="in-two-hours",
    ),
    pytest.param(
        "Good morning! Is Friday afternoon possible?", local(11, 27, 12), local(11, 27, 17),
        None, "afternoon", "Friday 27 November, afternoon", id="greeting-is-not-a-time",
    ),
    pytest.param(
        "mornings", NOW, NOW + timedelta(days=14), None, "morning",
        "mornings, as soon as possible", id="any-morning-soon",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "preferred", "part_of_day", "description"), UNDERSTOOD
)
def test_understands_the_phrase_as_a_bookable_window(
    text: str,
    earliest: datetime,
    latest: datetime,
    preferred: datetime | None,
    part_of_day: str | None,
    description: str,
) -> None:
    assert wish(text) == TimeWish(earliest, latest, preferred, description, part_of_day)


@pytest.mark.parametrize(
    "text", ["asap", "as soon as possible", "earliest", "any time", "whenever", "soonest"]
)
def test_as_soon_as_possible_means_the_next_two_weeks(text: str) -> None:
    assert wish(text) == TimeWish(NOW, NOW + timedelta(days=14), None, "as soon as possible")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("yesterday", PASSED, id="yesterday"),
        pytest.param("last friday", PASSED, id="last-weekday"),
        pytest.param("3 november", PASSED, id="a-date-just-gone"),
        pytest.param("blah", NO_TIME, id="no-time"),
        pytest.param("", NO_TIME, id="empty"),
        pytest.param("sure", NO_TIME, id="sunday-is-not-hidden-in-sure"),
    ],
)
def test_refuses_with_the_exact_reprompt(text: str, message: str) -> None:
    assert refusal(lambda: wish(text), WishError) == message


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("31 February", "There's no 31 February - "),
        ("30th of feb", "There's no 30 February - "),
        ("feb 30", "There's no 30 February - "),
        ("31/11", "There's no 31 November - "),
        ("29 feb", "There's no 29 February in 2027 - "),
        ("year 3000", HORIZON),
        ("in 2028", HORIZON),
        ("20 march", HORIZON),
        ("sunday", "We're closed on Sundays - we're open Monday to Saturday."),
        ("at 11pm", "We're open 9am to 6pm on Wednesdays, so 11pm isn't possible"),
        ("at 7am", "We're open 9am to 6pm on Wednesdays, so 7am isn't possible"),
        ("saturday evening", "We're open 9:30am to 2pm on Saturdays, so there are no evening"),
        ("next week at 10", "Which day next week would you like at 10am?"),
    ],
)
def test_refuses_impossible_closed_or_too_far_wishes_with_a_specific_reprompt(
    text: str, start: str
) -> None:
    assert refusal(lambda: wish(text), WishError).startswith(start)


def test_this_morning_is_refused_once_the_morning_is_over() -> None:
    with pytest.raises(WishError, match="^That's already passed - what day and time"):
        wish("this morning", now=local(11, 25, 14))


def test_today_after_closing_says_we_have_closed() -> None:
    with pytest.raises(WishError, match="closed for today"):
        wish("today", now=local(11, 25, 19))


def test_this_week_on_sunday_evening_has_already_passed() -> None:
    with pytest.raises(WishError, match="already passed"):
        wish("this week", now=local(11, 29, 19))


def test_a_shorter_horizon_is_named_in_the_reprompt() -> None:
    with pytest.raises(WishError, match=r"^We can only book up to 7 days ahead \(until"):
        wish("in 3 weeks", horizon_days=7)


def test_windows_are_in_the_clinics_time_zone() -> None:
    result = wish("next friday afternoon")
    assert result.earliest.tzinfo is LONDON
    assert result.latest.tzinfo is LONDON


def test_a_window_already_under_way_starts_now_not_in_the_past() -> None:
    result = wish("this afternoon", now=local(11, 25, 14, 20))
    assert result.earliest == local(11, 25, 14, 20)
    assert result.latest == local(11, 25, 17)


def test_ctparse_does_not_log_a_warning_for_text_without_a_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(WishError):
        wish("blah blah")
    assert not [r for r in caplog.records if r.name.startswith("ctparse")]


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_wish("tomorrow", datetime(2026, 11, 25, 10), HOURS)


# --- fuzz: whatever is typed, the answer is a usable window or a friendly WishError -------

_VOCABULARY = (
    "next this last any every in at on the of a week weeks weekend month day days hours "
    "morning afternoon evening tonight today tomorrow yesterday asap whenever earliest "
    "monday tuesday wed thu friday sat sunday december feb february jan march "
    "1 2 3 4 9 10 12 29 30 31 2:30 10.30 3pm 11am 7am noon midday half past quarter to "
    "from till until between and after before 2026 2027 2028 3000 1st 2nd 31st / - , "
    "ish blah sure please couple fortnight"
).split()
_FUZZ_NOWS = (
    NOW,
    local(11, 28, 13, 59),  # Saturday, a minute before closing
    local(11, 29, 23, 30),  # Sunday night, closed
    local(3, 27, 23, 30, year=2027),  # the night before the clocks go forward
    local(10, 24, 8, 0),  # before opening, the day before the clocks go back
)


def _random_text(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(0, 6)):
        if rng.random() < 0.85:
            words.append(rng.choice(_VOCABULARY))
        else:
            words.append("".join(rng.choice(string.printable) for _ in range(rng.randint(1, 5))))
    return " ".join(words)


def _assert_usable(result: TimeWish, now: datetime, horizon_days: int) -> None:
    horizon_end = datetime.combine(
        now.date() + timedelta(days=horizon_days + 1), time(0), tzinfo=LONDON
    )
    assert result.earliest.tzinfo is not None and result.latest.tzinfo is not None
    assert now <= result.earliest < result.latest <= horizon_end
    assert result.part_of_day in (None, "morning", "afternoon", "evening")
    assert result.description
    if result.preferred is not None:
        assert result.earliest <= result.preferred <= result.latest
        moment = result.preferred
        assert any(
            span.weekday == moment.weekday() and span.opens <= moment.time() < span.closes
            for span in HOURS
        ), f"{moment} is outside opening hours"


def test_random_text_gives_a_usable_window_or_a_friendly_wish_error() -> None:
    rng = random.Random(1234)
    understood = 0
    for _ in range(400):
        text, now = _random_text(rng), rng.choice(_FUZZ_NOWS)
        horizon_days = rng.choice((90, 90, 30, 7))
        try:
            result = parse_wish(text, now, HOURS, horizon_days=horizon_days)
        except WishError as refused:
            assert str(refused).strip(), text
            continue
        _assert_usable(result, now, horizon_days)
        understood += 1
    # Guard against the fuzz quietly testing nothing but refusals.
    assert understood > 50
