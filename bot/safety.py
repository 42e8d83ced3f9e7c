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
    r"\b(?:he|she|they)(?:'?s| is| are|'re) fitting\b|\b(?:been|keeps?|still) fitting\b",
    r"\bbleeding\b.{0,30}\b(?:won'?t|will not|doesn'?t|does not|not|can'?t|cannot)\b.{0,10}\bstop",
    r"\b(?:can'?t|cannot|couldn'?t) stop\b.{0,15}\bbleed",
    r"\b(?:call|need|get) an? ambulance\b",
    r"\bepi-?pen\b",
    # a stroke (FAST) or a faint with no recovery
    r"\b(?:is|am|are|im|i'?m|he'?s|she'?s|they'?re|\w+'s)\s+having\s+an?\s+"
    r"(?:stroke|mini[- ]stroke)\b",
    r"\b(?:hasn'?t|has not|haven'?t|have not|isn'?t|is not|not|didn'?t|won'?t)\s+"
    r"(?:come|coming|came)\s+(?:round|around|to)\b",
    r"\bstill (?:unconscious|out cold|not awake|not responding|hasn'?t woken)\b",
    r"\bfeel(?:s|ing)? like (?:i'?m|im|i am|she'?s|he'?s) (?:going to|gonna) die\b",
)

