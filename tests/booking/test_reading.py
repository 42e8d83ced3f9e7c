"""Reading a message inside a form as the answer to what was asked (bot/booking/reading.py)."""

from __future__ import annotations

import pytest

from bot.booking.reading import (
    Kind,
    Turn,
    find_contact,
    find_reference,
    is_clear_question,
    read_contact_answer,
    read_name,
    read_name_answer,
    read_reference_answer,
    read_strong_answer,
    read_yes_no,
    read_yes_no_answer,
)


def turn(text: str, intent: str = "inform", confidence: float = 0.9) -> Turn:
    return Turn(text, intent, confidence)


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("it's Sam Clarke", "Sam Clarke"),
        ("its sam clarke", "Sam Clarke"),
        ("I'm Priya", "Priya"),
        ("i am Priya Natarajan", "Priya Natarajan"),
        ("my name is Zoë O'Brien-Nguyễn", "Zoë O'Brien-Nguyễn"),
        ("my name's jo", "Jo"),
        ("this is Siobhán Ní Bhriain", "Siobhán Ní Bhriain"),
        ("sam", "Sam"),
        ("mary-jane o'neill", "Mary-Jane O'Neill"),
        ("ana maría de la cruz", "Ana María de la Cruz"),
        ("José Ñúñez", "José Ñúñez"),
        ("王小明", "王小明"),
        ("मोहन दास", "मोहन दास"),
        ("hi, I'm Sam", "Sam"),
        ("Sam Clarke please", "Sam Clarke"),
        ("put it under Will Smith", "Will Smith"),
        ("McDonald", "McDonald"),  # mixed case is kept exactly
    ],
)
def test_names_are_read_the_way_people_type_them(typed, name):
    assert read_name(typed) == name


@pytest.mark.parametrize(
    "typed",
    ["does it hurt?", "I'm scared of the pain", "what is it", "12345", "yes", "book me in",
     "I'd like to book", "", "   ", "a b c d e f g h"],
)
def test_messages_that_are_no_name(typed):
    assert read_name(typed) is None


def test_a_name_that_the_classifier_took_for_a_question_is_still_a_name():
    reading = read_name_answer(turn("it's Sam Clarke", "ask_effectiveness", 0.4))

    assert (reading.kind, reading.value) == (Kind.ANSWER, "Sam Clarke")


def test_a_clear_question_at_the_name_step_leaves_the_form():
    assert read_name_answer(turn("does it hurt?", "ask_pain", 0.9)).kind is Kind.LEAVE


def test_a_worry_that_is_no_question_and_no_name_is_unclear():
    reading = read_name_answer(turn("I'm scared of the pain", "ask_pain", 0.9))

    assert reading.kind is Kind.UNCLEAR


@pytest.mark.parametrize("intent", ["stop", "emergency", "request_human"])
def test_stop_help_and_emergencies_always_leave(intent):
    assert read_name_answer(turn("Sam", intent, 0.9)).kind is Kind.LEAVE
    assert read_contact_answer(turn("07911 123456", intent, 0.9), "GB").kind is Kind.LEAVE


# --- questions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "expected"),
    [
        ("does it hurt?", "ask_pain", 0.9, True),
        ("wait, is it safe", "ask_safety", 0.8, True),
        ("how much is it", "ask_price", 0.7, True),
        ("it's Sam Clarke", "ask_effectiveness", 0.9, False),  # no question form
        ("does it hurt?", "ask_pain", 0.2, False),  # not confident
        ("can I come tomorrow at 10?", "inform", 0.9, False),  # no question intent
    ],
)
def test_clear_question_needs_a_question_form_and_a_confident_question_intent(
    text, intent, confidence, expected
):
    assert is_clear_question(Turn(text, intent, confidence)) is expected


# --- contacts, references, times ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "contact"),
    [
        ("07911 123456", "+447911123456"),
        ("you can reach me on 07911 123456 after 5", "+447911123456"),
        ("it's 07911-123456 thanks", "+447911123456"),
        ("email me at Sam.Clarke@Example.com please", "Sam.Clarke@example.com"),
        ("FA-7K38 07911 123456", "+447911123456"),  # a reference next to it is not part of it
        ("not telling", None),
        ("12345", None),
    ],
)
def test_contacts_are_found_inside_a_sentence(typed, contact):
    assert find_contact(typed, "GB") == contact


def test_a_contact_wins_over_a_question_form():
    reading = read_contact_answer(turn("is 07911 123456 ok?", "ask_price", 0.9), "GB")

    assert (reading.kind, reading.value) == (Kind.ANSWER, "+447911123456")


@pytest.mark.parametrize(
    ("typed", "ref"),
    [
        ("I need to cancel my appointment FA-60CY", "FA-60CY"),
        ("fa-60cy", "FA-60CY"),
        ("fa 60cy", "FA-60CY"),
        ("FA60CY", "FA-60CY"),
        ("my ref is fasyrf", "FA-SYRF"),  # lower case, no hyphen, no digit
        ("my family booked it", None),
        ("my facial", None),
        ("ask my father", None),
    ],
)
def test_references_are_found_anywhere_in_any_case(typed, ref):
    assert find_reference(typed) == ref


def test_an_unreadable_reference_is_unclear_not_a_question():
    assert read_reference_answer(turn("I don't have it", "ask_suitability", 0.9)).kind is (
        Kind.UNCLEAR
    )


def test_a_time_or_slot_the_parser_understood_wins_over_a_question_form():
    reading = read_strong_answer(turn("does friday work?", "ask_effectiveness", 0.9), True)

    assert reading.kind is Kind.ANSWER


# --- yes / no -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["yes", "yes cancel it", "yes, cancel it", "yes please move it", "go ahead", "do it", "ok",
     "okay", "sure", "yep", "that's fine", "fine", "no problem", "👍", "yess"],
)
def test_yes_the_way_people_confirm(typed):
    assert read_yes_no(turn(typed), "cancel") is True


@pytest.mark.parametrize(
    "typed",
    ["no", "no keep it", "don't", "dont", "wait", "actually no", "nope", "no thanks", "stop",
     "never mind", "hold on", "keep it", "leave it"],
)
def test_no_the_way_people_decline(typed):
    assert read_yes_no(turn(typed), "cancel") is False


def test_the_verb_of_the_question_means_yes_only_there():
    assert read_yes_no(turn("cancel it"), "cancel") is True
    assert read_yes_no(turn("cancel it"), "book") is False
    assert read_yes_no(turn("please move it"), "move") is True


def test_buttons_and_the_classifier_decide_when_the_words_do_not():
    assert read_yes_no(Turn("/affirm", "affirm", 1.0)) is True
    assert read_yes_no(Turn("/deny", "deny", 1.0)) is False
    assert read_yes_no(Turn("that would be grand", "affirm", 0.8)) is True
    assert read_yes_no(Turn("purple", "out_of_scope", 0.6)) is None


def test_at_a_confirmation_stop_means_no_but_an_emergency_leaves():
    assert read_yes_no_answer(turn("stop it", "stop", 0.9)).value is False
    assert read_yes_no_answer(turn("I can't breathe", "emergency", 0.9)).kind is Kind.LEAVE
    assert read_yes_no_answer(turn("is it safe?", "ask_safety", 0.9)).kind is Kind.LEAVE
    assert read_yes_no_answer(turn("purple", "out_of_scope", 0.3)).kind is Kind.UNCLEAR
