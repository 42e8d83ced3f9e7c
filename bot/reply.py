"""The shape of an answer and the fixed wording around answers ("Do you mean", the
consultation offer, the unconfirmed-policy note): apart from the store lookups in
bot/answers.py, which choose what to say."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.knowledge.facts import map_link
from bot.store import queries

CHOICE_INTRO = "Do you mean:"
# A best guess (retrieval's likely topic, not a clear answer): named, with the other close
# topics offered after it.
LIKELY_INTRO = 'I think you\'re asking about "{title}":'
LIKELY_OTHERS = "If you meant something else:"
OTHER_HALF_INTRO = "And for the other part of your question, do you mean:"
ASK_PERSON_BUTTON = {"title": "Talk to a person", "payload": "/request_human"}
UNCONFIRMED_NOTE = (
    "The clinic hasn't confirmed this here yet, so please check with the front desk on {phone}."
)
CONSULTATION_OFFER = (
    "Before booking a treatment, the practitioner would like to talk with you. The front desk "
    "can arrange a short call with the practitioner, or you can call us on {phone}."
)
CONSULTATION_BUTTONS = [
    {"title": "Yes, arrange a call", "payload": "/request_human"},
    {"title": "No, thanks", "payload": "/deny"},
]
# A suitability question about something the store has no notes on (a cream, a treatment,
# a condition it does not list): honest, and never a guess either way.
UNLISTED_CONDITION = (
    "I don't have notes on that here, so I can't tell you whether it matters for facial "
    "acupuncture - please don't take that as a yes. The practitioner will go through it with "
    "you before any treatment. If it has another name (a condition, a medicine or a recent "
    "treatment, for example pregnancy, warfarin or a chemical peel), tell me and I'll check "
    "what we have on it."
)


@dataclass(frozen=True)
class Reply:
    """One answer: its text, buttons, and whether a booking offer may follow it."""

    text: str
    buttons: list[dict] = field(default_factory=list)
    offer_booking: bool = False
    topic: str | None = None
    # "Talk to the practitioner first": a consultation call follows, never a booking offer.
    talk_first: bool = False
    # A best guess at the topic, not a clear answer: a sure off-topic message does not take it.
    likely: bool = False
    # Advice on a health worry (after a visit, or one to take to a GP or NHS 111): better than
    # "I can only help with..." even as a guess.
    health_worry: bool = False


def fill_placeholders(answer: str, clinic: queries.Clinic) -> str:
    """The {phone}, {address} ... of an answer, from clinic.yml (never typed in answers)."""
    values = {
        "clinic_name": clinic.name,
        "phone": clinic.phone,
        "email": clinic.email,
        "address": clinic.address,
        "map_link": map_link(clinic.address),
        "urgent_advice_number": clinic.urgent_advice_number or "111",
        "emergency_number": clinic.emergency_number,
        "website": clinic.website or clinic.email,
        "privacy_url": clinic.privacy_url or clinic.website or clinic.email,
    }
    return answer.format(**values)


def as_text(reply: Reply) -> str:
    """A reply for a terminal: its buttons as a list under the text."""
    lines = [reply.text, *(f"  [{b['title']}]" for b in reply.buttons)]
    return "\n".join(lines)
