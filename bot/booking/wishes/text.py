"""The text the readers work on, and the words several of them share."""

from __future__ import annotations

import re
import unicodedata

MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
WEEKDAY = (
    r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
)
WEEKDAY_ABBR = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "couple of": 2,
}  # fmt: skip
# Longest first, so "a couple of" wins over "a".
NUMBER = rf"(?P<n>\d{{1,3}}|{'|'.join(sorted(_NUMBER_WORDS, key=len, reverse=True))})"


def count(raw: str) -> int:
    """The value of a NUMBER match: digits or a number word."""
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def normalise(text: str) -> str:
    """Lower case, one space between words: exactly what ctparse sees, so its offsets fit."""
    chars = (_plain_char(c) for c in text.lower().replace("\u2019", "'"))
    return re.sub(r" +", " ", re.sub(r"-+", "-", "".join(chars))).strip()


def _plain_char(char: str) -> str:
    category = unicodedata.category(char)
    if char in ",;" or category[0] in "ZC" or category in ("Ps", "Pe"):
        return " "
    if category == "Pd" or char == "\u2043":
        return "-"
    return char


def cut(text: str, match: re.Match[str]) -> str:
    """The text without what `match` read, so later readers do not read it again."""
    return normalise(text[: match.start()] + " " + text[match.end() :])
