"""Clinic facts computed from the store (clinic.yml, practitioners.yml): pure functions.

Each fact is written once in the YAML; these replies only arrange it. The hours reply reads
the message for which day is meant: a weekday name, today, tomorrow, the weekend, or
evenings ("open late", "after work"). `fact_asked` tells a clinic-fact question by its
wording ("what time do you close on thursday", "what's your phone number"), so it is
answered from the YAML before any retrieval can offer a choice or another topic.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from bot.store.queries import Clinic, OpeningSpan, PractitionerDays

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A closing time after this counts as "open late" / an evening appointment.
EVENING_STARTS = time(18, 0)
MAP_SEARCH_URL = "https://www.openstreetmap.org/search?query={query}"

_DAY_WORDS = (
    "mon|monday",
    "tue|tues|tuesday",
    "wed|weds|wednesday",
    "thu|thur|thurs|thursday",
    "fri|friday",
    "sat|saturday",
    "sun|sunday",
)
_DAY_PATTERNS = [(i, re.compile(rf"\b(?:{words})s?\b")) for i, words in enumerate(_DAY_WORDS)]
_TODAY = re.compile(r"\b(today|tonight|now|right now|this (?:morning|afternoon|evening))\b")
_TOMORROW = re.compile(r"\b(tomorrow|tmrw|tmr|tomoz)\b")
_WEEKEND = re.compile(r"\b(weekends?|sat(?:urday)?s? (?:and|or|&) sun(?:day)?s?)\b")
# Asks about the whole working week, even beside a named day ("saturdays, and weekdays?").
_WHOLE_WEEK = re.compile(
    r"\b(weekdays?|week\s+days?|during\s+the\s+week|mon(?:day)?\s*(?:-|to|til|till)\s*"
    r"fri(?:day)?|(?:all|every|each)\s+(?:the\s+)?days|the\s+rest\s+of\s+the\s+week)\b"
)
_EVENING = re.compile(
    r"\b(late|evenings?|after work|after (?:5|6|five|six)|night|(?:5|6|7|8)\s?pm)\b"
)


def map_link(address: str) -> str:
    return MAP_SEARCH_URL.format(query=quote_plus(address))


def address_reply(clinic: Clinic) -> str:
    return f"We're at {clinic.address}. Map: {map_link(clinic.address)}"


def phone_reply(clinic: Clinic) -> str:
    return f"You can call us on {clinic.phone}, or email {clinic.email}."


def email_reply(clinic: Clinic) -> str:
    return f"You can email us at {clinic.email}."


def _span(span: OpeningSpan) -> str:
    return f"{span.opens:%H:%M}-{span.closes:%H:%M}"


def _day_line(clinic: Clinic, weekday: int, label: str) -> str:
    span = next((s for s in clinic.opening_hours if s.weekday == weekday), None)
    if span is None:
        open_days = ", ".join(WEEKDAY_NAMES[s.weekday] for s in clinic.opening_hours)
        return f"{label} we're closed (we're open {open_days})."
    return f"{label} we're open {_span(span)}."


def week_text(clinic: Clinic) -> str:
    by_day = {span.weekday: span for span in clinic.opening_hours}
    return "\n".join(
        f"- {WEEKDAY_NAMES[day]}: {_span(by_day[day]) if day in by_day else 'closed'}"
        for day in range(7)
    )


def days_asked(message: str) -> list[int]:
    """Weekdays named in the message, in week order."""
    text = message.lower()
    return [index for index, pattern in _DAY_PATTERNS if pattern.search(text)]


def hours_reply(clinic: Clinic, message: str, now: datetime) -> str:
    """Opening hours for the day the message asks about (clinic's time zone), or the week."""
    text = message.lower()
    local = now.astimezone(ZoneInfo(clinic.timezone))
    if _TOMORROW.search(text):
        day = (local + timedelta(days=1)).weekday()
        return _day_line(clinic, day, f"Tomorrow ({WEEKDAY_NAMES[day]})")
    if _WHOLE_WEEK.search(text):
        return "Our opening hours:\n" + week_text(clinic)
    named = days_asked(text)
    if named and not _WEEKEND.search(text):
        return " ".join(_day_line(clinic, day, f"On {WEEKDAY_NAMES[day]}s") for day in named)
    if _WEEKEND.search(text):
        return " ".join(_day_line(clinic, day, f"On {WEEKDAY_NAMES[day]}s") for day in (5, 6))
    if _EVENING.search(text):
        late = [s for s in clinic.opening_hours if s.closes > EVENING_STARTS]
        if not late:
            return "We don't open in the evenings. Our hours:\n" + week_text(clinic)
        days = ", ".join(f"{WEEKDAY_NAMES[s.weekday]}s until {s.closes:%H:%M}" for s in late)
        return f"We're open late on {days}."
    if _TODAY.search(text):
        return _day_line(clinic, local.weekday(), f"Today ({WEEKDAY_NAMES[local.weekday()]})")
    return "Our opening hours:\n" + week_text(clinic)


def _days_list(days: list[str]) -> str:
    return days[0] if len(days) == 1 else f"{', '.join(days[:-1])} and {days[-1]}"


def practitioners_reply(practitioners: list[PractitionerDays], message: str = "") -> str:
    if not practitioners:
        return "Our practitioners' details aren't listed here yet."
    named = days_asked(message)
    if named:
        lines = []
        for day in named:
            working = [p.name for p in practitioners if any(h[0] == day for h in p.hours)]
            who = _days_list(working) if working else "no one"
            lines.append(f"On {WEEKDAY_NAMES[day]}s: {who}.")
        return " ".join(lines)
    lines = [
        f"- {p.name}: {_days_list([WEEKDAY_NAMES[h[0]] + 's' for h in p.hours])}"
        if p.hours
        else f"- {p.name}"
        for p in practitioners
    ]
    return "Our practitioners and the days they see clients:\n" + "\n".join(lines)


# How clients ask for each fact. Narrow on purpose: a clinic-fact answer to "where do the
# needles go" or "what time should I arrive" would be wrong, while retrieval still finds the
# fact topics for wordings these patterns miss. First match wins (email before phone and
# address: "what's your email address"; people before hours: "who works on saturdays").
_DAYS = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|satur|sun)(?:day)?s?"
_YOU = r"(?:you|u|ya|the\s+(?:clinic|practice|place))"
_FACT_WORDINGS: dict[str, tuple[str, ...]] = {
    "email": (
        r"e-?mail\s+(?:address|addy|adress|addres|adr)",
        r"(?:get\s+in\s+touch|contact\s+(?:you|u|the\s+clinic))\s+in\s+writing",
        r"\be-?mail(?:ing|ed)?\b.*\baddress\b",
        r"\beml\s+address",
        r"(?:give|send|tell)\s+(?:me\s+)?(?:your|ur|yr|the)\s+e-?mail\b",
        r"(?:your|the|clinic'?s?|an?|what)\s+e-?mail\b(?!\s+(?:me|confirmation|reminder))",
        rf"e-?mail\s+(?:{_YOU}|us|for\s+(?:the|your))\b",
        r"(?:by|via|on)\s+e-?mail\s*\??$",
        r"^e-?mail\s*\??$",
    ),
    "phone": (
        # "your phone number", never "my phone number" (privacy: "forget my phone number").
        r"(?:^|your|ur|the|clinic'?s?|a|what'?s|what\s+is|whats|give\s+me|need)\s*(?:phone|telephone|"
        r"tel|contact|mobile|landline|whatsapp)\s*(?:number|no\b|#)",
        r"(?:have|got)\s+a\s+(?:landline|phone\s+number|number)\b",
        r"direct\s+(?:line|number|dial)",
        r"(?:can|could)\s+i\s+(?:call|ring|phone)\s+(?:someone|somebody|up)\b",
        rf"(?:your|ur|the|{_YOU}'?s?|a|best)\s+(?:phone\s+)?number\b(?!\s+of\b)",
        r"what\s+number\s+(?:do|should|can|to)\b",
        r"^(?:phone|number)\s*\??$",
        r"number\s+(?:to|do\s+i|i\s+can|should\s+i|for\s+(?:the|you))",
        rf"(?:can|could|do|should|how\s+do|how\s+can)\s+i\s+(?:call|ring|phone|telephone|contact)"
        rf"\s+{_YOU}\b",
        r"give\s+(?:you|u)\s+a\s+(?:ring|call)",
        r"contact\s+(?:details|info)",
        rf"how\s+(?:do|can)\s+i\s+(?:get\s+in\s+touch|reach\s+{_YOU})",
        rf"best\s+way\s+to\s+(?:contact|reach|get\s+hold\s+of|get\s+in\s+touch\s+with)\s+{_YOU}",
    ),
    "practitioners": (
        r"who\s+(?:are|is)\s+(?:the|your)\s+(?:practitioners?|acupuncturists?|therapists?|team)\b"
        r"(?!\s+(?:qualified|registered|insured|trained))",
        r"who'?s\s+(?:the|your)\s+(?:practitioner|acupuncturist|therapist)\b",
        r"who\s+(?:will|would|does|do)\s+(?:treat|see)\s+(?:me|my)",
        r"who\s+(?:will|would|do)\s+i\s+(?:see|be\s+seeing|be\s+treated\s+by)",
        r"who'?s\s+(?:treating|doing)\s+(?:me|my)",
        r"who'?s\s+(?:going\s+to\s+be|gonna\s+be)\s+(?:treating|doing|seeing)\s+(?:me|my)",
        rf"who'?s\s+(?:in|on|working)\s+(?:on\s+|this\s+|at\s+the\s+|next\s+)?(?:{_DAYS}|today|"
        r"tomorrow|tmrw|weekend|the\s+weekend)",
        r"who'?ll\s+i\s+(?:be\s+)?see",
        r"name\s+of\s+the\s+(?:lady|woman|man|guy|person|practitioner|acupuncturist|therapist)\s+"
        r"(?:i|who)\b",
        r"names?\s+of\s+(?:the\s+|your\s+)?(?:staff|team)\b",
        r"^(?:the\s+|your\s+)?team\s*\??$",
        r"(?:is\s+there|do\s+you\s+have)\s+a\s+(?:male|female|man|woman|lady)\s+"
        r"(?:practitioner|acupuncturist|therapist)",
        r"who\s+sees\s+(?:the\s+)?clients",
        r"who(?:\s+(?:would|will)|'?ll)\s+be\s+(?:doing|treating|seeing)\s+(?:me|my)\b"
        r"(?!.*\b(?:trained|qualified|registered|insured|experienced)\b)",
        r"who\s+(?:actually\s+)?does\s+the\s+(?:acupuncture|needling|needles)\b",
        r"(?:ask\s+for|request|choose|pick|see)\s+(?:a\s+)?(?:particular|specific|certain|female|male|"
        r"woman|man)\s+(?:practitioner|acupuncturist|therapist)",
        r"who\s+(?:will|would|does|do)\s+(?:do|carry\s+out)\s+(?:the|my)\s+(?:treatments?|sessions?)",
        r"who\s+works?\s+(?:on|at\s+the\s+weekend)",
        r"which\s+(?:practitioner|acupuncturist)s?\s+(?:works?|is\s+in|is\s+on)",
        r"practitioners?\s+(?:are\s+)?called",
        r"practitioners?'?\s+names",
        r"^who\s+(?:runs|owns)\s+(?:the\s+|your\s+)?(?:clinic|practice)",
        r"who\s+(?:does|do|will\s+do)\s+(?:the\s+)?treatments?\s*\??$",
        r"how\s+many\s+(?:practitioners|acupuncturists)",
        r"(?:which|what)\s+days?\s+(?:does|do)\s+(?:each|the|your)\s+(?:practitioner|acupuncturist)s?"
        r"\s+work",
        r"tell\s+me\s+about\s+(?:your|the)\s+(?:team|practitioners?|acupuncturists?)\s*\??$",
        r"names?\s+of\s+(?:the|your)\s+(?:practitioners?|acupuncturists?)",
    ),
    "hours": (
        r"open(?:ing)?\s+(?:hours|times)",
        r"(?:your|the\s+clinic'?s?|what\s+are\s+the|what)\s+hours\b",
        r"hours\s+(?:of\s+business|do\s+you\s+(?:work|open))",
        rf"(?:what\s+time|when|how\s+late|how\s+early|till\s+when|until\s+when)\s+(?:do|does|are|is)"
        rf"\s+{_YOU}\s+(?:open|close|closing|shut|finish|start|stay\s+open|work)",
        rf"(?:are|r|is)\s+{_YOU}\s+(?:still\s+|even\s+)?open\b",
        rf"(?:what|wat|wot)\s+time\s+(?:do\s+|does\s+)?{_YOU}\s+(?:open|close|shut|finish)",
        r"is\s+it\s+open\s+(?:on|at|today|tomorrow|tonight|late|this|till|until|over)",
        rf"(?:do|does)\s+{_YOU}\s+(?:open|close|shut)\b(?!\s+(?:a|an|the|new|fresh|up|my|your)\b)",
        rf"{_YOU}\s+(?:open|closed?)\s+(?:on|at|today|tomorrow|late|this|over|till|until)",
        rf"(?:^|you\s+|u\s+|clinic\s+|it\s+|still\s+)open\s+(?:late|on\s+(?:the\s+)?(?:weekends?|bank\s+"
        rf"holidays?|{_DAYS})|evenings?|{_DAYS}|today|tomorrow|tmrw|tmr|tonight)",
        rf"(?:do|does|can)\s+{_YOU}\s+(?:do|have|offer|open|work)\s+(?:any\s+)?(?:late\s+)?"
        rf"(?:evening|late|weekend|{_DAYS}|night|early\s+morning|lunchtime|lunch\s+time)s?\b",
        rf"(?:what|which)\s+days\s+(?:are|r|do|does)\s+{_YOU}\s+(?:open|work)",
        r"late\s+(?:night\s+)?opening",
        r"(?:christmas|easter|bank\s+holiday|holiday)\s+(?:opening|hours)",
        rf"^(?:any\s+|do\s+you\s+(?:do|have|offer)\s+(?:any\s+)?)?(?:evening|late|weekend|early|{_DAYS})"
        r"\s+(?:appointments?|appts?|slots?|sessions?)\s*\??$",
        r"(?:what'?s|what\s+is|when'?s|when\s+is)\s+(?:the|your)\s+(?:latest|last|earliest)\s+"
        r"(?:appointment|slot|time)",
        r"^(?:latest|earliest)\s+(?:appointment|appt|slot)s?\b",
        # "latest", not "earliest": "book me the earliest slot" is a booking.
        r"latest\s+(?:i\s+can\s+(?:come|book|get)|appointment|appt|slot)",
        r"\blast\s+(?:appointment|appt|slot)\s+(?:on\s+a|of\s+the\s+day|in\s+the|on\s+weekdays)",
        r"open\s+(?:over|at|on|during)\s+(?:christmas|xmas|easter|new\s+year|the\s+holidays)",
        r"open\s+early\b",
        rf"(?:are|r|is)\s+{_YOU}\s+shut\b",
        rf"(?:are|r|is)\s+{_YOU}\s+closed",
        rf"closed\s+on\s+(?:{_DAYS}|the\s+weekends?|weekends?|bank\s+holidays?)",
        rf"can\s+i\s+come\s+(?:in\s+)?(?:on\s+)?(?:a\s+)?(?:{_DAYS}|weekends?|evenings?|after\s+work|"
        rf"before\s+work|in\s+the\s+evening)(?:\s+on\s+(?:a\s+)?{_DAYS})?\s*\??$",
        r"(?:what|which)\s+days\s+(?:can\s+i\s+come|do\s+you\s+do)",
        r"^(?:opening\s+)?hours\s*\??$",
    ),
    "address": (
        r"\baddress\b",
        r"post\s?code",
        r"directions",
        r"where\s*abouts",
        rf"where\s+(?:are|r)\s+{_YOU}\b",
        r"where\s+is\s+(?:the\s+|your\s+)?(?:clinic|practice)",
        r"where'?s\s+(?:the\s+|your\s+)?(?:clinic|practice)",
        rf"where\s+(?:exactly\s+)?(?:are\s+{_YOU}|is\s+it)\s+(?:based|located)",
        rf"how\s+do\s+i\s+(?:find|get\s+to)\s+{_YOU}",
        rf"(?:which|what)\s+(?:street|road|part\s+of\s+town|area)\s+(?:are|r|is)\s+{_YOU}",
        r"your\s+location",
        r"(?:located|based)\s+where",
        r"where\s+is\s+it\s*(?:based|located)?\s*\??$",
        r"where\s+(?:do|should)\s+i\s+(?:(?:actually|need\s+to|have\s+to)\s+)*(?:go|come)\b"
        r"(?!\s+(?:after|before|if|when))",
        r"(?:the|your|clinic'?s?)\s+location\b",
        r"^location\s*\??$",
        r"how\s+do\s+i\s+get\s+there",
        r"\b(?:google\s+)?maps?\b(?!\s+out)",
        r"sat\s?nav",
        r"\baddy\b",
        r"where'?s?\s+(?:is\s+)?the\s+(?:entrance|front\s+door|way\s+in)",
        r"(?:stop|station)\s+(?:is\s+)?(?:the\s+)?(?:closest|nearest)",
        rf"how\s+far\s+(?:are|r|is)\s+{_YOU}\s+from",
        r"nearest\s+(?:train\s+|bus\s+)?(?:station|bus\s+stop|car\s+park|tube|landmark)",
        r"(?:bus|train|tube)\s+(?:stop|station)\s+(?:near|close)",
        rf"(?:are|r|is)\s+{_YOU}\s+(?:near|close\s+to|in\s+(?:the\s+)?(?:city|centre|center|town|"
        r"bristol))",
    ),
}
_FACT_PATTERNS = tuple(
    (fact, re.compile(r"\b(?:" + "|".join(wordings) + ")"))
    for fact, wordings in _FACT_WORDINGS.items()
)


def fact_asked(message: str) -> str | None:
    """The clinic fact a message plainly asks for ("hours", "phone", ...), or None."""
    text = " ".join(message.lower().replace("\u2019", "'").split())
    for fact, pattern in _FACT_PATTERNS:
        if pattern.search(text):
            return fact
    return None
