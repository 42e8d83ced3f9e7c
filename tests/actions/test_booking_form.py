"""The booking and manage-booking forms' actions, run with real Trackers against a real store.

Trackers are built and actions run with tests/rasa_harness.py.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

import actions.booking as booking_actions
from actions.booking import (
    ActionAskChosenSlot,
    ActionBookingDone,
    ActionStopBooking,
    ValidateBookingForm,
)
from actions.common import ANSWERS
from actions.forms import FORM_SLOTS
from actions.manage_booking import ActionStartManageBooking, ValidateManageBookingForm
from actions.slots import (
    BOOKING_CONFIRMED,
    BOOKING_CONTACT,
    BOOKING_REF,
    BOOKING_RESULT,
    CANCEL_CONFIRMED,
    CHOSEN_SLOT,
    CLIENT_NAME,
    CONSENT,
    CONTACT,
    FORM_FAILURES,
    MANAGE_ACTION,
    MANAGED_BOOKING,
    OFFERED_SLOTS,
    REQUESTED_SLOT,
    TIME_WISH,
    WISH_WINDOW,
)
from bot.booking import messages as bot_messages
from bot.booking import wishes
from bot.booking.availability import Slot
from bot.booking.choice import slot_label
from bot.booking.contact import CONTACT_ERROR, NAME_ERROR, PHONE_ERROR, Contact
from bot.booking.service import BookingRequest, BookingService
from tests.content import CLINIC
from tests.rasa_harness import form_tracker, required_slots, run, slot_values, texts

CLINIC_PHONE = CLINIC.phone
CLINIC_ADDRESS = CLINIC.address
ANN_PHONE = "+447911123456"
REF = re.compile(r"^FA-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def store(store_url: str) -> BookingService:
    """The same store, looked at (or booked in) directly - real clock, like the actions."""
    return BookingService(store_url)


# --- running actions -----------------------------------------------------------------------------


def validate_booking(slot: str, value: Any, slots: dict[str, Any] | None = None, **kwargs):
    tracker = form_tracker("booking_form", slot, value, slots, **kwargs)
    messages, events = run(ValidateBookingForm(), tracker)
    return texts(messages), slot_values(events)


def validate_manage(slot: str, value: Any, slots: dict[str, Any] | None = None, **kwargs):
    tracker = form_tracker("manage_booking_form", slot, value, slots, **kwargs)
    messages, events = run(ValidateManageBookingForm(), tracker)
    return texts(messages), slot_values(events)


# --- store helpers -------------------------------------------------------------------------------


def a_week_window() -> dict[str, Any]:
    """A wish window from 3 to 10 days ahead (real clock), as validate_time_wish stores it."""
    now = datetime.now(timezone.utc)
    return {
        "earliest": (now + timedelta(days=3)).isoformat(),
        "latest": (now + timedelta(days=10)).isoformat(),
        "preferred": None,
        "part_of_day": None,
    }


def free_slots(store: BookingService, window: dict[str, Any]) -> list[Slot]:
    suggestion = store.suggest(
        datetime.fromisoformat(window["earliest"]), datetime.fromisoformat(window["latest"])
    )
    assert suggestion.matches_wish and len(suggestion.slots) == 3
    return suggestion.slots


def ready_to_confirm(store: BookingService, **overrides: Any) -> dict[str, Any]:
    """Every booking_form slot filled as the earlier turns would have left them."""
    window = a_week_window()
    offered = free_slots(store, window)
    return {
        CLIENT_NAME: "Zoë O'Brien",
        CONTACT: ANN_PHONE,
        TIME_WISH: "next week",
        WISH_WINDOW: window,
        OFFERED_SLOTS: [slot.to_dict() for slot in offered],
        CHOSEN_SLOT: offered[0].to_dict(),
        CONSENT: True,
        **overrides,
    }


def book_directly(store: BookingService, slot: Slot, name: str = "Ann O'Brien", phone=ANN_PHONE):
    contact = Contact(phone=phone, email=None)
    return store.book(BookingRequest(name, contact, slot, True, channel="rest", sender_id="x"))


# --- client_name and contact ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Zoë O'Brien-Nguyễn", "Siobhán Ní Bhriain", "José Ñúñez"])
def test_name_with_apostrophes_and_accents_is_kept_exactly(name):
    messages, slots = validate_booking(CLIENT_NAME, name)

    assert messages == []
    assert slots[CLIENT_NAME] == name


def test_name_lead_in_and_extra_spaces_are_dropped():
    _, slots = validate_booking(CLIENT_NAME, "my name is   Zoë  O'Brien ")

    assert slots[CLIENT_NAME] == "Zoë O'Brien"


def test_name_with_digits_is_refused_and_cleared():
    messages, slots = validate_booking(CLIENT_NAME, "12345")

    assert messages == [NAME_ERROR]
    assert slots[CLIENT_NAME] is None
    assert slots[FORM_FAILURES] == {CLIENT_NAME: 1}


def test_invalid_phone_gets_the_phone_reprompt_and_is_cleared():
    messages, slots = validate_booking(CONTACT, "12345")

    assert messages == [PHONE_ERROR]
    assert slots[CONTACT] is None
    assert slots[FORM_FAILURES] == {CONTACT: 1}


def test_answer_without_phone_or_email_asks_for_either():
    messages, slots = validate_booking(CONTACT, "why do you need that")

    assert messages == [CONTACT_ERROR]
    assert slots[CONTACT] is None


def test_second_invalid_contact_gets_no_second_reprompt_from_the_validation():
    messages, slots = validate_booking(CONTACT, "not telling", {FORM_FAILURES: {CONTACT: 1}})

    assert messages == []  # action_ask_contact says what was expected instead
    assert slots[CONTACT] is None
    assert slots[FORM_FAILURES] == {CONTACT: 2}


def ask_after_misses(action, slot: str, misses: int, slots: dict | None = None):
    """Run action_ask_<slot> as the form does right after the validation counted a miss."""
    tracker = form_tracker("booking_form", None, slots={REQUESTED_SLOT: slot, **(slots or {})})
    if misses:
        tracker.events.append({"event": "slot", "name": FORM_FAILURES, "value": {slot: misses}})
    return run(action, tracker)


def test_ask_action_asks_then_stays_silent_after_one_miss_then_says_what_it_expected():
    asked, _ = ask_after_misses(booking_actions.ActionAskContact(), CONTACT, 0)
    after_one, _ = ask_after_misses(booking_actions.ActionAskContact(), CONTACT, 1)
    after_two, _ = ask_after_misses(booking_actions.ActionAskContact(), CONTACT, 2)
    after_three, _ = ask_after_misses(booking_actions.ActionAskContact(), CONTACT, 3)

    assert texts(asked) == [bot_messages.ASK[CONTACT]]
    assert after_one == []  # the validation's specific re-prompt is the question
    [stuck] = after_two
    assert bot_messages.EXPECTED[CONTACT] in stuck["text"] and CLINIC_PHONE in stuck["text"]
    assert bot_messages.PERSON_BUTTON in stuck["buttons"]
    # Never the same words three times in a row.
    assert texts(after_three)[0] != stuck["text"]
    assert bot_messages.EXPECTED[CONTACT] in texts(after_three)[0]


def test_stuck_message_offers_the_clinic_phone_even_right_after_a_restart(monkeypatch):
    monkeypatch.setattr(ANSWERS, "last_known_phone", None)  # a fresh action server

    messages, _ = ask_after_misses(booking_actions.ActionAskClientName(), CLIENT_NAME, 2)

    assert CLINIC_PHONE in messages[0]["text"]


def test_failures_are_counted_per_slot():
    _, slots = validate_booking(
        CONTACT, "12345", {FORM_FAILURES: {CLIENT_NAME: 2, TIME_WISH: 2}}
    )

    assert slots[FORM_FAILURES] == {CLIENT_NAME: 2, TIME_WISH: 2, CONTACT: 1}


@pytest.mark.parametrize(
    "typed", ["07911 123456", "07911123456", "+44 7911 123456", "it's 07911-123456"]
)
def test_valid_uk_mobile_is_stored_in_international_form(typed):
    messages, slots = validate_booking(CONTACT, typed)

    assert messages == []
    assert slots[CONTACT] == ANN_PHONE


def test_email_is_accepted_as_contact():
    _, slots = validate_booking(CONTACT, "zoe.obrien@Example.COM")

    assert slots[CONTACT] == "zoe.obrien@example.com"


# --- time_wish and chosen_slot -------------------------------------------------------------------


def test_time_wish_offers_up_to_three_slots_inside_the_wish():
    messages, slots = validate_booking(TIME_WISH, "next friday afternoon")

    window = slots[WISH_WINDOW]
    earliest = datetime.fromisoformat(window["earliest"])
    latest = datetime.fromisoformat(window["latest"])
    assert slots[TIME_WISH].startswith("Friday") and slots[TIME_WISH].endswith("afternoon")
    assert window["part_of_day"] == "afternoon"
    assert earliest.weekday() == 4 and earliest > datetime.now(timezone.utc)
    offered = [Slot.from_dict(item) for item in slots[OFFERED_SLOTS]]
    assert 1 <= len(offered) <= 3
    for slot in offered:
        assert earliest <= slot.start < latest
        assert slot.start.weekday() == 4 and 12 <= slot.start.hour < 17
        assert slot.end - slot.start == timedelta(minutes=75)
    assert len({slot.start for slot in offered}) == len(offered)
    assert slots[CHOSEN_SLOT] is None
    assert messages == []  # the free times are shown by action_ask_chosen_slot


def test_wish_in_the_past_is_refused_with_a_reprompt():
    messages, slots = validate_booking(TIME_WISH, "yesterday")

    assert messages == [wishes.PASSED]
    assert slots[TIME_WISH] is None
    assert OFFERED_SLOTS not in slots and WISH_WINDOW not in slots
    assert slots[FORM_FAILURES] == {TIME_WISH: 1}


def test_wish_without_a_time_gets_an_example_in_the_reprompt():
    messages, slots = validate_booking(TIME_WISH, "hmm not sure")

    assert messages == [wishes.NO_TIME]
    assert slots[TIME_WISH] is None


def test_wish_on_a_closed_day_says_so():
    messages, slots = validate_booking(TIME_WISH, "next sunday")

    assert "closed on Sundays" in messages[0]
    assert slots[TIME_WISH] is None


def test_choosing_number_two_picks_the_second_offered_slot(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking(CHOSEN_SLOT, "2", {OFFERED_SLOTS: offered})

    assert messages == []
    assert slots[CHOSEN_SLOT] == offered[1]


def test_choosing_by_button_title_picks_that_slot(store):
    offered = free_slots(store, a_week_window())

    _, slots = validate_booking(
        CHOSEN_SLOT, slot_label(offered[2]), {OFFERED_SLOTS: [s.to_dict() for s in offered]}
    )

    assert slots[CHOSEN_SLOT] == offered[2].to_dict()


def test_none_of_these_clears_the_wish_to_ask_again(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking(
        CHOSEN_SLOT, "none of these", {TIME_WISH: "next week", OFFERED_SLOTS: offered}
    )

    assert messages == []  # action_ask_time_wish asks for another day
    assert slots[CHOSEN_SLOT] is None
    assert slots[TIME_WISH] is None
    assert slots[OFFERED_SLOTS] is None


def test_unclear_choice_reprompts_with_the_number_of_options(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking(CHOSEN_SLOT, "banana", {OFFERED_SLOTS: offered})

    assert messages == ["Please pick one of the times (1 to 3), or say 'none of these'."]
    assert slots[CHOSEN_SLOT] is None
    assert slots[FORM_FAILURES] == {CHOSEN_SLOT: 1}


def test_a_new_wish_instead_of_a_choice_offers_new_slots(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    _, slots = validate_booking(
        CHOSEN_SLOT, "how about next friday afternoon?", {OFFERED_SLOTS: offered}
    )

    assert slots[CHOSEN_SLOT] is None
    assert slots[TIME_WISH].endswith("afternoon")
    new = [Slot.from_dict(item) for item in slots[OFFERED_SLOTS]]
    assert new and all(s.start.weekday() == 4 and s.start.hour >= 12 for s in new)


@pytest.mark.parametrize("text", ["what about monday?", "what about next friday afternoon?"])
def test_a_what_about_wish_instead_of_a_choice_offers_new_slots(store, text):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking(CHOSEN_SLOT, text, {OFFERED_SLOTS: offered})

    assert slots[CHOSEN_SLOT] is None
    assert slots.get(OFFERED_SLOTS)  # may equal the old offers when they already fit
    day = Slot.from_dict(slots[OFFERED_SLOTS][0]).start.weekday()
    if "friday" in text:
        assert slots[TIME_WISH].endswith("afternoon") and day == 4
    else:
        assert day == 0
    assert not any("Please pick one of the times" in message for message in messages)


def test_ask_chosen_slot_shows_each_offered_slot_as_a_numbered_button(store):
    offered = free_slots(store, a_week_window())
    tracker = form_tracker(
        "booking_form", None, slots={OFFERED_SLOTS: [s.to_dict() for s in offered]}
    )

    messages, events = run(ActionAskChosenSlot(), tracker)

    [message] = messages
    assert message["text"] == "These times are free - which suits you?"
    assert message["buttons"] == [
        {"title": slot_label(offered[0]), "payload": "1"},
        {"title": slot_label(offered[1]), "payload": "2"},
        {"title": slot_label(offered[2]), "payload": "3"},
        {"title": "None of these", "payload": "none of these"},
    ]
    assert events == []


# --- consent and confirmation --------------------------------------------------------------------


def test_consent_yes_is_kept():
    _, slots = validate_booking(CONSENT, True, intent="affirm", text="yes")

    assert slots == {CONSENT: True}


def test_no_consent_ends_the_form_without_booking(store):
    slots_before = ready_to_confirm(store)
    del slots_before[CONSENT]

    messages, slots = validate_booking(CONSENT, False, slots_before, intent="deny", text="no")

    assert messages == []
    assert slots[CONSENT] is False
    assert slots[BOOKING_CONFIRMED] is False
    assert store.list_bookings() == []


def test_confirming_writes_exactly_one_booking(store):
    before = ready_to_confirm(store)
    chosen = Slot.from_dict(before[CHOSEN_SLOT])

    messages, slots = validate_booking(
        BOOKING_CONFIRMED, True, before, intent="affirm", text="yes"
    )

    assert messages == []
    assert slots[BOOKING_CONFIRMED] is True
    result = slots[BOOKING_RESULT]
    assert REF.match(result["ref"])
    [stored] = store.list_bookings()
    assert stored.ref == result["ref"]
    assert stored.status == "confirmed"
    assert stored.name == "Zoë O'Brien"
    assert stored.phone == ANN_PHONE and stored.email is None
    assert stored.start == chosen.start and stored.practitioner == chosen.practitioner_name
    assert stored.channel == "rest"


def test_saying_no_to_the_summary_books_nothing(store):
    messages, slots = validate_booking(
        BOOKING_CONFIRMED, False, ready_to_confirm(store), intent="deny", text="no"
    )

    assert slots == {BOOKING_CONFIRMED: False}
    assert store.list_bookings() == []


def test_confirming_without_consent_books_nothing(store):
    _, slots = validate_booking(
        BOOKING_CONFIRMED, True, ready_to_confirm(store, consent=False), intent="affirm"
    )

    assert slots[BOOKING_CONFIRMED] is False
    assert store.list_bookings() == []


def test_slot_taken_while_confirming_offers_other_times_and_books_nothing_twice(store):
    before = ready_to_confirm(store)
    taken = Slot.from_dict(before[CHOSEN_SLOT])
    someone_else = book_directly(store, taken, name="Someone Else", phone="+447911123457")

    messages, slots = validate_booking(
        BOOKING_CONFIRMED, True, before, intent="affirm", text="yes"
    )

    assert len(messages) == 1
    assert "just booked by someone else" in messages[0]
    assert slots[CHOSEN_SLOT] is None
    assert slots[BOOKING_CONFIRMED] is None
    assert BOOKING_RESULT not in slots
    others = [Slot.from_dict(item) for item in slots[OFFERED_SLOTS]]
    assert others and all(slot.start != taken.start for slot in others)
    assert [b.ref for b in store.list_bookings()] == [someone_else.ref]


def test_booking_done_shows_ref_date_and_address_and_clears_the_form(store):
    _, slots = validate_booking(
        BOOKING_CONFIRMED, True, ready_to_confirm(store), intent="affirm", text="yes"
    )
    result = slots[BOOKING_RESULT]
    start = datetime.fromisoformat(result["start"])
    tracker = form_tracker(None, None, slots={**slots, CLIENT_NAME: "Zoë O'Brien"})

    messages, events = run(ActionBookingDone(), tracker)

    [text] = texts(messages)
    assert result["ref"] in text
    assert f"{start:%A %d %B at %H:%M}" in text
    assert CLINIC_ADDRESS in text
    was_set = {name for name in FORM_SLOTS if tracker.get_slot(name) is not None}
    assert was_set >= {CLIENT_NAME, BOOKING_RESULT}
    assert all(SlotSet(name, None) in events for name in was_set)
    assert {event["name"] for event in events} == was_set


def test_booking_done_without_a_booking_says_nothing_was_booked():
    tracker = form_tracker(None, None, slots={BOOKING_CONFIRMED: False, CONSENT: False})

    messages, events = run(ActionBookingDone(), tracker)

    assert texts(messages) == [
        "Okay, I haven't booked anything. If you'd like to book later, just say so."
    ]
    assert SlotSet(CONSENT, None) in events


# --- stopping ------------------------------------------------------------------------------------


def test_stop_deactivates_the_form_and_says_nothing_was_booked(store):
    tracker = form_tracker(
        "booking_form", None, slots={CLIENT_NAME: "Zoë", CONTACT: ANN_PHONE}, intent="stop"
    )

    messages, events = run(ActionStopBooking(), tracker)

    [text] = texts(messages)
    assert "Nothing was booked" in text
    assert ActiveLoop(None) in events
    assert SlotSet(REQUESTED_SLOT, None) in events
    assert SlotSet(CLIENT_NAME, None) in events and SlotSet(CONTACT, None) in events
    assert store.list_bookings() == []


# --- managing a booking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "action"), [("cancel_booking", "cancel"), ("reschedule_booking", "reschedule")]
)
def test_start_manage_booking_remembers_what_the_client_wants(intent, action):
    tracker = form_tracker(None, None, slots={BOOKING_REF: "FA-OLD1"}, intent=intent)

    messages, events = run(ActionStartManageBooking(), tracker)

    assert messages == []
    assert events[-1] == SlotSet(MANAGE_ACTION, action)
    assert SlotSet(BOOKING_REF, None) in events


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("cancel", [BOOKING_REF, BOOKING_CONTACT, CANCEL_CONFIRMED]),
        (
            "reschedule",
            [BOOKING_REF, BOOKING_CONTACT, TIME_WISH, CHOSEN_SLOT, BOOKING_CONFIRMED],
        ),
    ],
)
def test_manage_form_asks_different_slots_for_cancel_and_reschedule(action, expected):
    tracker = form_tracker("manage_booking_form", None, slots={MANAGE_ACTION: action})

    required = required_slots(ValidateManageBookingForm(), tracker)

    assert required == expected


@pytest.fixture
def existing(store):
    """Ann's confirmed booking, 3-10 days ahead."""
    return book_directly(store, free_slots(store, a_week_window())[0])


