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
    FORM_SLOTS,
    ActionAskChosenSlot,
    ActionBookingDone,
    ActionStopBooking,
    ValidateBookingForm,
)
from actions.common import ANSWERS
from actions.manage_booking import ActionStartManageBooking, ValidateManageBookingForm
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


def accepted(slot: str, value: Any) -> Any:
    """What the booking form keeps for `slot` after the client typed `value`; it must
    accept it without a word back."""
    messages, slots = validate_booking(slot, value)
    assert messages == []
    return slots[slot]


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
        "client_name": "Zoë O'Brien",
        "contact": ANN_PHONE,
        "time_wish": "next week",
        "wish_window": window,
        "offered_slots": [slot.to_dict() for slot in offered],
        "chosen_slot": offered[0].to_dict(),
        "consent": True,
        **overrides,
    }


def book_directly(store: BookingService, slot: Slot, name: str = "Ann O'Brien", phone=ANN_PHONE):
    contact = Contact(phone=phone, email=None)
    return store.book(BookingRequest(name, contact, slot, True, channel="rest", sender_id="x"))


# --- client_name and contact ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        *((name, name) for name in ["Zoë O'Brien-Nguyễn", "Siobhán Ní Bhriain", "José Ñúñez"]),
        pytest.param("my name is   Zoë  O'Brien ", "Zoë O'Brien", id="lead-in-and-spaces"),
    ],
)
def test_names_are_kept_exactly_with_accents_but_without_lead_in_and_extra_spaces(typed, kept):
    assert accepted("client_name", typed) == kept


def test_name_with_digits_is_refused_and_cleared():
    messages, slots = validate_booking("client_name", "12345")

    assert messages == [NAME_ERROR]
    assert slots["client_name"] is None
    assert slots["form_failures"] == {"client_name": 1}


def test_invalid_phone_gets_the_phone_reprompt_and_is_cleared():
    messages, slots = validate_booking("contact", "12345")

    assert messages == [PHONE_ERROR]
    assert slots["contact"] is None
    assert slots["form_failures"] == {"contact": 1}


def test_answer_without_phone_or_email_asks_for_either():
    messages, slots = validate_booking("contact", "why do you need that")

    assert messages == [CONTACT_ERROR]
    assert slots["contact"] is None


def test_second_invalid_contact_gets_no_second_reprompt_from_the_validation():
    messages, slots = validate_booking("contact", "not telling", {"form_failures": {"contact": 1}})

    assert messages == []  # action_ask_contact says what was expected instead
    assert slots["contact"] is None
    assert slots["form_failures"] == {"contact": 2}


def ask_after_misses(action, slot: str, misses: int, slots: dict | None = None):
    """Run action_ask_<slot> as the form does right after the validation counted a miss."""
    tracker = form_tracker("booking_form", None, slots={"requested_slot": slot, **(slots or {})})
    if misses:
        tracker.events.append({"event": "slot", "name": "form_failures", "value": {slot: misses}})
    return run(action, tracker)


def test_ask_action_asks_then_stays_silent_after_one_miss_then_says_what_it_expected():
    asked, _ = ask_after_misses(booking_actions.ActionAskContact(), "contact", 0)
    after_one, _ = ask_after_misses(booking_actions.ActionAskContact(), "contact", 1)
    after_two, _ = ask_after_misses(booking_actions.ActionAskContact(), "contact", 2)
    after_three, _ = ask_after_misses(booking_actions.ActionAskContact(), "contact", 3)

    assert texts(asked) == [bot_messages.ASK["contact"]]
    assert after_one == []  # the validation's specific re-prompt is the question
    [stuck] = after_two
    assert bot_messages.EXPECTED["contact"] in stuck["text"] and CLINIC_PHONE in stuck["text"]
    assert bot_messages.PERSON_BUTTON in stuck["buttons"]
    # Never the same words three times in a row.
    assert texts(after_three)[0] != stuck["text"]
    assert bot_messages.EXPECTED["contact"] in texts(after_three)[0]


def test_stuck_message_offers_the_clinic_phone_even_right_after_a_restart(monkeypatch):
    monkeypatch.setattr(ANSWERS, "last_known_phone", None)  # a fresh action server

    messages, _ = ask_after_misses(booking_actions.ActionAskClientName(), "client_name", 2)

    assert CLINIC_PHONE in messages[0]["text"]


def test_failures_are_counted_per_slot():
    _, slots = validate_booking(
        "contact", "12345", {"form_failures": {"client_name": 2, "time_wish": 2}}
    )

    assert slots["form_failures"] == {"client_name": 2, "time_wish": 2, "contact": 1}


