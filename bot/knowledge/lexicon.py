"""Words clients use for the same thing: "foundation", "mascara" and "mineral powder" are all
make-up; "zimmer frame" and "wheelchair" are both about getting in. FAQ retrieval adds the
group's name to any text that uses one of its words, so a question finds a topic whose own
example questions never used that word.

Only the whole-word part of the index sees these names (the character n-grams see the text
as typed). A group is a kind of thing, never a topic: "bruise" belongs with "black eye",
not with "wedding". Written from clinic FAQ and aftercare pages and from the confusions of
cross-validation (`python -m bench.faq`); never from the hold-out.
"""

from __future__ import annotations

import re

# group name -> the words and phrases (normalised: lower case, no hyphens or apostrophes)
GROUPS: dict[str, tuple[str, ...]] = {
    "makeup": (
        "makeup", "make up", "foundation", "concealer", "mascara", "lipstick", "powder",
        "bb cream", "cc cream", "tinted moisturiser", "blusher", "blush", "bronzer",
        "eyeliner", "eyeshadow", "primer", "contour",
    ),
    "skincare": (
        "skincare", "serum", "serums", "retinol", "retinoid", "retinoids", "acids", "aha",
        "bha", "glycolic", "vitamin c", "toner", "cleanser", "moisturiser", "moisturizer",
        "exfoliate", "exfoliator", "exfoliating", "scrub", "face mask",
    ),
    "sun": (
        "spf", "sunscreen", "sun cream", "suncream", "sunblock", "sunbathe",
        "sunbathing", "sunbed", "sunbeds", "tanning", "sunshine", "sunny",
    ),
    "exercise": (
        "exercise", "gym", "workout", "work out", "running", "jog", "jogging", "spin",
        "hiit", "pilates", "weights", "sport", "sports", "swim", "swimming", "training",
        "cycling", "football", "tennis", "crossfit", "bootcamp",
    ),
    "heat": (
        "heat", "sauna", "steam room", "hot tub", "jacuzzi", "hot bath", "hot shower",
        "spa", "hot yoga",
    ),
    "alcohol": (
        "alcohol", "wine", "beer", "prosecco", "cocktail",
        "cocktails", "booze", "pub", "gin", "pint", "glass of wine", "few drinks",
    ),
    "event": (
        "wedding", "party", "birthday", "50th", "40th", "30th", "photoshoot", "photos",
        "holiday", "interview", "presentation", "night out", "hen do", "christening",
        "big day", "event", "occasion", "date night",
    ),
    "access": (
        "wheelchair", "walking frame", "zimmer", "walker", "mobility", "crutches", "stairs",
        "disabled", "disability", "step free", "stepfree", "ramp", "scooter",
    ),
    "men": (
        "men", "man", "male", "mens", "guy", "guys", "bloke", "husband", "boyfriend",
        "beard", "stubble", "gentlemen",
    ),
    "personal_data": (
        "data", "records", "medical info", "my info", "my information", "my details",
        "gdpr", "confidential", "personal information",
    ),
    "children": (
        "baby", "babies", "kids", "children", "child", "toddler", "pram", "buggy",
        "childcare",
    ),
    "tiredness": (
        "tired", "drowsy", "sleepy", "exhausted", "knackered", "shattered", "wiped out",
        "fatigue", "fatigued",
    ),
    "faint": ("faint", "fainting", "dizzy", "lightheaded", "light headed", "woozy", "wobbly"),
    "transport": (
        "parking", "car park", "bus", "train station", "station", "tube", "taxi", "uber",
        "transport",
    ),
    "evidence": (
        "evidence", "proof", "proven", "research", "studies", "study", "science",
        "scientific", "placebo", "trials",
    ),
    "bleeding": ("bleed", "bled", "bleeding", "blood", "bloody"),
    "ache": ("ache", "aching", "achy", "tender", "soreness", "throbbing"),
    "headache": (
        "headache", "headaches", "migraine", "head hurts", "head is pounding", "pounding head",
        "thumping head", "sore head", "head is killing me",
    ),
    "breakout": (
        "breakout", "broken out", "break out", "breaking out", "pimples", "pimple", "zits",
        "zit", "spotty", "whiteheads", "blemishes",
    ),
    "lines": (
        "lines", "wrinkles", "wrinkle", "crows feet", "frown lines", "fine lines",
        "sagging", "jowls", "ageing", "aging", "saggy",
    ),
}

_NAMES = {word: f"lex{name.replace('_', '')}" for name, words in GROUPS.items() for word in words}
_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in sorted(_NAMES, key=len, reverse=True)) + r")\b"
)


def with_groups(clean: str) -> str:
    """The normalised text with the name of each group one of its words belongs to."""
    names = dict.fromkeys(_NAMES[match] for match in _PATTERN.findall(clean))
    return f"{clean} {' '.join(names)}" if names else clean