def test_reference_is_normalised(existing):
    typed = existing.ref.lower().replace("-", " ")

    messages, slots = validate_manage(BOOKING_REF, typed, {MANAGE_ACTION: "cancel"})

    assert messages == []
    assert slots[BOOKING_REF] == existing.ref
    assert slots[REQUESTED_SLOT] == BOOKING_CONTACT


def test_text_without_a_reference_is_refused_with_an_example():
    messages, slots = validate_manage(BOOKING_REF, "my booking", {MANAGE_ACTION: "cancel"})

    assert "FA-7K3Q" in messages[0]
    assert slots[BOOKING_REF] is None
    assert slots[REQUESTED_SLOT] == BOOKING_REF


def test_wrong_contact_and_unknown_reference_get_the_same_neutral_reply(existing):
    unknown_ref = "FA-ZZZZ" if existing.ref != "FA-ZZZZ" else "FA-YYYY"
    base = {MANAGE_ACTION: "cancel"}

    wrong_contact = validate_manage(
        BOOKING_CONTACT, "07911 123457", {**base, BOOKING_REF: existing.ref}
    )
    wrong_ref = validate_manage(
        BOOKING_CONTACT, "07911 123456", {**base, BOOKING_REF: unknown_ref}
    )

    for _, slots in (wrong_contact, wrong_ref):
        assert slots[BOOKING_CONTACT] is None
        assert slots[BOOKING_REF] is None  # ask for both again
        assert MANAGED_BOOKING not in slots
        assert slots[REQUESTED_SLOT] == BOOKING_REF
    assert wrong_contact[0] == wrong_ref[0]
    assert existing.ref not in wrong_contact[0][0]
    assert "couldn't find a booking with that reference and contact" in wrong_ref[0][0]


