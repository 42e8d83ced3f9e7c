"""Contact details and names typed by a client: parse, validate, normalise, mask.

Pure functions, no network: email addresses are checked for syntax only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

PHONE_ERROR = "That doesn't look like a phone number - could you type it with the area code?"
EMAIL_ERROR = "That email address doesn't look right - could you check it?"
CONTACT_ERROR = (
    "Could you give me a phone number or an email address so we can reach you "
    "about the appointment?"
)
NAME_ERROR = "Could you tell me your name as you'd like it on the booking?"

MAX_NAME_LENGTH = 100
# Fewer digits than this is more likely a time or a count than a phone number attempt.
_PHONEISH_MIN_DIGITS = 5
# Longer than any phone number or email address anyone types; also keeps parsing cheap.
_MAX_CONTACT_LENGTH = 500

_EMAIL_TOKEN = re.compile(r"[^\s@]+@[^\s@]+")
_TOKEN_OPENERS = "<([{\"'“‘"
_TOKEN_CLOSERS = ".,;:!?)]}>\"'”’"
_NAME_PREFIX = re.compile(
    r"^(?:my\s+name\s+is|i['’]m|it['’]s|this\s+is)(?:\s*[:,\-]\s*|\s+|$)",
    re.IGNORECASE,
)
# Ordinary whitespace is collapsed; any other control character means garbage input.
_PLAIN_WHITESPACE = frozenset("\t\n\r\x0b\x0c")
# Joiners are invisible but needed in some scripts (e.g. Persian names) and emoji.
_ALLOWED_FORMAT_CHARS = frozenset("\u200c\u200d")
# Besides letters, marks and spaces, a name is plain text of these only: no markup
# ("<img src=x onerror=...>"), no quotes or symbols a page or a spreadsheet could act on.
_NAME_PUNCTUATION = frozenset("'’‘-‐–.,()")


class ContactError(ValueError):
    """str(error) is a specific, friendly re-prompt for the client."""


@dataclass(frozen=True)
class Contact:
    """How to reach the client: at least one of phone (E.164) or email (normalised)."""

    phone: str | None
    email: str | None

    @classmethod
    def from_stored(cls, value: str) -> Contact:
        """Back from the single normalised value kept in a conversation slot."""
        return cls(phone=None, email=value) if "@" in value else cls(phone=value, email=None)

    def describe(self) -> str:
        """The phone number or email address, for a booking summary."""
        return ", ".join(value for value in (self.phone, self.email) if value)


def parse_phone(text: str, default_region: str) -> str:
    """A valid phone number in E.164; national numbers are read in default_region."""
    candidate = text.strip()
    # phonenumbers turns letters into keypad digits ("thanks" -> 842657), which would
    # silently store a different number, so anything with letters is refused here.
    if not candidate or len(candidate) > _MAX_CONTACT_LENGTH or _has_letter(candidate):
        raise ContactError(PHONE_ERROR)
    try:
        number = phonenumbers.parse(candidate, default_region.upper())
    except phonenumbers.NumberParseException as error:
        raise ContactError(PHONE_ERROR) from error
    return _e164(number)


def parse_email(text: str) -> str:
    """A syntactically valid email address with its domain normalised (no DNS lookup)."""
    candidate = text.strip()
    if not candidate or len(candidate) > _MAX_CONTACT_LENGTH:
        raise ContactError(EMAIL_ERROR)
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise ContactError(EMAIL_ERROR) from error
    return result.normalized


def parse_contact(text: str, default_region: str) -> Contact:
    """A phone number or email address, typed alone or inside a short sentence."""
    if len(text) > _MAX_CONTACT_LENGTH:
        raise ContactError(CONTACT_ERROR)
    if "@" in text:
        return Contact(phone=None, email=_find_email(text))
    return Contact(phone=_find_phone(text, default_region), email=None)


def clean_name(text: str) -> str:
    """The client's name as typed, minus surrounding/extra whitespace and a lead-in phrase."""
    if any(_is_forbidden_in_name(char) for char in text):
        raise ContactError(NAME_ERROR)
    name = " ".join(text.split())
    name = _NAME_PREFIX.sub("", name, count=1).strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ContactError(NAME_ERROR)
    if any(char.isdigit() for char in name) or not _has_letter(name):
        raise ContactError(NAME_ERROR)
    if not all(_is_name_char(char) for char in name):
        raise ContactError(NAME_ERROR)
    return name


def mask_contact(value: str) -> str:
    """Hide most of a phone number or email address for logs and the CLI."""
    if "@" in value:
        local, _, domain = value.rpartition("@")
        shown = local[:1] if len(local) > 1 else ""
        return shown + "*" * (len(local) - len(shown)) + "@" + domain
    # At most 3 characters each end, and never more than half of a short value.
    keep = min(3, len(value) // 4)
    if keep == 0:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def _find_email(text: str) -> str:
    """The whole text as an email, else the first valid email-like token in it."""
    try:
        return parse_email(text)
    except ContactError:
        pass
    for match in _EMAIL_TOKEN.finditer(text):
        token = match.group().lstrip(_TOKEN_OPENERS).rstrip(_TOKEN_CLOSERS)
        try:
            return parse_email(token)
        except ContactError:
            continue
    raise ContactError(EMAIL_ERROR)


def _find_phone(text: str, default_region: str) -> str:
    """The whole text as a phone number, else the first valid number found inside it."""
    try:
        return parse_phone(text, default_region)
    except ContactError:
        pass
    # The matcher only accepts digit runs that form a whole valid number, so it never
    # glues neighbouring words or two numbers together.
    for match in phonenumbers.PhoneNumberMatcher(text, default_region.upper()):
        if phonenumbers.is_valid_number(match.number):
            return _e164(match.number)
    if sum(char.isdigit() for char in text) >= _PHONEISH_MIN_DIGITS:
        raise ContactError(PHONE_ERROR)
    raise ContactError(CONTACT_ERROR)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    if not phonenumbers.is_valid_number(number):
        raise ContactError(PHONE_ERROR)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _has_letter(text: str) -> bool:
    return any(char.isalpha() for char in text)


def _is_name_char(char: str) -> bool:
    category = unicodedata.category(char)
    return (
        category[0] in "LM"
        # emoji and their skin-tone modifiers (ASCII symbols such as = ^ ` are not allowed)
        or category == "So"
        or (category == "Sk" and ord(char) > 0x7F)
        or char == " "
        or char in _NAME_PUNCTUATION
        or char in _ALLOWED_FORMAT_CHARS
    )


def _is_forbidden_in_name(char: str) -> bool:
    """Control, unassigned, private-use and invisible formatting characters."""
    if char in _PLAIN_WHITESPACE or char in _ALLOWED_FORMAT_CHARS:
        return False
    return unicodedata.category(char).startswith("C")
