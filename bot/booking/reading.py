"""Inside a form the requested answer comes first: is this message the answer, or something else?

When the assistant has just asked for a name, a contact, a reference, a time, a slot or a
Yes/No, people answer the way they type ("it's Sam Clarke", "yes cancel it", "the 10:15
one"). The intent classifier does not know what was asked, so "it's Sam Clarke" can look
like a does-it-work question. These pure functions read the message as the requested
answer first; a message leaves the form only when it is an emergency, a stop, a request
for a person, or clearly a question (a question form AND a confident question intent).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from bot.booking.contact import ContactError, parse_contact
from bot.booking.refs import normalise_reference, without_references

# Intents that always leave the form (emergencies always win).
ESCAPE_INTENTS = frozenset({"emergency", "request_human"})
STOP_INTENT = "stop"
# Below this the classifier's guess is not trusted to overrule the requested answer.
CONFIDENT = 0.5
MAX_NAME_WORDS = 6


class Kind(Enum):
    ANSWER = "answer"  # the requested answer: fill the slot
    LEAVE = "leave"  # a question, stop, help or emergency: the rules handle it
    UNCLEAR = "unclear"  # neither: the slot's validation re-prompts specifically


@dataclass(frozen=True)
class Turn:
    """The client's latest message and what the classifier made of it."""

    text: str
    intent: str | None = None
    confidence: float = 0.0

    @property
    def is_button(self) -> bool:
        return self.text.startswith("/")


@dataclass(frozen=True)
class Reading:
    kind: Kind
    value: object = None


LEAVE = Reading(Kind.LEAVE)


def _clean(text: str) -> str:
    return " ".join((text or "").replace("\u2019", "'").replace("\u2018", "'").split())


# --- is it a question? ------------------------------------------------------------------------

_LEAD_INS = re.compile(
    r"^(?:(?:oh|ah|um+|hmm+|wait|hang on|sorry|actually|also|btw|by the way|but|and|ok|okay|"
    r"quick question|one more thing|before that|just wondering|hi|hello|hey)\b[\s,.!:-]*)+",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|how|how's|why|when|where|which|who|whose|is|isn't|are|aren't|"
    r"am|do|does|doesn't|don't|did|can|can't|could|would|will|should|shall|may|might|"
    r"have|has|tell me|explain|any)\b",
    re.IGNORECASE,
)


def is_question_form(text: str) -> bool:
    """Typed as a question: a question mark, or it starts like one ("does it hurt")."""
    cleaned = _clean(text)
    if cleaned.endswith("?"):
        return True
    return bool(_QUESTION_START.match(_LEAD_INS.sub("", cleaned)))


def is_question_intent(intent: str | None) -> bool:
    return intent is not None and (intent.startswith("ask_") or intent == "out_of_scope")


def is_clear_question(turn: Turn) -> bool:
    """A question form AND a confident question intent."""
    return (
        is_question_intent(turn.intent)
        and turn.confidence >= CONFIDENT
        and is_question_form(turn.text)
    )


def leaves_form(turn: Turn, *, stop_means_no: bool = False) -> bool:
    """Emergency, a person, stop (except at a Yes/No) or a clear question."""
    if turn.intent in ESCAPE_INTENTS:
        return True
    if turn.intent == STOP_INTENT and not stop_means_no:
        return True
    return is_clear_question(turn)


def _decide(turn: Turn, value: object | None, *, strong: bool) -> Reading:
    """The shared order: escapes, then a strong reading, then clear questions, then any reading.

    A strong reading (a reference, a phone number, a time, a slot) wins over a question
    form; a weak one (any words can be a name) does not.
    """
    if turn.intent in ESCAPE_INTENTS or turn.intent == STOP_INTENT:
        return LEAVE
    if value is not None and strong:
        return Reading(Kind.ANSWER, value)
    if is_clear_question(turn):
        return LEAVE
    if value is not None:
        return Reading(Kind.ANSWER, value)
    return Reading(Kind.UNCLEAR, turn.text)


# --- names -------------------------------------------------------------------------------------