def test_right_reference_and_contact_find_the_booking(existing):
    messages, slots = validate_manage(
        BOOKING_CONTACT,
        "07911 123456",
        {MANAGE_ACTION: "cancel", BOOKING_REF: existing.ref},
    )

    assert messages == []
    assert slots[BOOKING_CONTACT] == ANN_PHONE
    assert slots[MANAGED_BOOKING]["ref"] == existing.ref
    assert slots[MANAGED_BOOKING]["start"] == existing.start.isoformat()
    assert slots[REQUESTED_SLOT] == CANCEL_CONFIRMED


def test_confirmed_cancel_cancels_the_booking_in_the_store(store, existing):
    messages, slots = validate_manage(
        CANCEL_CONFIRMED,
        True,
        {
            MANAGE_ACTION: "cancel",
            BOOKING_REF: existing.ref,
            BOOKING_CONTACT: "07911 123456",
            MANAGED_BOOKING: existing.as_json(),
        },
        intent="affirm",
        text="yes",
    )

    assert slots[CANCEL_CONFIRMED] is True
    assert slots[BOOKING_RESULT]["status"] == "cancelled"
    assert slots[REQUESTED_SLOT] is None  # the form is done
    [stored] = store.list_bookings()
    assert (stored.ref, stored.status) == (existing.ref, "cancelled")


