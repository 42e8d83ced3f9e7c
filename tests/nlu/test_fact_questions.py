"""A plain clinic-fact question is `ask_question`, whatever else the classifier heard."""

from __future__ import annotations

import pytest

from bot.nlu.fact_questions import QUESTION_INTENT, fact_question_intent


@pytest.mark.parametrize(
    "text, heard",
    [
        ("email?", "inform"),
        ("email adress pls", "nlu_fallback"),
        ("open tmrw?", "out_of_scope"),
        ("open tmrw?", "book_session"),
        ("whats ur number", "greet"),
        ("is there an email for bookings", "book_session"),
        ("where are you based", "goodbye"),
    ],
)
def test_a_fact_question_becomes_a_question(text, heard):
    assert fact_question_intent(text, heard) == QUESTION_INTENT


@pytest.mark.parametrize(
    "text, heard",
    [
        # Booking on a day: the booking form offers that day's times.
        ("can i come in on friday", "book_session"),
        ("are you open on sundays, want to book", "book_session"),
        # A person asked for keeps the handoff (it gives the number as well).
        ("can i speak to someone, what's your number", "request_human"),
        ("is it safe, and what are your opening hours", "ask_safety"),
        ("cancel it, what's your number", "cancel_booking"),
        # Not a fact question at all.
        ("yes please", "affirm"),
        ("Sam", "inform"),
    ],
)
def test_the_classifier_keeps_its_intent_otherwise(text, heard):
    assert fact_question_intent(text, heard) is None
