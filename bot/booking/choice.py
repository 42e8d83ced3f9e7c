"""Which of the offered slots did the client pick? ("2", "the first one", "11:15", "none")."""

from __future__ import annotations

import re

from bot.booking.availability import Slot

NONE_OF_THESE = "none"

_NONE = re.compile(
    r"\b(?:none|neither|no(?:ne)? of (?:these|those|them)|other|another|different|"
    r"doesn'?t work|don'?t work|can'?t do)\b",
    re.IGNORECASE,
)
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2}
_NUMBERS = {"1": 0, "one": 0, "2": 1, "two": 1, "3": 2, "three": 2}
# Words around a bare option number ("option 2 please") that do not change it.
_FILLER = {"option", "number", "no", "the", "please", "pls", "ok", "okay", "one", "i'll", "take"}
# A clock time: "10:15", "10.15", "2pm", "at 3". Never read as an option number.
_TIME = re.compile(
    r"\b(\d{1,2})(?:[:.](\d{2})\s*(am|pm)?|\s*(am|pm))\b"
    r"|\bat\s+(\d{1,2})\b(?![:.]\d)",
    re.IGNORECASE,
)


_OPTION_ONLY = re.compile(
    r"^\s*(?:(?:option|number|no\.?)\s*)?(?:\d|one|two|three|four|five)\s*(?:please)?\s*[.!]?\s*$",
    re.IGNORECASE,
)


def is_option_number(text: str) -> bool:
    """Just an option number ("4", "option 5"): never a new time wish, even if not offered."""
    return bool(_OPTION_ONLY.match(text or ""))


def slot_label(slot: Slot) -> str:
    """What a button shows: "Fri 27 Nov, 09:00 (Mei Chen)"."""
    return f"{slot.start:%a %d %b, %H:%M} ({slot.practitioner_name})"


def parse_choice(text: str, offered: list[Slot]) -> int | str | None:
    """Index into `offered`, NONE_OF_THESE, or None if the reply is not a choice."""
    cleaned = (text or "").replace("\u2019", "'").strip()  # phones type curly apostrophes
    if not cleaned or not offered:
        return None
    for index, slot in enumerate(offered):
        if cleaned.casefold() == slot_label(slot).casefold():
            return index
    if _NONE.search(cleaned):
        return NONE_OF_THESE
    if _TIME.search(cleaned):
        return _by_time(cleaned, offered)  # a time that was not offered is no choice
    words = re.findall(r"[a-z0-9']+", cleaned.lower())
    if "last" in words:
        return len(offered) - 1
    ordinals = [_ORDINALS[word] for word in words if word in _ORDINALS]
    if ordinals:
        return ordinals[0] if ordinals[0] < len(offered) else None
    rest = [word for word in words if word not in _FILLER or word == "one" and len(words) == 1]
    if len(rest) == 1 and rest[0] in _NUMBERS and _NUMBERS[rest[0]] < len(offered):
        return _NUMBERS[rest[0]]
    return None


def _by_time(text: str, offered: list[Slot]) -> int | None:
    for match in _TIME.finditer(text):
        hour = int(match[1] or match[5])
        minute = int(match[2] or 0)
        meridiem = (match[3] or match[4] or "").lower()
        if meridiem == "pm" and hour < 12:
            hour += 12
        for index, slot in enumerate(offered):
            if (slot.start.hour, slot.start.minute) == (hour, minute) or (
                not meridiem and (slot.start.hour - 12, slot.start.minute) == (hour, minute)
            ):
                return index
    return None