def test_declined_cancel_leaves_the_booking(store, existing):
    _, slots = validate_manage(
        CANCEL_CONFIRMED,
        False,
        {
            MANAGE_ACTION: "cancel",
            BOOKING_REF: existing.ref,
            BOOKING_CONTACT: "07911 123456",
            MANAGED_BOOKING: existing.as_json(),
        },
        intent="deny",
        text="no",
    )

    assert slots[CANCEL_CONFIRMED] is False
    assert [b.status for b in store.list_bookings()] == ["confirmed"]


def test_confirmed_reschedule_moves_the_booking(store, existing):
    window = a_week_window()
    new = next(s for s in free_slots(store, window) if s.start != existing.start)

    _, slots = validate_manage(
        BOOKING_CONFIRMED,
        True,
        {
            MANAGE_ACTION: "reschedule",
            BOOKING_REF: existing.ref,
            BOOKING_CONTACT: "07911 123456",
            MANAGED_BOOKING: existing.as_json(),
            TIME_WISH: "next week",
            WISH_WINDOW: window,
            CHOSEN_SLOT: new.to_dict(),
        },
        intent="affirm",
        text="yes",
    )

    assert slots[BOOKING_CONFIRMED] is True
    [stored] = store.list_bookings()
    assert stored.ref == existing.ref and stored.status == "confirmed"
    assert stored.start == new.start