@pytest.mark.parametrize(
    "typed", ["07911 123456", "07911123456", "+44 7911 123456", "it's 07911-123456"]
)
def test_valid_uk_mobile_is_stored_in_international_form(typed):
    assert accepted("contact", typed) == ANN_PHONE


def test_email_is_accepted_as_contact():
    assert accepted("contact", "zoe.obrien@Example.COM") == "zoe.obrien@example.com"


# --- time_wish and chosen_slot -------------------------------------------------------------------


def test_time_wish_offers_up_to_three_slots_inside_the_wish():
    messages, slots = validate_booking("time_wish", "next friday afternoon")

    window = slots["wish_window"]
    earliest = datetime.fromisoformat(window["earliest"])
    latest = datetime.fromisoformat(window["latest"])
    assert slots["time_wish"].startswith("Friday") and slots["time_wish"].endswith("afternoon")
    assert window["part_of_day"] == "afternoon"
    assert earliest.weekday() == 4 and earliest > datetime.now(timezone.utc)
    offered = [Slot.from_dict(item) for item in slots["offered_slots"]]
    assert 1 <= len(offered) <= 3
    for slot in offered:
        assert earliest <= slot.start < latest
        assert slot.start.weekday() == 4 and 12 <= slot.start.hour < 17
        assert slot.end - slot.start == timedelta(minutes=75)
    assert len({slot.start for slot in offered}) == len(offered)
    assert slots["chosen_slot"] is None
    assert messages == []  # the free times are shown by action_ask_chosen_slot


def test_wish_in_the_past_is_refused_with_a_reprompt():
    messages, slots = validate_booking("time_wish", "yesterday")

    assert messages == [wishes.PASSED]
    assert slots["time_wish"] is None
    assert "offered_slots" not in slots and "wish_window" not in slots
    assert slots["form_failures"] == {"time_wish": 1}


def test_wish_without_a_time_gets_an_example_in_the_reprompt():
    messages, slots = validate_booking("time_wish", "hmm not sure")

    assert messages == [wishes.NO_TIME]
    assert slots["time_wish"] is None


def test_wish_on_a_closed_day_says_so():
    messages, slots = validate_booking("time_wish", "next sunday")

    assert "closed on Sundays" in messages[0]
    assert slots["time_wish"] is None


