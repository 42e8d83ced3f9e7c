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


# Below this NLU confidence an "out of scope" message may still be a question we can answer;
# below UNSURE_WORRY it may still be a health worry worth care advice given as a guess, above
# it plainly about something else ("how do I sew on a button with a needle").
UNSURE_OFF_TOPIC = 0.5
UNSURE_WORRY = 0.8


def taken_off_topic(reply: Reply | None, confidence: float) -> bool:
    """Whether a message the NLU called off-topic (this sure) gets this reply: a sure one takes
    only a clear answer, not a "Do you mean" choice, and a guess only when it is advice on a
    health worry ("bit tender round my cheekbone today"), which beats "I can only help..."."""
    if reply is None:
        return False
    if confidence < UNSURE_OFF_TOPIC:
        return True
    if reply.likely:
        return reply.health_worry and confidence < UNSURE_WORRY
    return reply.topic is not None


def beside_verdict(reply: Reply | None, bookable: bool | None) -> tuple[bool | None, Reply | None]:
    """What follows a condition's verdict: (bookable, where None hides the verdict; the reply
    still to show). After a visit ("spots on my chin since the treatment") care advice answers
    it, not "acne: usually possible, with some care", which is for before one. "Talk to the
    practitioner first" answers it, the consultation offer follows, and a guess or a choice in
    between ("I'm allergic to nickel, what are the needles made of") is noise; beside a "with
    some care" verdict the guess stays ("is it as good as botox?")."""
    if bookable and reply is not None and reply.health_worry:
        return None, reply
    if bookable is False and reply is not None and (reply.likely or reply.topic is None):
        return False, None
    return bookable, reply


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
