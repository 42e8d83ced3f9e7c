"""What a client's message looks like before any lookup: a button press, a request for a
person, several questions in one, or a suitability question that names nothing."""

from __future__ import annotations

import re

# "Talk to / speak with / get me a person": a request, even when it mentions the bot.
WANTS_A_PERSON = re.compile(
    r"\b(talk|speak|chat|connect|put|pass|transfer|get|want|need|prefer|like|rather|"
    r"call|ring)\b.{0,30}\b(person|human|someone|somebody|staff|team|people|receptionist|"
    r"front desk|me back)\b",
    re.IGNORECASE,
)
# Words of a suitability question that name nothing in particular ("am I ok to have it?"):
# there, asking which condition is the help.
_GENERIC_WORDS = frozenset(
    """a about acupuncture afford alright am an and any anyone anything appropriate are be
    can cant could do does doing done for from get go good got had has have having health
    hi hello how i if im in is issue issues it its just me medical my of ok okay on or
    people person problem problems safe should so still suitable that the there this to
    treatment treatments what whether who will with would you your facial cosmetic
    condition conditions thing things allowed possible fine help eligible""".split()
)
# Where a message asks more than one thing: ?, !, "; ", ". " or "and / also" before a
# question word ("does it hurt and how much is it").
_QUESTION_BREAK = re.compile(
    r"[?!;]+|\.\s+|\b(?:and|also|plus|but)\s+(?=(?:what|whats|how|can|could|do|does|is|are|"
    r"will|would|should|when|where|who|which|any)\b)",
    re.IGNORECASE,
)


def is_button_payload(text: str | None) -> bool:
    return text is not None and text.startswith("/")


def names_something(message: str) -> bool:
    """Whether a message names anything beyond a generic "is it ok for me?"."""
    words = re.findall(r"[a-z]+", message.lower().replace("'", ""))
    return any(len(word) > 2 and word not in _GENERIC_WORDS for word in words)


def question_parts(message: str) -> list[str]:
    """The questions of a message, each of three words or more."""
    return [p for p in _QUESTION_BREAK.split(message) if p and len(p.split()) >= 3]