def test_choosing_number_two_picks_the_second_offered_slot(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking("chosen_slot", "2", {"offered_slots": offered})

    assert messages == []
    assert slots["chosen_slot"] == offered[1]


def test_choosing_by_button_title_picks_that_slot(store):
    offered = free_slots(store, a_week_window())

    _, slots = validate_booking(
        "chosen_slot", slot_label(offered[2]), {"offered_slots": [s.to_dict() for s in offered]}
    )

    assert slots["chosen_slot"] == offered[2].to_dict()


def test_none_of_these_clears_the_wish_to_ask_again(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking(
        "chosen_slot", "none of these", {"time_wish": "next week", "offered_slots": offered}
    )

    assert messages == []  # action_ask_time_wish asks for another day
    assert slots["chosen_slot"] is None
    assert slots["time_wish"] is None
    assert slots["offered_slots"] is None


def test_unclear_choice_reprompts_with_the_number_of_options(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking("chosen_slot", "banana", {"offered_slots": offered})

    assert messages == ["Please pick one of the times (1 to 3), or say 'none of these'."]
    assert slots["chosen_slot"] is None
    assert slots["form_failures"] == {"chosen_slot": 1}


def test_a_new_wish_instead_of_a_choice_offers_new_slots(store):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    _, slots = validate_booking(
        "chosen_slot", "how about next friday afternoon?", {"offered_slots": offered}
    )

    assert slots["chosen_slot"] is None
    assert slots["time_wish"].endswith("afternoon")
    new = [Slot.from_dict(item) for item in slots["offered_slots"]]
    assert new and all(s.start.weekday() == 4 and s.start.hour >= 12 for s in new)


@pytest.mark.parametrize("text", ["what about monday?", "what about next friday afternoon?"])
def test_a_what_about_wish_instead_of_a_choice_offers_new_slots(store, text):
    offered = [slot.to_dict() for slot in free_slots(store, a_week_window())]

    messages, slots = validate_booking("chosen_slot", text, {"offered_slots": offered})

    assert slots["chosen_slot"] is None
    assert slots.get("offered_slots")  # may equal the old offers when they already fit
    day = Slot.from_dict(slots["offered_slots"][0]).start.weekday()
    if "friday" in text:
        assert slots["time_wish"].endswith("afternoon") and day == 4
    else:
        assert day == 0
    assert not any("Please pick one of the times" in message for message in messages)


def test_ask_chosen_slot_shows_each_offered_slot_as_a_numbered_button(store):
    offered = free_slots(store, a_week_window())
    tracker = form_tracker(
        "booking_form", None, slots={"offered_slots": [s.to_dict() for s in offered]}
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
    _, slots = validate_booking("consent", True, intent="affirm", text="yes")

    assert slots == {"consent": True}


def test_no_consent_ends_the_form_without_booking(store):
    slots_before = ready_to_confirm(store)
    del slots_before["consent"]

    messages, slots = validate_booking("consent", False, slots_before, intent="deny", text="no")

    assert messages == []
    assert slots["consent"] is False
    assert slots["booking_confirmed"] is False
    assert store.list_bookings() == []


def test_confirming_writes_exactly_one_booking(store):
    before = ready_to_confirm(store)
    chosen = Slot.from_dict(before["chosen_slot"])

    messages, slots = validate_booking(
        "booking_confirmed", True, before, intent="affirm", text="yes"
    )

    assert messages == []
    assert slots["booking_confirmed"] is True
    result = slots["booking_result"]
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
        "booking_confirmed", False, ready_to_confirm(store), intent="deny", text="no"
    )

    assert slots == {"booking_confirmed": False}
    assert store.list_bookings() == []


def test_confirming_without_consent_books_nothing(store):
    _, slots = validate_booking(
        "booking_confirmed", True, ready_to_confirm(store, consent=False), intent="affirm"
    )

    assert slots["booking_confirmed"] is False
    assert store.list_bookings() == []


def test_slot_taken_while_confirming_offers_other_times_and_books_nothing_twice(store):
    before = ready_to_confirm(store)
    taken = Slot.from_dict(before["chosen_slot"])
    someone_else = book_directly(store, taken, name="Someone Else", phone="+447911123457")

    messages, slots = validate_booking(
        "booking_confirmed", True, before, intent="affirm", text="yes"
    )

    assert len(messages) == 1
    assert "just booked by someone else" in messages[0]
    assert slots["chosen_slot"] is None
    assert slots["booking_confirmed"] is None
    assert "booking_result" not in slots
    others = [Slot.from_dict(item) for item in slots["offered_slots"]]
    assert others and all(slot.start != taken.start for slot in others)
    assert [b.ref for b in store.list_bookings()] == [someone_else.ref]


def test_booking_done_shows_ref_date_and_address_and_clears_the_form(store):
    _, slots = validate_booking(
        "booking_confirmed", True, ready_to_confirm(store), intent="affirm", text="yes"
    )
    result = slots["booking_result"]
    start = datetime.fromisoformat(result["start"])
    tracker = form_tracker(None, None, slots={**slots, "client_name": "Zoë O'Brien"})

    messages, events = run(ActionBookingDone(), tracker)

    [text] = texts(messages)
    assert result["ref"] in text
    assert f"{start:%A %d %B at %H:%M}" in text
    assert CLINIC_ADDRESS in text
    was_set = {name for name in FORM_SLOTS if tracker.get_slot(name) is not None}
    assert was_set >= {"client_name", "booking_result"}
    assert all(SlotSet(name, None) in events for name in was_set)
    assert {event["name"] for event in events} == was_set


def test_booking_done_without_a_booking_says_nothing_was_booked():
    tracker = form_tracker(None, None, slots={"booking_confirmed": False, "consent": False})

    messages, events = run(ActionBookingDone(), tracker)

    assert texts(messages) == [
        "Okay, I haven't booked anything. If you'd like to book later, just say so."
    ]
    assert SlotSet("consent", None) in events


# --- stopping ------------------------------------------------------------------------------------


def test_stop_deactivates_the_form_and_says_nothing_was_booked(store):
    tracker = form_tracker(
        "booking_form", None, slots={"client_name": "Zoë", "contact": ANN_PHONE}, intent="stop"
    )

    messages, events = run(ActionStopBooking(), tracker)

    [text] = texts(messages)
    assert "Nothing was booked" in text
    assert ActiveLoop(None) in events
    assert SlotSet("requested_slot", None) in events
    assert SlotSet("client_name", None) in events and SlotSet("contact", None) in events
    assert store.list_bookings() == []


# --- managing a booking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "action"), [("cancel_booking", "cancel"), ("reschedule_booking", "reschedule")]
)
def test_start_manage_booking_remembers_what_the_client_wants(intent, action):
    tracker = form_tracker(None, None, slots={"booking_ref": "FA-OLD1"}, intent=intent)

    messages, events = run(ActionStartManageBooking(), tracker)

    assert messages == []
    assert events[-1] == SlotSet("manage_action", action)
    assert SlotSet("booking_ref", None) in events


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("cancel", ["booking_ref", "booking_contact", "cancel_confirmed"]),
        (
            "reschedule",
            ["booking_ref", "booking_contact", "time_wish", "chosen_slot", "booking_confirmed"],
        ),
    ],
)
def test_manage_form_asks_different_slots_for_cancel_and_reschedule(action, expected):
    tracker = form_tracker("manage_booking_form", None, slots={"manage_action": action})

    required = required_slots(ValidateManageBookingForm(), tracker)

    assert required == expected