_NAME_LEAD_IN = re.compile(
    r"^(?:(?:hi|hello|hey|yes|yeah|sure|ok|okay)\b[\s,.!-]*)?"
    r"(?:(?:my\s+)?(?:full\s+)?name(?:'s|\s+is)|i'm|i\s+am|im|it's|it\s+is|its|this\s+is|"
    r"call\s+me|(?:you\s+can\s+)?(?:put|book)\s+it\s+(?:under|in|for)|under|for|the\s+name\s+is|"
    r"name)\b[\s:,-]*",
    re.IGNORECASE,
)
_NAME_TAIL = re.compile(
    r"[\s,.!]*(?:\b(?:please|pls|thanks|thank\s+you|thx|here)\b[\s,.!]*)*$", re.IGNORECASE
)
# Name particles in many languages: allowed in lower case inside a name.
_PARTICLES = frozenset(
    "de la le du des da di del della dos das do van von der den ter ten bin ibn bint al el "
    "ben ap mac mc y e o ní nic ó st".split()
)
# Words that are not names: a message with one of them is no name ("scared of the pain").
_NOT_NAME_WORDS = frozenset(
    """
    a an the is are was were be been am do does did doing done have has had having can could
    would should shall must might what whats what's how why when where which who whom whose
    it its it's this that these those there here i me my mine we us our you your yours he him
    his she her they them their not no yes yeah yep nope ok okay sure please thanks thank
    hello hi hey sorry of in on at to from with without about into by as if or and but so
    than then just also very really much many more most some any all none anything something
    nothing book booking booked appointment appointments session sessions slot time times
    date day week today tomorrow tonight morning afternoon evening monday tuesday wednesday
    thursday friday saturday need needs want wants like would'nt know think feel don't dont
    doesn't isn't can't cannot won't scared afraid worried nervous hurt hurts pain painful
    safe safety risk risks danger dangerous cost costs price prices pay free cheap expensive
    needle needles acupuncture facial face treatment treatments work works working help stop
    cancel change move reschedule never mind wait number phone email contact reference ref
    name names call text message question questions answer tell say said get got go going
    """.split()
)
_NAME_JOINERS = "'-.\u200c\u200d"


def _is_name_word(word: str) -> bool:
    """Letters of any script (with their combining marks), apostrophes, hyphens, dots."""
    if not word[0].isalpha():
        return False
    return all(
        char.isalpha() or unicodedata.category(char).startswith("M") or char in _NAME_JOINERS
        for char in word
    )


def read_name(text: str) -> str | None:
    """A plausible name in the message ("it's Sam Clarke", "sam", "Zoë O'Brien-Nguyễn")."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > 120:
        return None
    cleaned = _NAME_LEAD_IN.sub("", cleaned, count=1)
    cleaned = _NAME_TAIL.sub("", cleaned).strip(" ,.!-:")
    words = cleaned.split()
    if not words or len(words) > MAX_NAME_WORDS:
        return None
    for word in words:
        if not _is_name_word(word):
            return None
        if word.casefold() in _NOT_NAME_WORDS:
            return None
    if len(words) > 1 and all(word.casefold() in _PARTICLES for word in words):
        return None
    return _capitalised(words) if cleaned == cleaned.lower() else cleaned


def _capitalised(words: list[str]) -> str:
    """'sam o'brien-smith' -> "Sam O'Brien-Smith"; particles inside a name stay lower case."""
    out = []
    for position, word in enumerate(words):
        if position and word in _PARTICLES:
            out.append(word)
            continue
        out.append(re.sub(r"(^|['\-])(\w)", lambda m: m[1] + m[2].upper(), word))
    return " ".join(out)


def read_name_answer(turn: Turn) -> Reading:
    return _decide(turn, read_name(turn.text), strong=False)


# --- contacts and references --------------------------------------------------------------------


def find_contact(text: str, region: str) -> str | None:
    """A phone number (E.164) or email address anywhere in the text, else None."""
    try:
        contact = parse_contact(_clean(without_references(text)), region)
    except ContactError:
        return None
    return contact.phone or contact.email


def read_contact_answer(turn: Turn, region: str) -> Reading:
    return _decide(turn, find_contact(turn.text, region), strong=True)