# Signs grouped by the advice they need (see `emergency_advice`). Each is urgent when it is
# described as happening, not when asked about as a possible side effect.
_STROKE_SIGNS = (  # FAST: face, arms, speech - time to call 999
    r"\b(?:face|mouth|smile|lip)\b.{0,30}\b(?:droop\w*|fallen|dropped|lopsided|sagging)\b"
    r".{0,30}\b(?:one side|suddenly|all of a sudden)\b",
    r"\b(?:one|the left|the right|left|right) side of (?:my|his|her|their|the) face\b.{0,30}"
    r"\b(?:droop\w*|fallen|dropped|numb|weak|paralys\w*|won'?t move|isn'?t moving)\b",
    r"\b(?:can'?t|cannot|can not|unable to)\s+(?:lift|raise|move)\s+"
    r"(?:my|his|her|their|one|both|either)\s+(?:left |right )?(?:arms?|legs?|hands?)\b",
    r"\b(?:arm|leg)\b.{0,15}\b(?:gone|went|is|feels?|feeling|going)\s+(?:all\s+|a\s+(?:bit|little)\s+|"
    r"really\s+|very\s+|quite\s+|kind\s+of\s+|kinda\s+)?(?:weak|limp|floppy)\b",
    # a drooping mouth or smile ("my face looks droopy" is a cosmetic worry)
    r"\b(?:mouth|smile)\b.{0,20}\bdroop(?:s|ing|ed)?\b",
    r"\b(?:face|mouth|smile)\b.{0,20}\b(?:dropped|fallen|slipped|gone lopsided)\b.{0,15}"
    r"\b(?:on (?:the|one) (?:left|right|side)|on one side|one side)\b",
    r"\bsudden(?:ly)?\b.{0,30}\b(?:weakness|numbness|weak|numb)\b",
    r"\bslurr(?:ed|ing|s)\b",
    r"\b(?:speech|talking|speaking)\b.{0,20}\b(?:garbled|jumbled|muddled|not making sense)\b",
    r"\b(?:talking|speaking|sounds)\s+(?:all\s+|really\s+)?(?:funny|strange|weird|drunk)\b",
    r"\bwords\b.{0,20}\b(?:coming out wrong|jumbled|all wrong|muddled)\b",
    r"\b(?:can'?t|cannot|unable to|struggling to)\s+(?:speak|talk)\s+"
    r"(?:properly|clearly|straight|right(?!\s+(?:now|away|at\b)))\b",
    r"\bcan'?t get (?:my|the|his|her|their) words out\b",
    r"\bsigns? of (?:a )?stroke\b",
)
_EYE_SIGNS = (  # A&E or 999, do not drive
    r"\b(?:blurred|blurry|double|cloudy|dim|patchy)\s+vision\b",
    r"\b(?:vision|eyesight|sight)\b.{0,30}\b(?:blurr\w*|double|gone|went|going|dark|funny|weird|"
    r"strange|changed|cloudy|fuzzy|worse)\b",
    r"\bseeing (?:double|flashing lights)\b",
    r"\b(?:things|everything)\s+(?:look|looks|looking|is|are|seems?)\s+(?:all\s+|really\s+|a\s+bit\s+)?"
    r"(?:blurr\w*|fuzzy|double|dark|dim)\b",
    r"\b(?:shadow|curtain|dark patch|black spot|dark spot)\b.{0,30}\b(?:vision|eye|sight)\b",
    r"\b(?:vision|eye|sight)\b.{0,40}\b(?:shadow|curtain|dark patch|black spot|dark spot)\b",
    r"\bflashing lights in (?:my|her|his|the) (?:eye|vision)",
    r"\b(?:lost|losing|loss of)\s+(?:the\s+)?(?:my\s+)?(?:sight|vision)\b",
    r"\b(?:can'?t|cannot|can not)\s+see\s+(?:properly|clearly|anything|straight|out of)\b",
    r"\bneedle\b.{0,25}\b(?:in|into|hit|poked|caught|scratched)\s+(?:my|the|her|his|their)\s+eye(?:ball)?\b",
    r"\beye\b.{0,15}\b(?:injur\w*|is bleeding|bleeding|pierced|punctured)\b|\beye injury\b",
    r"\bblood in (?:my|her|his|their|the) eye\b",
)
# A knock to the head with a warning sign (NHS "Head injury and concussion": A&E after being
# knocked out, vomiting, a headache that won't go, a change in behaviour or memory problems;
# 999 for drowsiness, a fit, or trouble with vision, speech, understanding or balance).
_HEAD_KNOCK = (
    r"\b(?:hit|hitting|banged|banging|bumped|knocked|smacked|cracked)\s+"
    r"(?:(?:my|his|her|their|the back of (?:my|his|her|their))\s+)?head\b"
    r"|\bhead (?:injury|injuries|wound)\b|\bconcuss\w*"
)
_HEAD_WARNING = (
    r"\b(?:sick|vomit\w*|threw up|throwing up|confus\w*|drows\w*|sleepy|dazed|dizzy|"
    r"headache|can'?t remember|memory|knocked out|passed out|blacked out|fainted|unconscious)\b"
)
_HEAD_INJURY_SIGNS = (  # A&E now, 999 for the red flags
    rf"(?:{_HEAD_KNOCK}).{{0,80}}{_HEAD_WARNING}",
    rf"{_HEAD_WARNING}.{{0,80}}(?:{_HEAD_KNOCK})",
)
_SEPSIS_SIGNS = (  # 999
    r"\bsepsis\b|\bseptic\b|\bsepticaemia\b|\bsepticemia\b",
    r"\b(?:lips?|tongue|skin)\b.{0,20}\b(?:blue|grey|gray|mottled)\b",
    r"\brash\b.{0,40}\b(?:doesn'?t|does not|won'?t|didn'?t|not)\s+fad\w*",
    r"\b(?:confused|confusion|not making sense|delirious|disorientated)\b.{0,60}"
    r"\b(?:fever|temperature|feverish|infect\w*|red|redness|swollen|pus)\b",
    r"\b(?:fever|temperature|feverish|infect\w*|redness|swollen|pus)\b.{0,60}"
    r"\b(?:confused|confusion|not making sense|delirious|disorientated)\b",
    r"\b(?:heart (?:is )?(?:racing|pounding)|racing heart|fast heart ?beat|heart ?beat is fast)\b"
    r".{0,60}\b(?:fever|temperature|infect\w*|red|redness|swollen|swelling|pus)\b",
    r"\b(?:fever|temperature|infect\w*|red|redness|swollen|swelling|pus)\b.{0,60}"
    r"\b(?:heart (?:is )?(?:racing|pounding)|racing heart|fast heart ?beat|heart ?beat is fast)\b",
    r"\b(?:extreme|uncontrollabl[ey]|violent(?:ly)?)\s+shiver\w*|\bshivering uncontrollably\b",
)
_SKIN_SIGNS = (  # possible cellulitis or a growing bleed: NHS 111 now
    r"\b(?:pus|oozing)\b.{0,40}\b(?:needle|where|mark|point|treatment|session|acupuncture)",
    r"\b(?:needle|mark|point|treatment|session|acupuncture)\b.{0,40}\b(?:pus|oozing)\b",
    r"\bbruis\w*\b.{0,30}\b(?:getting (?:bigger|worse)|growing|spreading|keeps? (?:on )?"
    r"(?:getting|growing|spreading)|swelling up)\b",
    r"\bswelling\b.{0,20}\b(?:spreading|getting (?:bigger|worse)|growing)\b",
    r"\b(?:hot|warm) (?:and|&) swollen\b|\bswollen (?:and|&) (?:hot|warm)\b",
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
    r"\bfeel(?:s|ing)?\s+(?:\w+\s+)?"
    r"(?:faint|like (?:i'?m|im|i am) (?:going to|gonna) (?:faint|pass out))\b",
    *_STROKE_SIGNS,
    *_HEAD_INJURY_SIGNS,
    *_EYE_SIGNS,
    *_SEPSIS_SIGNS,
    *_SKIN_SIGNS,
)

