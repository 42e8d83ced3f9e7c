"""Guess limits for "reference + contact" checks (changing or cancelling a booking).

Without a limit anyone could try references against a phone number they know, or phone
numbers against a reference. After GUESS_LIMIT_PER_CONVERSATION (3) wrong pairs in a
conversation, or GUESS_LIMIT_PER_SOURCE (10) from one client address, for one reference or
for one contact, within GUESS_WINDOW_SECONDS (an hour), the assistant stops checking and
points to the clinic's phone. Every refused check is kept for staff (`clinic lockouts
list`).

The action server never sees a client's address: the channels put a keyed hash of it in
the message metadata (`ADDRESS_METADATA_KEY`, see address_key), and only the hash is
kept. Contacts are kept only as keyed hashes too; the key is ACTION_SERVER_TOKEN, which
both servers have (changing it only resets the counts).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select

from bot.booking.contact import ContactError, parse_contact
from bot.booking.records import json_fields
from bot.booking.refs import normalise_reference
from bot.store.models import BookingLookupFailure
from bot.store.session import session_scope

ADDRESS_METADATA_KEY = "client_address_key"


class TooManyGuesses(Exception):
    """The limit is reached: do not check this pair; tell the client to call instead."""


@dataclass(frozen=True)
class Lockout:
    """A refused check, as staff see it (no contact details)."""

    id: int
    created_at: datetime
    channel: str
    sender_id: str | None
    ref: str | None

    def as_json(self) -> dict:
        return json_fields(self)


@dataclass(frozen=True)
class Asker:
    """Who is checking: the conversation and, when the channel knows it, the address key."""

    channel: str
    conversation: str
    address_key: str | None = None


def _secret() -> bytes:
    from bot.settings import get_settings

    return ("clinic-guesses:" + get_settings().action_server_token).encode("utf-8")


def keyed_hash(value: str) -> str:
    return hmac.new(_secret(), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def address_key(address: str | None) -> str | None:
    """What a channel puts in the metadata for a client's address (never the address)."""
    return keyed_hash("address:" + address) if address else None


def _contact_key(contact_text: str, region: str) -> str | None:
    try:
        contact = parse_contact(contact_text or "", region)
    except ContactError:
        return None
    value = contact.phone or (contact.email or "").lower()
    return keyed_hash("contact:" + value) if value else None


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class GuessLimiter:
    def __init__(
        self,
        database_url: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        per_conversation: int | None = None,
        per_source: int | None = None,
        window_seconds: int | None = None,
    ) -> None:
        from bot.settings import get_settings

        settings = get_settings()
        self.database_url = database_url
        self.clock = clock
        self.per_conversation = per_conversation or settings.guess_limit_per_conversation
        self.per_source = per_source or settings.guess_limit_per_source
        self.window = timedelta(seconds=window_seconds or settings.guess_window_seconds)

    def check(self, asker: Asker, ref_text: str, contact_text: str, region: str) -> None:
        """Raise TooManyGuesses (and keep the refused attempt) when over a limit."""
        ref = normalise_reference(ref_text or "")
        contact_key = _contact_key(contact_text, region)
        if self._over_limit(asker, ref, contact_key):
            self._record(asker, ref, contact_key, locked_out=True)
            raise TooManyGuesses("too many wrong reference and contact pairs")

    def failed(self, asker: Asker, ref_text: str, contact_text: str, region: str) -> bool:
        """Keep a wrong pair; whether the limit is reached with it (then stop asking)."""
        ref = normalise_reference(ref_text or "")
        contact_key = _contact_key(contact_text, region)
        self._record(asker, ref, contact_key, locked_out=False)
        if self._over_limit(asker, ref, contact_key):
            self._record(asker, ref, contact_key, locked_out=True)
            return True
        return False

    def lockouts(self, since: datetime | None = None) -> list[Lockout]:
        with session_scope(self.database_url) as session:
            query = (
                select(BookingLookupFailure)
                .where(BookingLookupFailure.locked_out.is_(True))
                .order_by(BookingLookupFailure.created_at.desc())
            )
            if since is not None:
                query = query.where(BookingLookupFailure.created_at >= since)
            return [
                Lockout(row.id, row.created_at, row.channel, row.sender_id, row.ref)
                for row in session.execute(query).scalars()
            ]

    def _over_limit(self, asker: Asker, ref: str | None, contact_key: str | None) -> bool:
        since = self.clock() - self.window
        failures = (BookingLookupFailure.locked_out.is_(False),
                    BookingLookupFailure.created_at >= since)
        with session_scope(self.database_url) as session:

            def count(condition) -> int:
                return session.execute(
                    select(func.count()).select_from(BookingLookupFailure)
                    .where(*failures, condition)
                ).scalar_one()

            if count(BookingLookupFailure.sender_id == asker.conversation) >= self.per_conversation:
                return True
            sources = [
                column == value
                for column, value in (
                    (BookingLookupFailure.address_key, asker.address_key),
                    (BookingLookupFailure.ref, ref),
                    (BookingLookupFailure.contact_key, contact_key),
                )
                if value
            ]
            return any(count(or_(source)) >= self.per_source for source in sources)

    def _record(
        self, asker: Asker, ref: str | None, contact_key: str | None, locked_out: bool
    ) -> None:
        with session_scope(self.database_url) as session:
            session.add(
                BookingLookupFailure(
                    channel=(asker.channel or "unknown")[:32],
                    sender_id=(asker.conversation or None) and asker.conversation[:255],
                    ref=ref,
                    contact_key=contact_key,
                    address_key=asker.address_key,
                    locked_out=locked_out,
                    created_at=self.clock(),
                )
            )
