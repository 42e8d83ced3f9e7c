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


def normalise_reference(text: str) -> str | None:
    """The first booking reference in free text, in canonical "FA-7K3Q" form, or None."""
    for match in _CANDIDATE.finditer(text):
        if not match.group("sep") and _looks_like_word(match.group(0)):
            continue
        code = match.group("code").upper().translate(_CONFUSABLES)
        if all(char in ALPHABET for char in code):
            return f"{PREFIX}-{code}"
    return None


def _looks_like_word(token: str) -> bool:
    """True for a word like "family" typed without a separator: not a reference.

    A run-together reference is only trusted if it has a digit or is typed in capitals,
    so a chat message that mentions family is not read as booking FA-M11Y.
    """
    return not any(char.isdigit() for char in token) and not token.isupper()
