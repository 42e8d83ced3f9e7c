"""Clinic-fact questions ("open tmrw?", "email?") are questions, whatever else the intent
classifier heard in them.

Short fact questions look like form answers ("email?" reads as `inform`), small talk or a
booking ("is there an email for bookings"); the classifier only sees words it was trained
on, while `facts.fact_asked` knows how clients ask for the clinic's hours, phone, email,
address and practitioners. Kept apart from the Rasa component so it is tested on its own.
"""

from __future__ import annotations

import re

from bot.knowledge import facts

QUESTION_INTENT = "ask_question"
# Intents a plain clinic-fact question overrides: none of them asks anything of the clinic.
# A request for a person keeps its intent ("what's your number" there is answered with the
# number by the handoff action); a topic question, an emergency and managing a booking too.
OVERRIDDEN = frozenset(
    {"inform", "out_of_scope", "nlu_fallback", "greet", "goodbye", "thank", "affirm", "deny",
     "stop"}
)
BOOKING_INTENT = "book_session"
# Words of someone booking, not only asking the hours ("can I come in on friday").
_BOOKING_WORDS = re.compile(
    r"\b(?:book|booking|come\s+in|come\s+on|come\s+at|appointments?|appts?|slots?|sessions?|"
    r"fit\s+me\s+in|see\s+me)\b",
    re.IGNORECASE,
)


def fact_question_intent(text: str, intent: str | None) -> str | None:
    """`ask_question` when the message plainly asks for a clinic fact the classifier's
    intent would not answer; None to keep the classifier's intent. Asking for the hours
    in words of booking ("can I come in on friday") stays a booking: the form offers the
    times; "open tmrw?" is a question."""
    fact = facts.fact_asked(text)
    if fact is None:
        return None
    if intent in OVERRIDDEN or intent is None:
        return QUESTION_INTENT
    if intent == BOOKING_INTENT and (fact != "hours" or not _BOOKING_WORDS.search(text)):
        return QUESTION_INTENT
    return None
