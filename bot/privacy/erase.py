"""`clinic privacy erase`: forget one person, found by their phone number or email address."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from bot.booking.contact import Contact, ContactError, mask_contact, parse_contact
from bot.privacy import store_steps, tracker_store
from bot.privacy.matcher import Mentions
from bot.privacy.store_steps import BOOKINGS, ERASED_SENDER, HANDOFFS, OUTBOX, Clock
from bot.privacy.transactions import transactions
from bot.store.models import BookingStatus, ClinicInfo, utc_now

logger = logging.getLogger(__name__)

# Channels whose sender id is the client's phone number (Twilio's WhatsApp "From").
PHONE_SENDER_PREFIXES = ("", "whatsapp:")


class InvalidContact(ValueError):
    """The text given to `erase` is not a phone number or an email address."""


@dataclass(frozen=True)
class EraseReport:
    contact: str  # masked, safe to print
    bookings_anonymised: tuple[str, ...]  # references
    upcoming: tuple[str, ...]  # of those, confirmed appointments still ahead
    handoffs_cleared: int
    conversations_deleted: int | None  # None: TRACKER_DB_URL unset, not touched
    outbox_deleted: int = 0

    @property
    def nothing_found(self) -> bool:
        return not (
            self.bookings_anonymised
            or self.handoffs_cleared
            or self.conversations_deleted
            or self.outbox_deleted
        )


def erase(
    database_url: str, contact_text: str, tracker_url: str | None = None, clock: Clock = utc_now
) -> EraseReport:
    """Forget one person, found by their phone number or email address:

    - their bookings (same phone, or same email in any case): name, phone, email and
      sender id set to NULL; reference, times, practitioner and status stay;
    - handoff requests whose contact or transcript mentions them, or that came from one
      of their conversations: transcript [], contact NULL, sender id replaced;
    - their conversations in the tracker store, all events deleted: those of their
      bookings and handoff requests, those whose sender id is their phone number
      (WhatsApp), and any whose events mention the phone number (in any usual format)
      or the email address.

    Raises InvalidContact if `contact_text` is neither a phone number nor an email.
    """
    now = clock()
    with transactions(database_url, tracker_url) as (store, tracker):
        region = _region(store)
        contact = _parse(contact_text, region)
        mentions = Mentions(contact, region)

        bookings = store.execute(
            select(
                BOOKINGS.c.id,
                BOOKINGS.c.ref,
                BOOKINGS.c.sender_id,
                BOOKINGS.c.status,
                BOOKINGS.c.starts_at,
            )
            .where(_booking_matches(contact))
            .order_by(BOOKINGS.c.starts_at)
        ).all()

        senders = {row.sender_id for row in bookings if row.sender_id}
        senders.update(
            f"{prefix}{contact.phone}" for prefix in PHONE_SENDER_PREFIXES if contact.phone
        )
        handoffs = store.execute(
            select(HANDOFFS.c.id, HANDOFFS.c.sender_id, HANDOFFS.c.contact, HANDOFFS.c.transcript)
        ).all()
        theirs = {row.id for row in handoffs if mentions.handoff(row)}
        senders.update(row.sender_id for row in handoffs if row.id in theirs)
        if tracker is not None:
            senders.update(
                tracker_store.conversations_mentioning(
                    tracker, mentions.token, mentions.raw, mentions.text
                )
            )
        senders.discard(ERASED_SENDER)
        senders = tracker_store.with_legacy_ids(senders)
        # Requests that came from one of their conversations are theirs too.
        theirs.update(row.id for row in handoffs if row.sender_id in senders)
        to_clear = [
            row.id
            for row in handoffs
            if row.id in theirs and store_steps.handoff_has_personal_data(row)
        ]

        conversations = None
        if tracker is not None:
            conversations = tracker_store.existing_conversations(tracker, sorted(senders))
            tracker_store.delete_conversations(tracker, conversations)
        ids = [row.id for row in bookings]
        outbox = store_steps.delete_outbox(
            store, _addressed_to(contact, senders), booking_ids=ids, handoff_ids=theirs
        )
        for chunk in store_steps.chunks(ids):
            store_steps.anonymise_bookings(store, BOOKINGS.c.id.in_(chunk), now)
        cleared = store_steps.clear_handoffs(store, to_clear)
        store_steps.forget_lookup_failures_of(store, sorted(senders))

    refs = tuple(row.ref for row in bookings)
    upcoming = tuple(
        row.ref for row in bookings if row.status == BookingStatus.CONFIRMED and row.starts_at > now
    )
    logger.info(
        "privacy erase: %d bookings anonymised, %d handoffs cleared, %s",
        len(refs),
        cleared,
        tracker_store.conversations_done(None if conversations is None else len(conversations)),
    )
    return EraseReport(
        contact=mask_contact(contact.phone or contact.email or ""),
        bookings_anonymised=refs,
        upcoming=upcoming,
        handoffs_cleared=cleared,
        conversations_deleted=None if conversations is None else len(conversations),
        outbox_deleted=outbox,
    )


def _addressed_to(contact: Contact, senders: set[str]) -> Any:
    """Outbox rows addressed to them: their conversations, WhatsApp number or email."""
    recipients = sorted(senders | {f"whatsapp:{contact.phone}"} if contact.phone else senders)
    addressed = [OUTBOX.c.recipient.in_(chunk) for chunk in store_steps.chunks(recipients)]
    if contact.email:
        addressed.append(func.lower(OUTBOX.c.recipient) == contact.email.lower())
    if contact.phone:
        addressed.append(OUTBOX.c.recipient == contact.phone)
    return or_(*addressed) if addressed else None


def _region(store: Connection) -> str:
    """The clinic's country, for national phone numbers; "ZZ" (international only) if unknown."""
    country = store.execute(select(ClinicInfo.country).limit(1)).scalar_one_or_none()
    return country or "ZZ"


def _parse(text: str, region: str) -> Contact:
    try:
        contact = parse_contact(text, region)
    except ContactError:
        hint = (
            " (the clinic's country is not in the store: give a phone number in"
            " international format, e.g. +44...)"
            if region == "ZZ"
            else ""
        )
        raise InvalidContact(f"not a valid phone number or email address{hint}") from None
    if contact.email:
        return Contact(phone=None, email=contact.email.lower())
    return contact


def _booking_matches(contact: Contact) -> Any:
    if contact.phone:
        return BOOKINGS.c.phone == contact.phone
    return func.lower(BOOKINGS.c.email) == contact.email