# Questions about what might happen, not reports of what is happening.
_HYPOTHETICAL = _any(
    # "can't see properly" opens a report, not a question
    r"^\s*(?:will|would|could|can(?!'?t\b)|might|may|does|do|is|are|should|what if|how)\b",
    r"\b(?:normal|usual|common|likely|chance|risk)\b",
    r"\b(?:will|would|could|might)\s+(?:i|it|you|my)\b",
    r"\bafter(?:wards)?\s*\??\s*$",
    r"\bwhat (?:should|do|would|can) (?:i|you|we) do if\b",
)

# Past history ("I fainted once at the dentist") is a suitability question, not an emergency.
_HISTORY = _any(
    r"\b(?:once|years? ago|months? ago|last (?:year|month|time|week|session)"
    r"|as a (?:child|kid|teenager))\b",
    r"\b(?:in the past|history of|used to|before|the other day)\b|(?<!since )\byesterday\b",
)

_PRESENT_MARKERS = _any(
    r"\b(?:now|right now|help|urgent|asap|just now)\b",
    r"\b(?:i'?m|im|i am|he'?s|she'?s|it'?s|they'?re)\s+(?:\w+\s+)?\w+ing\b",
    r"\bkeeps? (?:on )?(?:getting|growing|spreading|bleeding)\b",
    r"\bstill (?:bleeding|spreading|growing|swelling|getting)\b",
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


# Signs that need the general "call 999" advice before anything more specific.
_LIFE_THREATENING = _any(
    rf"\b{_CANT}\s+(?:breathe?|breathing|swallow)|\b(?:not|isn'?t|stopped) breathing\b",
    r"\bshort(?:ness)? of breath\b|\bdifficulty (?:breathing|breathe)\b|\bgasping\b",
    r"\b(?:throat|airway|tongue|toung|tounge|lips?)\b.{0,25}\b(?:closing|swell\w*|swollen)\b",
    r"\banaph\w*xis\b|\banaphylactic\b|\ball?ergic reac\w*|\bepi-?pen\b",
    r"\bchest\b|\bheart attack\b",
    r"\bbleed\w*\b.{0,30}\b(?:stop|heavily|a lot|badly|loads)\b|\bstill bleeding\b",
    r"\b(?:seizure|fit|fitting|convuls\w*|seizing)\b",
)
_FAINTING = _any(
    r"\b(?:fainted|fainting|faint|passed out|passing out|pass out|blacked out|collapsed)\b",
    r"\b(?:come|coming|came)\s+(?:round|around|to)\b",
    r"\b(?:won'?t|will not|doesn'?t|does not|can'?t|cannot) wake\b|\bunconscious\b",
)
_STROKE = _any(*_STROKE_SIGNS, r"\bstroke\b")
_HEAD_INJURY = _any(*_HEAD_INJURY_SIGNS)
_EYE = _any(*_EYE_SIGNS)
_SEPSIS = _any(
    *_SEPSIS_SIGNS, r"\bfeel(?:s|ing)? like (?:i'?m|im|i am|she'?s|he'?s) (?:going to|gonna) die\b"
)
_SKIN = _any(*_SKIN_SIGNS, r"\b(?:redness|red)\b.{0,40}\bspreading\b|\bspreading\b.{0,20}\bred")
_WITH_FEVER = _any(
    r"\b(?:fever|temperature|feverish|shiver\w*|confused|confusion|racing|pounding|fast heart)"
)


class Advice(enum.Enum):
    """Which urgent-care advice fits what the person described."""

    GENERAL = "general"  # 999 first: breathing, swelling, chest pain, bleeding, anything unclear
    STROKE = "stroke"  # 999
    HEAD_INJURY = "head_injury"  # A&E now, do not drive; 999 for the red flags
    SEPSIS = "sepsis"  # 999
    EYE = "eye"  # A&E or 999, do not drive
    FAINT = "faint"  # first aid, 999 if no recovery within a minute
    SKIN = "skin"  # NHS 111 now (spreading redness, pus, a growing bruise); 999 with a fever


def advice_for(text: str | None) -> Advice:
    """The most fitting advice for an emergency message; GENERAL when unsure."""
    if not text or _LIFE_THREATENING.search(text):
        return Advice.GENERAL
    if _STROKE.search(text):
        return Advice.STROKE
    if _HEAD_INJURY.search(text):
        return Advice.HEAD_INJURY
    if _SEPSIS.search(text) or (_SKIN.search(text) and _WITH_FEVER.search(text)):
        return Advice.SEPSIS
    if _EYE.search(text):
        return Advice.EYE
    if _FAINTING.search(text):
        return Advice.FAINT
    if _SKIN.search(text):
        return Advice.SKIN
    return Advice.GENERAL


# Where the clinic's urgent (non-emergency) advice line is unknown - the store is down - the
# UK's 999 still implies NHS 111, so the 111 line is kept.
_URGENT_LINE_FOR = {"999": "111"}


def default_urgent_advice_number(emergency_number: str) -> str | None:
    return _URGENT_LINE_FOR.get(emergency_number.strip())


_FIRST_AID_FAINT = (
    "If you feel faint, lie down and raise your legs, or sit with your head between your "
    "knees; have a drink of water and something to eat, and tell someone nearby."
)


def emergency_advice(
    emergency_number: str,
    urgent_advice_number: str | None,
    clinic_phone: str | None,
    text: str | None = None,
) -> str:
    """Urgent-care advice: the emergency number first, the clinic last.

    With the person's message (`text`) the first lines fit what they described (a stroke,
    an eye injury, sepsis, fainting, spreading redness); without it, the general advice
    covers all of them.
    """
    n = emergency_number
    urgent = urgent_advice_number or default_urgent_advice_number(emergency_number)
    kind = advice_for(text)
    if kind is Advice.STROKE:
        lines = [
            f"If this is happening now, please call {n} straight away: a face drooping on one "
            "side, weakness in an arm or leg, or slurred or muddled speech can be signs of a "
            "stroke, and every minute counts. Call even if the signs seem to pass, and don't "
            "drive yourself."
        ]
    elif kind is Advice.HEAD_INJURY:
        lines = [
            "After a knock to the head, please go to A&E now if you were knocked out (even "
            "briefly), have been sick, feel confused or very drowsy, have a headache that "
            "won't go, or have memory problems - and don't drive yourself: ask someone to "
            f"take you. Call {n} if you can't get there safely, or if there is difficulty "
            "staying awake, a fit, trouble seeing, speaking, understanding or keeping your "
            "balance, numbness or weakness, or clear fluid from the ears or nose."
        ]
    elif kind is Advice.SEPSIS:
        lines = [
            f"If this is happening now, please call {n} straight away: feeling very unwell "
            "with a fever, confusion, a racing heart or very fast breathing, blue, grey or "
            "blotchy skin or lips, or a rash that doesn't fade when you press a glass on it "
            "can be signs of sepsis or a spreading infection."
        ]
    elif kind is Advice.EYE:
        lines = [
            f"For an injury to your eye or any change in your vision, please go to A&E now or "
            f"call {n}. Don't drive yourself: ask someone to take you, or call {n} for an "
            "ambulance."
        ]
    elif kind is Advice.FAINT:
        lines = [
            "If someone has fainted, lay them on their back and raise their legs - most people "
            f"come round within about 20 seconds. Call {n} straight away if they don't come "
            "round within a minute, aren't breathing normally, or have chest pain, a pounding "
            f"or irregular heartbeat, a fit or an injury. {_FIRST_AID_FAINT} Don't drive until "
            "you feel completely well."
        ]
    elif kind is Advice.SKIN:
        where = (
            f"please call {urgent} for medical advice now"
            if urgent
            else "please get medical advice now from a doctor or an urgent care service"
        )
        lines = [
            "Redness or swelling that spreads, pus, or a bruise that keeps getting bigger "
            f"needs checking today: {where}. Call {n} if you also have a fever, a fast "
            "heartbeat, or feel confused or very unwell."
        ]
    elif text and _LIFE_THREATENING.search(text):
        lines = [
            f"If this is happening now, please call {n} straight away - especially for "
            "trouble breathing, swelling of the lips, tongue or throat (use an adrenaline "
            "auto-injector if you have one), chest pain, a fit, or bleeding that won't stop."
        ]
    else:
        lines = [
            f"If this is happening now, please call {n} straight away - especially for "
            "trouble breathing, swelling of the lips, tongue or throat, chest pain, signs of a "
            "stroke (a drooping face, arm weakness, slurred speech), fainting that doesn't "
            "pass within a minute, bleeding that won't stop, or feeling very unwell with a "
            "fever. For an eye injury or a change in your vision, go to A&E or call "
            f"{n}, and don't drive yourself. {_FIRST_AID_FAINT}"
        ]
    if urgent and kind is Advice.GENERAL and not (text and _LIFE_THREATENING.search(text)):
        lines.append(
            "If it isn't an emergency but you're worried - or redness or swelling is "
            "spreading, there's pus, or a bruise keeps getting bigger - call "
            f"{urgent} for medical advice now."
        )
    elif urgent and kind is not Advice.SKIN:
        lines.append(
            f"If it isn't an emergency but you're worried, call {urgent} for medical advice."
        )
    if clinic_phone:
        lines.append(f"When you're safe, please let us know on {clinic_phone}.")
    return " ".join(lines)
