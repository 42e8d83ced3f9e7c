"""Emergency detection and the urgent-care advice that must come first.

Rule-based on purpose: it must be predictable, testable phrase by phrase, and
must not depend on how a statistical model happens to be trained.
"""

from __future__ import annotations

import enum
import re


class Urgency(enum.Enum):
    EMERGENCY = "emergency"
    # A question about symptoms as possible side effects ("will I be swollen after?").
    HYPOTHETICAL = "hypothetical"
    NONE = "none"


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_CANT = r"(?:can'?t|cannot|can not|cant|unable to|struggling to|hard to|difficult to|trouble)"

# Unmistakable: urgent even when phrased as a question ("is it bad that I can't breathe?").
_ALWAYS_URGENT = _any(
    rf"\b{_CANT}\s+(?:breathe?|breathing|get (?:my |a )?breath|swallow)",
    r"\b(?:barely|hardly) (?:breathe?|breathing)\b|\bdifficulty (?:breathing|breathe)\b",
    r"\bcatch (?:my|his|her|their) breath\b",
    r"\bbreathing (?:is )?(?:really |very )?(?:hard|difficult)",
    r"\b(?:not|isn'?t|stopped) breathing\b",
    r"\bshort(?:ness)? of breath\b",
    r"\bgasping\b",
    r"\b(?:throat|airway)\b.{0,25}\b(?:closing|tight|tightening|swell\w*|swollen)\b",
    r"\b(?:tongue|toung|tounge|lips?)\b.{0,25}"
    r"\b(?:swelling|swelled|swollen|swell(?:ing)? up|puff\w* up)\b",
    r"\bswollen (?:lips?|tongue|throat)\b",
    r"\banaph\w*xis\b|\banaphylactic\b",
    r"\bchest (?:hurts|is hurting|feels tight|is tight)\b|\bheart attack\b",
    r"\b(?:won'?t|will not|doesn'?t|does not|can'?t|cannot) wake\b",
    r"\bunconscious\b|\bunresponsive\b|\bnot responding\b",
    r"\b(?:having|is having) (?:a )?(?:seizure|fit|convulsions?)\b|\bseizing\b|\bconvulsing\b",
    r"\b(?:he|she|they)(?:'?s| is| are|'re) fitting\b",
    r"\bbleeding\b.{0,30}\b(?:won'?t|will not|doesn'?t|does not|not|can'?t|cannot)\b.{0,10}\bstop",
    r"\b(?:can'?t|cannot|couldn'?t) stop\b.{0,15}\bbleed",
    r"\b(?:call|need|get) an? ambulance\b",
    r"\bepi-?pen\b",
)

# Urgent when described as happening, not when asked about as a possible side effect.
_URGENT_IF_HAPPENING = _any(
    r"\ball?ergic reac\w*",
    r"\bchest pains?\b|\bpain in (?:my|his|her|the) chest\b",
    r"\bcollapsed\b|\bhad a (?:seizure|fit)\b",
    r"\b(?:fainted|passed out|blacked out|keeps? fainting)\b",
    r"\b(?:face|eyes?|cheeks?|neck)\b.{0,30}\b(?:swelling up|swelled up|ballooning|blown up)\b",
    r"\bswelling (?:up|fast|quickly|badly)\b",
    r"\b(?:redness|red)\b.{0,40}\bspreading\b|\bspreading\b.{0,20}\bred",
    r"\b(?:fever|temperature|feverish)\b.{0,60}\b(?:infect\w*|red|swollen|pus|needle)\b",
    r"\b(?:infect\w*|red|swollen|pus)\b.{0,60}\b(?:fever|temperature|feverish)\b",
    r"\bbleeding (?:a lot|heavily|badly|loads)\b",
    r"\bstill bleeding\b|\bbleeding for (?:\d+|ages|over|more than)",
    r"\b(?:severe|really bad|awful|worst)\b.{0,20}\b(?:pain|headache)\b",
)

# Questions about what might happen, not reports of what is happening.
_HYPOTHETICAL = _any(
    r"^\s*(?:will|would|could|can|might|may|does|do|is|are|should|what if|how)\b",
    r"\b(?:normal|usual|common|likely|chance|risk)\b",
    r"\b(?:will|would|could|might)\s+(?:i|it|you|my)\b",
    r"\bafter(?:wards)?\s*\??\s*$",
)

# Past history ("I fainted once at the dentist") is a suitability question, not an emergency.
_HISTORY = _any(
    r"\b(?:once|years? ago|months? ago|last (?:year|month|time)|as a (?:child|kid|teenager))\b",
    r"\b(?:in the past|history of|used to|before)\b",
)

_PRESENT_MARKERS = _any(
    r"\b(?:now|right now|help|urgent|asap|just now)\b",
    r"\b(?:i'?m|im|i am|he'?s|she'?s|it'?s|they'?re)\s+(?:\w+\s+)?\w+ing\b",
)


def classify(text: str) -> Urgency:
    """Whether a message reports an emergency, asks about symptoms, or neither."""
    if _ALWAYS_URGENT.search(text):
        return Urgency.EMERGENCY
    if _PRESENT_MARKERS.search(text):
        pass
    elif _HYPOTHETICAL.search(text) or _HISTORY.search(text):
        return Urgency.HYPOTHETICAL
    if _URGENT_IF_HAPPENING.search(text):
        return Urgency.EMERGENCY
    return Urgency.NONE


def is_emergency(text: str) -> bool:
    return classify(text) is Urgency.EMERGENCY


def emergency_advice(
    emergency_number: str, urgent_advice_number: str | None, clinic_phone: str | None
) -> str:
    """Urgent-care advice: the emergency number first, the clinic last."""
    lines = [
        f"If this is happening now, please call {emergency_number} straight away or go to "
        "your nearest A&E - especially for trouble breathing, swelling of the lips, tongue "
        "or throat, chest pain, fainting that doesn't pass, bleeding that won't stop, or "
        "spreading redness with a fever.",
    ]
    if urgent_advice_number:
        lines.append(
            f"If it isn't an emergency but you're worried, call {urgent_advice_number} for "
            "medical advice."
        )
    if clinic_phone:
        lines.append(f"When you're safe, please let us know on {clinic_phone}.")
    return " ".join(lines)
