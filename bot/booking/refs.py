"""Short booking references like "FA-7K3Q" that clients can read out and type back.

4 characters give 32**4 (about a million) references, so two bookings can draw the same
one: whoever stores a new reference must check it is unused and draw again if not.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "FA"
CODE_LENGTH = 4
# Crockford base32: no I, L, O or U, so a reference survives being read aloud or misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Crockford decoding: the letters people confuse with digits mean those digits.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CANDIDATE = re.compile(
    rf"(?<![0-9A-Z]){PREFIX}(?P<sep>\s*[-_\u2010-\u2015]?\s*)(?P<code>[0-9A-Z]{{{CODE_LENGTH}}})"
    r"(?![0-9A-Z])",
    re.IGNORECASE | re.ASCII,
)


def new_reference() -> str:
    """A fresh random reference, e.g. "FA-7K3Q"."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{PREFIX}-{code}"


# Common words that read as a reference when typed run together in lower case.
_FA_WORDS = frozenset(
    "father faster fasten farmer fatter fatten fanned fasted fawned farther fathers".split()
)


def normalise_reference(text: str, expecting: bool = False) -> str | None:
    """The first booking reference in free text, in canonical "FA-7K3Q" form, or None.

    `expecting`: the client is changing a booking, so "fa7k3q" or "fasyrf" typed in lower
    case is a reference unless it is a word (no I, L, O or U: references never have them).
    """
    for match in _CANDIDATE.finditer(text):
        if not match.group("sep") and _looks_like_word(match.group(0)):
            if not expecting or not _plausible_lower_case(match):
                continue
        code = match.group("code").upper().translate(_CONFUSABLES)
        if all(char in ALPHABET for char in code):
            return f"{PREFIX}-{code}"
    return None


def without_references(text: str) -> str:
    """The text with every reference-like token blanked, so its digits are not read as
    part of a phone number ("FA-7K38 07911 123456")."""
    return _CANDIDATE.sub(" ", text)


def _plausible_lower_case(match: re.Match[str]) -> bool:
    code = match.group("code").upper()
    return all(char in ALPHABET for char in code) and match.group(0).lower() not in _FA_WORDS


def _looks_like_word(token: str) -> bool:
    """True for a word like "family" typed without a separator: not a reference.

    A run-together reference is only trusted if it has a digit or is typed in capitals,
    so a chat message that mentions family is not read as booking FA-M11Y.
    """
    return not any(char.isdigit() for char in token) and not token.isupper()
