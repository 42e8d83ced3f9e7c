"""Slot finding on a hand-built schedule: no store, no clock, just the rules."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.booking.availability import (
    MIN_NOTICE,
    PractitionerHours,
    Schedule,
    Slot,
    day_slots,
    free_slots,
    in_part_of_day,
    nearest,
)

LONDON = ZoneInfo("Europe/London")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
WEDNESDAY = date(2026, 11, 25)
THURSDAY = date(2026, 11, 26)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
MEI, SARAH = 1, 2


def hours(start: str, end: str) -> tuple[time, time]:
    return time.fromisoformat(start), time.fromisoformat(end)


OPENING = {
    MON: hours("09:00", "18:00"),
    TUE: hours("09:00", "18:00"),
    WED: hours("09:00", "18:00"),
    THU: hours("09:00", "19:00"),
    FRI: hours("09:00", "18:00"),
    SAT: hours("09:30", "14:00"),
    # Sunday: closed.
}
MEI_HOURS = PractitionerHours(
    MEI,
    "Mei Chen",
    {
        MON: hours("09:00", "18:00"),
        TUE: hours("09:00", "18:00"),
        THU: hours("11:00", "20:00"),  # works later than the clinic is open
        SAT: hours("09:30", "14:00"),
        SUN: hours("10:00", "14:00"),  # but the clinic is closed on Sundays
    },
)
SARAH_HOURS = PractitionerHours(
    SARAH,
    "Sarah Okafor",
    {
        MON: hours("09:00", "16:00"),  # goes home before closing
        WED: hours("09:00", "18:00"),
        SAT: hours("09:00", "14:00"),  # starts before the clinic opens
    },
)
SCHEDULE = Schedule(
    timezone=LONDON,
    opening_hours=OPENING,
    practitioners=(MEI_HOURS, SARAH_HOURS),
    session_minutes=75,
)
SESSION = timedelta(minutes=75)


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), LONDON)


def clocks(slots: list[Slot], practitioner_id: int | None = None) -> list[str]:
    return [
        f"{slot.start:%H:%M}"
        for slot in slots
        if practitioner_id is None or slot.practitioner_id == practitioner_id
    ]


def booked(practitioner_id: int, day: date, start: str, end: str):
    """A confirmed booking as load_schedule gives it: aware UTC."""
    return (
        practitioner_id,
        at(day, start).astimezone(timezone.utc),
        at(day, end).astimezone(timezone.utc),
    )


LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc)


def whole_day(schedule: Schedule, day: date, now: datetime = LONG_AGO) -> list[Slot]:
    return free_slots(schedule, at(day, "00:00"), at(day + timedelta(days=1), "00:00"), now)


# --- day_slots -------------------------------------------------------------------------------


def test_grid_starts_at_the_practitioners_start_and_steps_by_the_session_length():
    slots = day_slots(SCHEDULE, MONDAY)

    assert clocks(slots, MEI) == ["09:00", "10:15", "11:30", "12:45", "14:00", "15:15", "16:30"]
    assert all(slot.end - slot.start == SESSION for slot in slots)
    assert all(slot.start.tzinfo is LONDON for slot in slots)


def test_no_slot_ends_after_the_practitioner_goes_home():
    sarah = [slot for slot in day_slots(SCHEDULE, MONDAY) if slot.practitioner_id == SARAH]

    assert clocks(sarah) == ["09:00", "10:15", "11:30", "12:45", "14:00"]
    assert max(slot.end for slot in sarah) == at(MONDAY, "15:15") <= at(MONDAY, "16:00")


def test_no_slot_ends_after_closing_even_if_the_practitioner_works_later():
    slots = day_slots(SCHEDULE, THURSDAY)

    assert clocks(slots) == ["11:00", "12:15", "13:30", "14:45", "16:00", "17:15"]
    assert max(slot.end for slot in slots) == at(THURSDAY, "18:30") <= at(THURSDAY, "19:00")


def test_grid_stays_on_the_practitioners_start_when_the_clinic_opens_later():
    sarah = clocks(day_slots(SCHEDULE, SATURDAY), SARAH)

    # 09:00 is before opening (09:30), so her grid continues at 10:15 - not 09:30.
    assert sarah == ["10:15", "11:30", "12:45"]
    assert clocks(day_slots(SCHEDULE, SATURDAY), MEI) == ["09:30", "10:45", "12:00"]


def test_closed_day_gives_no_slots_even_if_a_practitioner_works_then():
    assert day_slots(SCHEDULE, SUNDAY) == []
    assert whole_day(SCHEDULE, SUNDAY) == []


def test_only_practitioners_working_that_day_get_slots():
    slots = day_slots(SCHEDULE, TUESDAY)

    assert slots
    assert {slot.practitioner_id for slot in slots} == {MEI}
    assert {slot.practitioner_name for slot in slots} == {"Mei Chen"}


def test_day_slots_are_sorted_by_start_then_practitioner():
    slots = day_slots(SCHEDULE, MONDAY)

    assert slots == sorted(slots, key=lambda slot: (slot.start, slot.practitioner_id))
    assert [(s.practitioner_id, f"{s.start:%H:%M}") for s in slots[:2]] == [
        (MEI, "09:00"),
        (SARAH, "09:00"),
    ]


# --- free_slots ------------------------------------------------------------------------------


def test_a_booking_removes_the_overlapping_slot_for_that_practitioner_only():
    schedule = replace(SCHEDULE, booked=(booked(MEI, MONDAY, "10:15", "11:30"),))

    slots = whole_day(schedule, MONDAY)

    assert "10:15" not in clocks(slots, MEI)
    assert "10:15" in clocks(slots, SARAH)
    assert clocks(slots, MEI) == ["09:00", "11:30", "12:45", "14:00", "15:15", "16:30"]


def test_an_off_grid_booking_removes_every_slot_it_overlaps():
    schedule = replace(SCHEDULE, booked=(booked(MEI, MONDAY, "11:00", "12:00"),))

    mei = clocks(whole_day(schedule, MONDAY), MEI)

    assert "10:15" not in mei and "11:30" not in mei
    assert mei == ["09:00", "12:45", "14:00", "15:15", "16:30"]


def test_a_booking_ending_exactly_at_a_slot_start_does_not_remove_it():
    schedule = replace(SCHEDULE, booked=(booked(MEI, MONDAY, "08:00", "09:00"),))

    assert "09:00" in clocks(whole_day(schedule, MONDAY), MEI)


def test_a_booking_on_another_day_removes_nothing():
    schedule = replace(SCHEDULE, booked=(booked(MEI, TUESDAY, "10:15", "11:30"),))

    assert whole_day(schedule, MONDAY) == day_slots(SCHEDULE, MONDAY)


def test_slots_start_inside_the_window_and_the_end_of_the_window_is_exclusive():
    slots = free_slots(SCHEDULE, at(MONDAY, "10:15"), at(MONDAY, "12:45"), LONG_AGO)

    assert clocks(slots) == ["10:15", "10:15", "11:30", "11:30"]


def test_window_over_several_days_includes_each_open_day():
    slots = free_slots(SCHEDULE, at(MONDAY, "00:00"), at(THURSDAY, "00:00"), LONG_AGO)

    assert {slot.start.date() for slot in slots} == {MONDAY, TUESDAY, WEDNESDAY}
    assert slots == sorted(slots, key=lambda slot: slot.start)


def test_a_slot_exactly_min_notice_ahead_is_offered_but_not_one_minute_less():
    nine = at(MONDAY, "09:00")

    just_in_time = whole_day(SCHEDULE, MONDAY, now=nine - MIN_NOTICE)
    too_late = whole_day(SCHEDULE, MONDAY, now=nine - MIN_NOTICE + timedelta(minutes=1))

    assert clocks(just_in_time)[:2] == ["09:00", "09:00"]
    assert "09:00" not in clocks(too_late)
    assert clocks(too_late)[0] == "10:15"


def test_no_slot_is_offered_sooner_than_min_notice_from_now():
    now = at(MONDAY, "11:00").astimezone(timezone.utc)

    slots = whole_day(SCHEDULE, MONDAY, now=now)

    assert slots
    assert all(slot.start >= now + MIN_NOTICE for slot in slots)
    assert clocks(slots, MEI) == ["14:00", "15:15", "16:30"]


def test_a_window_entirely_in_the_past_gives_nothing():
    now = at(TUESDAY, "09:00")

    assert whole_day(SCHEDULE, MONDAY, now=now) == []


# --- nearest ---------------------------------------------------------------------------------


def test_nearest_gives_distinct_start_times_closest_to_the_wish_sorted():
    slots = day_slots(SCHEDULE, MONDAY)  # Mei and Sarah share 09:00 ... 14:00

    chosen = nearest(slots, at(MONDAY, "10:30"))

    assert clocks(chosen) == ["09:00", "10:15", "11:30"]
    assert len({slot.start for slot in chosen}) == 3


def test_nearest_prefers_the_closest_even_if_later_slots_exist():
    slots = day_slots(SCHEDULE, MONDAY)

    chosen = nearest(slots, at(MONDAY, "16:00"))

    assert clocks(chosen) == ["14:00", "15:15", "16:30"]


def test_nearest_without_a_preferred_time_gives_the_soonest():
    slots = list(reversed(day_slots(SCHEDULE, MONDAY)))

    assert clocks(nearest(slots, None)) == ["09:00", "10:15", "11:30"]


def test_nearest_respects_the_limit_and_copes_with_few_slots():
    slots = day_slots(SCHEDULE, MONDAY)

    assert clocks(nearest(slots, None, limit=1)) == ["09:00"]
    assert clocks(nearest(slots[:2], at(MONDAY, "12:00"))) == ["09:00"]  # same start twice
    assert nearest([], at(MONDAY, "12:00")) == []


# --- in_part_of_day --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "part", "expected"),
    [
        ("09:00", "morning", True),
        ("11:30", "morning", True),  # starts in the morning, ends after noon
        ("12:00", "morning", False),
        ("12:00", "afternoon", True),
        ("16:30", "afternoon", True),
        ("17:00", "afternoon", False),
        ("17:15", "evening", True),
        ("09:00", "evening", False),
        ("09:00", None, True),
        ("19:00", "whenever", True),  # unknown part of day: no filter
    ],
)
def test_in_part_of_day(clock, part, expected):
    start = at(MONDAY, clock)
    slot = Slot(MEI, "Mei Chen", start, start + SESSION)

    assert in_part_of_day(slot, part) is expected


# --- daylight saving -------------------------------------------------------------------------

CLOCKS_GO_FORWARD = date(2026, 3, 29)  # a Sunday: 01:00 GMT becomes 02:00 BST
CLOCKS_GO_BACK = date(2026, 10, 25)  # a Sunday: 02:00 BST becomes 01:00 GMT
SUNDAYS_OPEN = replace(
    SCHEDULE,
    opening_hours={**OPENING, SUN: hours("09:00", "13:00")},
    practitioners=(replace(MEI_HOURS, hours={SUN: hours("09:00", "13:00")}),),
)


@pytest.mark.parametrize(("day", "offset_hours"), [(CLOCKS_GO_FORWARD, 1), (CLOCKS_GO_BACK, 0)])
def test_dst_change_day_still_has_slots_at_local_wall_clock_times(day, offset_hours):
    slots = day_slots(SUNDAYS_OPEN, day)

    assert clocks(slots) == ["09:00", "10:15", "11:30"]
    for slot in slots:
        assert slot.start.utcoffset() == timedelta(hours=offset_hours)
        real_length = slot.end.astimezone(timezone.utc) - slot.start.astimezone(timezone.utc)
        assert real_length == SESSION


def test_free_slots_over_the_clocks_going_forward_keep_wall_clock_times():
    saturday = CLOCKS_GO_FORWARD - timedelta(days=1)
    now = at(saturday, "06:00")

    slots = free_slots(SUNDAYS_OPEN, now, at(CLOCKS_GO_FORWARD, "23:00"), now)

    sunday = [slot for slot in slots if slot.start.date() == CLOCKS_GO_FORWARD]
    assert clocks(sunday) == ["09:00", "10:15", "11:30"]
    assert sunday[0].start.astimezone(timezone.utc).hour == 8  # 09:00 BST


def test_a_booking_stored_in_utc_blocks_the_right_slot_after_the_clocks_change():
    taken = booked(MEI, CLOCKS_GO_FORWARD, "10:15", "11:30")
    assert taken[1].hour == 9  # 10:15 BST is 09:15 UTC
    schedule = replace(SUNDAYS_OPEN, booked=(taken,))

    assert clocks(whole_day(schedule, CLOCKS_GO_FORWARD)) == ["09:00", "11:30"]


# --- Slot as a Rasa slot value ---------------------------------------------------------------


def test_slot_survives_a_json_round_trip():
    slot = day_slots(SCHEDULE, MONDAY)[1]

    data = json.loads(json.dumps(slot.to_dict()))
    back = Slot.from_dict(data)

    assert back == slot
    assert (back.practitioner_id, back.practitioner_name) == (slot.practitioner_id, "Sarah Okafor")
    assert f"{back.start:%Y-%m-%d %H:%M}" == f"{slot.start:%Y-%m-%d %H:%M}"
    assert back.start.utcoffset() == slot.start.utcoffset()
    assert back.end - back.start == SESSION


def test_slot_round_trip_keeps_summer_time_wall_clock():
    slot = day_slots(SUNDAYS_OPEN, CLOCKS_GO_FORWARD)[0]

    back = Slot.from_dict(slot.to_dict())

    assert back == slot
    assert f"{back.start:%H:%M}" == "09:00"
    assert back.start.utcoffset() == timedelta(hours=1)
    assert slot.to_dict()["start"] == "2026-03-29T09:00:00+01:00"