@pytest.fixture
def existing(store):
    """Ann's confirmed booking, 3-10 days ahead."""
    return book_directly(store, free_slots(store, a_week_window())[0])


def test_reference_is_normalised(existing):
    typed = existing.ref.lower().replace("-", " ")

    messages, slots = validate_manage("booking_ref", typed, {"manage_action": "cancel"})

    assert messages == []
    assert slots["booking_ref"] == existing.ref
    assert slots["requested_slot"] == "booking_contact"


def test_text_without_a_reference_is_refused_with_an_example():
    messages, slots = validate_manage("booking_ref", "my booking", {"manage_action": "cancel"})

    assert "FA-7K3Q" in messages[0]
    assert slots["booking_ref"] is None
    assert slots["requested_slot"] == "booking_ref"


def test_wrong_contact_and_unknown_reference_get_the_same_neutral_reply(existing):
    unknown_ref = "FA-ZZZZ" if existing.ref != "FA-ZZZZ" else "FA-YYYY"
    base = {"manage_action": "cancel"}

    wrong_contact = validate_manage(
        "booking_contact", "07911 123457", {**base, "booking_ref": existing.ref}
    )
    wrong_ref = validate_manage(
        "booking_contact", "07911 123456", {**base, "booking_ref": unknown_ref}
    )

    for _, slots in (wrong_contact, wrong_ref):
        assert slots["booking_contact"] is None
        assert slots["booking_ref"] is None  # ask for both again
        assert "managed_booking" not in slots
        assert slots["requested_slot"] == "booking_ref"
    assert wrong_contact[0] == wrong_ref[0]
    assert existing.ref not in wrong_contact[0][0]
    assert "couldn't find a booking with that reference and contact" in wrong_ref[0][0]


def test_right_reference_and_contact_find_the_booking(existing):
    messages, slots = validate_manage(
        "booking_contact",
        "07911 123456",
        {"manage_action": "cancel", "booking_ref": existing.ref},
    )

    assert messages == []
    assert slots["booking_contact"] == ANN_PHONE
    assert slots["managed_booking"]["ref"] == existing.ref
    assert slots["managed_booking"]["start"] == existing.start.isoformat()
    assert slots["requested_slot"] == "cancel_confirmed"


def answer_cancel_question(existing, yes: bool):
    """The managing form's validation after the client said yes or no to cancelling."""
    return validate_manage(
        "cancel_confirmed",
        yes,
        {
            "manage_action": "cancel",
            "booking_ref": existing.ref,
            "booking_contact": "07911 123456",
            "managed_booking": existing.as_json(),
        },
        intent="affirm" if yes else "deny",
        text="yes" if yes else "no",
    )


def test_confirmed_cancel_cancels_the_booking_in_the_store(store, existing):
    messages, slots = answer_cancel_question(existing, yes=True)

    assert slots["cancel_confirmed"] is True
    assert slots["booking_result"]["status"] == "cancelled"
    assert slots["requested_slot"] is None  # the form is done
    [stored] = store.list_bookings()
    assert (stored.ref, stored.status) == (existing.ref, "cancelled")


def test_declined_cancel_leaves_the_booking(store, existing):
    _, slots = answer_cancel_question(existing, yes=False)

    assert slots["cancel_confirmed"] is False
    assert [b.status for b in store.list_bookings()] == ["confirmed"]


def test_confirmed_reschedule_moves_the_booking(store, existing):
    window = a_week_window()
    new = next(s for s in free_slots(store, window) if s.start != existing.start)

    _, slots = validate_manage(
        "booking_confirmed",
        True,
        {
            "manage_action": "reschedule",
            "booking_ref": existing.ref,
            "booking_contact": "07911 123456",
            "managed_booking": existing.as_json(),
            "time_wish": "next week",
            "wish_window": window,
            "chosen_slot": new.to_dict(),
        },
        intent="affirm",
        text="yes",
    )

    assert slots["booking_confirmed"] is True
    [stored] = store.list_bookings()
    assert stored.ref == existing.ref and stored.status == "confirmed"
    assert stored.start == new.start