def find_reference(text: str) -> str | None:
    """A reference anywhere in a message of a conversation about an existing booking."""
    return normalise_reference(text, expecting=True)


def read_reference_answer(turn: Turn) -> Reading:
    return _decide(turn, find_reference(turn.text), strong=True)


# --- times and slots ----------------------------------------------------------------------------


def read_strong_answer(turn: Turn, understood: bool) -> Reading:
    """A time wish or a slot choice: `understood` says whether the slot's parser read it."""
    return _decide(turn, turn.text if understood else None, strong=True)


# --- Yes / No -----------------------------------------------------------------------------------

# What is being confirmed: the verb that means yes there ("yes cancel it" at a cancellation).
CONFIRMS = {"book": "book", "cancel": "cancel", "move": "move|reschedule|change", "consent": ""}

_NO = re.compile(
    r"^(?:no+(?!\s+(?:problem|worries|probs))|nope|nop|nah+|na|n|not\s+(?:now|yet|really|anymore)|"
    r"don'?t|do\s+not|please\s+don'?t|wait|hold\s+on|hang\s+on|actually\s+(?:no|not|don'?t)|"
    r"keep\s+it|leave\s+it|changed\s+my\s+mind|stop|never\s*mind|nevermind|forget\s+it|"
    r"i\s+don'?t\s+(?:think|want|agree)|i'?d\s+rather\s+not|rather\s+not|not\s+ok(?:ay)?|"
    r"that'?s\s+not\s+(?:right|ok(?:ay)?))(?![\w'])",
    re.IGNORECASE,
)
_YES = re.compile(
    r"^(?:y|y+e+s+|yse|yas|ye+a+h*|yep+|yup+|ya|su+re*|o*k+a*y*|okey|oki|fine|alright|"
    r"all\s+right|right|go\s+ahe+a*d|go\s+for\s+it|do\s+it|please\s+do|please|absolutely|definitely|"
    r"of\s+course|correct|confirm(?:ed)?|sounds\s+good|perfect|great|lovely|brilliant|"
    r"no\s+(?:problem|worries|probs)|that'?s\s+(?:fine|ok(?:ay)?|right|correct|great|perfect)|"
    r"that\s+works|i\s+agree|agreed|happy\s+with\s+that|i'?m\s+happy|\U0001f44d|\u2705)"
    r"(?![\w'])",
    re.IGNORECASE,
)
# Only fillers: "wait" and "actually no" must still mean no.
_FILLERS = re.compile(r"^(?:(?:oh|ah|um+|hmm+|erm?|well|so)\b[\s,.!]*)+", re.IGNORECASE)


def read_yes_no(turn: Turn, confirming: str = "consent") -> bool | None:
    """Yes (True), no (False) or neither (None), the way people confirm."""
    if turn.is_button:
        return {"affirm": True, "deny": False}.get(turn.intent or "")
    text = _FILLERS.sub("", _clean(turn.text)).strip(" ,.!")
    if not text:
        return None
    if _NO.match(text):
        return False
    if _YES.match(text):
        return True
    verbs = CONFIRMS.get(confirming, "")
    if verbs and re.match(rf"^(?:please\s+)?(?:{verbs})(?:\s+it|\s+please|$)", text, re.I):
        return True  # "cancel it" at "Cancel your booking?"
    if re.match(r"^(?:cancel|don'?t)\b", text, re.IGNORECASE):
        return False  # "cancel that" at any other Yes/No
    if turn.intent in ("affirm", "deny") and turn.confidence >= CONFIDENT:
        return turn.intent == "affirm"
    return None


def read_yes_no_answer(turn: Turn, confirming: str = "consent") -> Reading:
    """At a Yes/No question stop means no; emergencies and a person still leave."""
    if turn.intent in ESCAPE_INTENTS:
        return LEAVE
    value = read_yes_no(turn, confirming)
    if value is None and turn.intent == STOP_INTENT:
        value = False
    if value is not None:
        return Reading(Kind.ANSWER, value)
    if is_clear_question(turn):
        return LEAVE
    return Reading(Kind.UNCLEAR, turn.text)
