"""Which offered slot did the client pick: numbers, ordinals, times, button titles, 'none'."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.booking.availability import Slot
from bot.booking.choice import NONE_OF_THESE, parse_choice, slot_label

LONDON = ZoneInfo("Europe/London")


def slot(hour: int, minute: int, practitioner_id: int = 1, name: str = "Mei Chen") -> Slot:
    start = datetime(2026, 11, 27, hour, minute, tzinfo=LONDON)  # a Friday
    return Slot(practitioner_id, name, start, start + timedelta(minutes=75))


OFFERED = [slot(9, 0), slot(10, 15, 2, "Sarah Okafor"), slot(14, 0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Option numbers (what the buttons send) and ordinals.
        ("1", 0),
        ("2", 1),
        ("3", 2),
        (" 2 ", 1),
        ("option 2", 1),
        ("4", None),  # only three were offered
        ("first", 0),
        ("the first one", 0),
        ("the second one", 1),
        ("2nd", 1),
        ("third please", 2),
        ("last", 2),
        ("the last one", 2),
        # Clock times matched against the offered starts.
        ("10:15", 1),
        ("10.15", 1),
        ("2pm", 2),
        ("2 pm", 2),
        ("9am", 0),
        ("14:00", 2),
        ("2:00", 2),  # no am/pm: read as the afternoon slot that was offered
        ("the one at 10:15 please", 1),
        # Not taking any of them.
        ("none of these", NONE_OF_THESE),
        ("None of those", NONE_OF_THESE),
        ("different time", NONE_OF_THESE),
        ("neither", NONE_OF_THESE),
        ("another day", NONE_OF_THESE),
        ("those don't work", NONE_OF_THESE),
        # Not a choice at all.
        ("banana", None),
        ("does it hurt?", None),
        ("11:30", None),  # a time that was not offered, and no option number in it
        ("3pm", None),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_choice(text, expected):
    assert parse_choice(text, OFFERED) == expected


@pytest.mark.parametrize("index", range(len(OFFERED)))
def test_button_title_picks_its_own_slot(index):
    title = slot_label(OFFERED[index])

    assert parse_choice(title, OFFERED) == index
    assert parse_choice(title.upper(), OFFERED) == index


def test_button_title_reads_like_a_calendar_entry():
    assert slot_label(OFFERED[1]) == "Fri 27 Nov, 10:15 (Sarah Okafor)"


def test_a_button_title_wins_over_the_numbers_inside_it():
    # "Fri 27 Nov, 09:00 ..." contains a 27 and a time; the exact title decides.
    early = slot(9, 0)
    late = slot(10, 15, 2, "Sarah Okafor")

    assert parse_choice(slot_label(early), [late, early]) == 1


def test_nothing_offered_means_no_choice():
    assert parse_choice("1", []) is None
    assert parse_choice("none of these", []) is None
    assert parse_choice(None, OFFERED) is None  # type: ignore[arg-type]


def test_two_offered_slots_make_last_the_second():
    assert parse_choice("last", OFFERED[:2]) == 1
    assert parse_choice("3", OFFERED[:2]) is None


def test_an_option_that_was_not_offered_is_not_a_choice():
    assert parse_choice("the second one", OFFERED[:1]) is None
    assert parse_choice("the third one", OFFERED[:2]) is None


@pytest.mark.parametrize("text", ["2:30", "3:15", "1:45"])
def test_a_time_that_was_not_offered_does_not_pick_an_option_by_its_hour(text):
    assert parse_choice(text, OFFERED) is None


def test_a_new_wish_with_an_hour_in_it_is_not_an_option_number():
    assert parse_choice("tomorrow at 3", OFFERED) is None


@pytest.mark.parametrize("text", ["that doesn\u2019t work", "I can\u2019t do those"])
def test_none_of_these_with_a_typographic_apostrophe(text):
    assert parse_choice(text, OFFERED) == NONE_OF_THESE
