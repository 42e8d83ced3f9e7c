"""Does a text mention a person's phone number (any usual format) or email address?"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from bot.booking.contact import Contact, ContactError, parse_contact


class Mentions:
    """Finds one person's phone number or email address in texts (clients type them in many
    formats; events hold them as E.164 or as typed)."""

    def __init__(self, contact: Contact, region: str) -> None:
        self.contact = contact
        self.region = region
        if contact.phone:
            self.token = contact.phone
            number = phonenumbers.parse(contact.phone, None)
            self.national = str(number.national_number)
            self.exact = re.compile(rf"(?<![\d+]){re.escape(contact.phone)}(?!\d)")
        else:
            self.token = contact.email or ""
            self.exact = re.compile(
                rf"(?<![\w.+%-]){re.escape(self.token)}(?![\w-]|\.[\w-])", re.IGNORECASE
            )

    def raw(self, text: str) -> bool:
        """The exact E.164 number or email address inside any text (e.g. an event's JSON)."""
        return bool(self.exact.search(text))

    def text(self, text: str | None) -> bool:
        """The number or address as a person would type it."""
        if not text:
            return False
        if self.raw(text):
            return True
        if not self.contact.phone:
            return False
        # Cheap check first: the number's digits must all be there in order.
        if self.national not in re.sub(r"\D", "", text):
            return False
        try:
            if parse_contact(text, self.region).phone == self.contact.phone:
                return True
        except ContactError:
            pass
        return any(
            phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            == self.contact.phone
            for match in phonenumbers.PhoneNumberMatcher(text, self.region)
        )

    def handoff(self, row: Any) -> bool:
        """A handoff request's contact or transcript mentions them."""
        return self.text(row.contact) or any(
            self.text(line.get("text")) for line in (row.transcript or []) if isinstance(line, dict)
        )
