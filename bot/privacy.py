"""Data retention and erasure: `clinic privacy purge` and `clinic privacy erase`.

Two databases hold what clients told us:

- the store (DATABASE_URL): bookings (name, phone, email, sender id) and handoff
  requests (transcript of the last turns, contact, sender id);
- Rasa's tracker store (TRACKER_DB_URL, Rasa's `SQLTrackerStore`): every event of every
  conversation, one row each in its `events` table.

`purge` forgets what is older than a cutoff; `erase` forgets one person. Both keep the
clinic's records (a booking's reference, times, practitioner and status stay) and only
remove what identifies or describes the client.

Each database is changed in one transaction: any failure rolls both back. When the two
are different databases they cannot share a transaction, so the tracker store is
committed first: if the store's commit then failed, the bookings and handoffs that lead
to the person's conversations are still there and re-running the command finishes the
job. When TRACKER_DB_URL is the store's own URL one transaction covers everything.

Nothing here logs or raises with a client's phone, email, name or messages: database
errors are reported by their type only (their text can carry the statement's values).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import phonenumbers
from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
    delete,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, RootTransaction, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.booking.contact import Contact, ContactError, mask_contact, parse_contact
from bot.store.models import (
    Booking,
    BookingLookupFailure,
    BookingStatus,
    ClinicInfo,
    ConversationTakeover,
    HandoffMessage,
    HandoffRequest,
    OutboxMessage,
)
from bot.store.session import get_engine

logger = logging.getLogger(__name__)

TRACKER_DB_URL_ENV = "TRACKER_DB_URL"
# A handoff request's sender id cannot be NULL; this replaces it once the request is cleared
# (on WhatsApp the sender id is the client's phone number).
ERASED_SENDER = "(erased)"
# Channels whose sender id is the client's phone number (Twilio's WhatsApp "From").
PHONE_SENDER_PREFIXES = ("", "whatsapp:")
# Rows per IN (...) list: well under SQLite's limit on bound parameters.
CHUNK = 500

_AGE = re.compile(r"(\d{1,6})([dwh])")
_AGE_UNITS = {"d": "days", "w": "weeks", "h": "hours"}
MAX_AGE = timedelta(days=100 * 365)  # more is a typo (and would underflow datetime)

# Rasa's SQLTrackerStore table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), only the
# columns used here. Declared, not imported: bot/ does not depend on Rasa's server code.
EVENTS = Table(
    "events",
    MetaData(),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("data", Text),
)

BOOKINGS = Booking.__table__
HANDOFFS = HandoffRequest.__table__
OUTBOX = OutboxMessage.__table__
# Outbox rows still to be sent (a reminder for an appointment far ahead is kept by purge).
OUTBOX_WAITING = ("pending", "sending")
LOOKUP_FAILURES = BookingLookupFailure.__table__
# Channels whose conversation ids got a "<channel>:" prefix in migration 0003; the tracker
# store may still hold their older conversations under the bare id.
LEGACY_BARE_ID_CHANNELS = ("rest:", "widget:", "telegram:")


def with_legacy_ids(senders: set[str]) -> set[str]:
    """The conversation ids plus the bare ids their channel used before migration 0003."""
    legacy = {
        sender.removeprefix(prefix)
        for sender in senders
        for prefix in LEGACY_BARE_ID_CHANNELS
        if sender.startswith(prefix)
    }
    return senders | legacy


class PrivacyError(RuntimeError):
    """Purge or erase could not be done; nothing was changed. The message is safe to print."""


class InvalidContact(ValueError):
    """The text given to `erase` is not a phone number or an email address."""


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    bookings_anonymised: int
    handoffs_cleared: int
    # None: no tracker store configured (TRACKER_DB_URL unset), conversations not touched.
    conversations_deleted: int | None
    events_deleted: int | None
    outbox_deleted: int = 0


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


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def tracker_url_from_env(env: dict[str, str] | None = None) -> str | None:
    """Rasa's tracker store database, or None when conversations are not kept in SQL.

    TRACKER_DB_URL; in production mode (CLINIC_ENV=production) it defaults to
    DATABASE_URL, as in bot.production, which configures Rasa's tracker store.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    value = environ.get(TRACKER_DB_URL_ENV, "").strip()
    if not value and environ.get("CLINIC_ENV") == "production":
        value = environ.get("DATABASE_URL", "").strip()
    return value or None


def parse_age(text: str) -> timedelta:
    """`180d`, `26w` or `12h` (days, weeks, hours; at least 1) as a timedelta."""
    match = _AGE.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(f"not a valid age: {text!r} (expected e.g. 180d, 26w or 12h)")
    amount, unit = int(match.group(1)), match.group(2)
    if amount < 1:
        raise ValueError(f"the age must be at least 1{unit}, got {text!r}")
    age = timedelta(**{_AGE_UNITS[unit]: amount})
    if age > MAX_AGE:
        raise ValueError(f"{text!r} is more than {MAX_AGE.days // 365} years")
    return age


# --- purge -----------------------------------------------------------------------------


def purge(
    database_url: str,
    older_than: timedelta,
    tracker_url: str | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> PurgeReport:
    """Forget what is older than `older_than`:

    - bookings that ended before the cutoff: name, phone, email and sender id set to NULL
      (the booking itself stays: it is the clinic's record);
    - handoff requests created before the cutoff, open or closed: transcript [], contact
      NULL, sender id replaced (the request itself stays, with channel, reason and status);
    - conversations in the tracker store whose last event is before the cutoff: all their
      events are deleted (whole conversations only; one still going on is kept whole).
    """
    now = clock()
    cutoff = now - older_than
    with _transactions(database_url, tracker_url) as (store, tracker):
        conversations = events = None
        if tracker is not None:
            conversations, events = _purge_conversations(tracker, cutoff)
        old_handoffs = _old_handoffs(store, cutoff)
        # Messages about what is forgotten here, and any sent or dropped before the cutoff.
        outbox = _delete_outbox(
            store,
            or_(
                OUTBOX.c.booking_id.in_(select(BOOKINGS.c.id).where(BOOKINGS.c.ends_at < cutoff)),
                and_(OUTBOX.c.created_at < cutoff, OUTBOX.c.status.not_in(OUTBOX_WAITING)),
            ),
            handoff_ids=old_handoffs,
        )
        bookings = _anonymise_bookings(store, BOOKINGS.c.ends_at < cutoff, now)
        handoffs = _clear_handoffs(store, old_handoffs)
        # Refused booking checks name the conversation: forgotten with the rest.
        store.execute(delete(LOOKUP_FAILURES).where(LOOKUP_FAILURES.c.created_at < cutoff))
    logger.info(
        "privacy purge before %s: %d bookings anonymised, %d handoffs cleared, %s",
        cutoff.isoformat(),
        bookings,
        handoffs,
        _conversations_done(conversations),
    )
    return PurgeReport(cutoff, bookings, handoffs, conversations, events, outbox)


def _purge_conversations(tracker: Connection, cutoff: datetime) -> tuple[int, int]:
    cutoff_ts = cutoff.timestamp()
    idle = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff_ts)
    )
    senders = list(tracker.execute(idle).scalars())
    conversations = events = 0
    for chunk in _chunks(senders):
        # Re-checked just before deleting: a conversation that came back to life since the
        # query above is kept whole.
        active = set(
            tracker.execute(
                select(EVENTS.c.sender_id)
                .where(EVENTS.c.sender_id.in_(chunk), EVENTS.c.timestamp >= cutoff_ts)
                .distinct()
            ).scalars()
        )
        gone = [sender for sender in chunk if sender not in active]
        conversations += len(gone)
        events += _delete_conversations(tracker, gone)
    return conversations, events


def _old_handoffs(store: Connection, cutoff: datetime) -> list[int]:
    rows = store.execute(
        select(HANDOFFS.c.id, HANDOFFS.c.transcript, HANDOFFS.c.contact, HANDOFFS.c.sender_id)
        .where(HANDOFFS.c.created_at < cutoff)
        .order_by(HANDOFFS.c.id)
    )
    return [row.id for row in rows if _handoff_has_personal_data(row)]


# --- erase -----------------------------------------------------------------------------


def erase(
    database_url: str,
    contact_text: str,
    tracker_url: str | None = None,
    clock: Callable[[], datetime] = _utc_now,
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
    with _transactions(database_url, tracker_url) as (store, tracker):
        region = _region(store)
        contact = _parse(contact_text, region)
        mentions = _Matcher(contact, region)

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
            senders.update(_conversations_mentioning(tracker, mentions))
        senders.discard(ERASED_SENDER)
        senders = with_legacy_ids(senders)
        # Requests that came from one of their conversations are theirs too.
        theirs.update(row.id for row in handoffs if row.sender_id in senders)
        to_clear = [
            row.id for row in handoffs if row.id in theirs and _handoff_has_personal_data(row)
        ]

        conversations = None
        if tracker is not None:
            conversations = _existing_conversations(tracker, sorted(senders))
            _delete_conversations(tracker, conversations)
        ids = [row.id for row in bookings]
        # Their messages: of their bookings and handoffs, or addressed to them.
        recipients = sorted(senders | {f"whatsapp:{contact.phone}"} if contact.phone else senders)
        addressed = [OUTBOX.c.recipient.in_(chunk) for chunk in _chunks(recipients)]
        if contact.email:
            addressed.append(func.lower(OUTBOX.c.recipient) == contact.email.lower())
        if contact.phone:
            addressed.append(OUTBOX.c.recipient == contact.phone)
        outbox = _delete_outbox(
            store, or_(*addressed) if addressed else None, booking_ids=ids, handoff_ids=theirs
        )
        for chunk in _chunks(ids):
            _anonymise_bookings(store, BOOKINGS.c.id.in_(chunk), now)
        cleared = _clear_handoffs(store, to_clear)
        for chunk in _chunks(sorted(senders)):
            store.execute(delete(LOOKUP_FAILURES).where(LOOKUP_FAILURES.c.sender_id.in_(chunk)))

    refs = tuple(row.ref for row in bookings)
    upcoming = tuple(
        row.ref for row in bookings if row.status == BookingStatus.CONFIRMED and row.starts_at > now
    )
    logger.info(
        "privacy erase: %d bookings anonymised, %d handoffs cleared, %s",
        len(refs),
        cleared,
        _conversations_done(None if conversations is None else len(conversations)),
    )
    return EraseReport(
        contact=mask_contact(contact.phone or contact.email or ""),
        bookings_anonymised=refs,
        upcoming=upcoming,
        handoffs_cleared=cleared,
        conversations_deleted=None if conversations is None else len(conversations),
        outbox_deleted=outbox,
    )


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


def _booking_matches(contact: Contact):
    if contact.phone:
        return BOOKINGS.c.phone == contact.phone
    return func.lower(BOOKINGS.c.email) == contact.email


class _Matcher:
    """Does a text mention the person's phone number (any usual format) or email address?"""

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

    def handoff(self, row) -> bool:
        return self.text(row.contact) or any(
            self.text(line.get("text")) for line in (row.transcript or []) if isinstance(line, dict)
        )


def _conversations_mentioning(tracker: Connection, mentions: _Matcher) -> set[str]:
    """Sender ids of conversations with an event that mentions the person."""
    found: set[str] = set()
    exact = tracker.execute(
        select(EVENTS.c.sender_id, EVENTS.c.data).where(
            func.lower(EVENTS.c.data).contains(mentions.token.lower(), autoescape=True)
        )
    )
    found.update(row.sender_id for row in exact if mentions.raw(row.data or ""))
    # What clients typed, in whatever format ("07911 123 456"): read the user events' text.
    typed = tracker.execute(
        select(EVENTS.c.sender_id, EVENTS.c.data)
        .where(EVENTS.c.type_name == "user")
        .execution_options(stream_results=True)
    )
    for row in typed:
        if row.sender_id not in found and mentions.text(_user_text(row.data)):
            found.add(row.sender_id)
    return found


def _user_text(data: str | None) -> str | None:
    if not data:
        return None
    try:
        event = json.loads(data)
    except ValueError:
        return data
    text = event.get("text") if isinstance(event, dict) else None
    return text if isinstance(text, str) else None


def _existing_conversations(tracker: Connection, senders: list[str]) -> list[str]:
    existing: list[str] = []
    for chunk in _chunks(senders):
        existing.extend(
            tracker.execute(
                select(EVENTS.c.sender_id).where(EVENTS.c.sender_id.in_(chunk)).distinct()
            ).scalars()
        )
    return sorted(existing)


# --- shared steps ----------------------------------------------------------------------


def _anonymise_bookings(store: Connection, which, now: datetime) -> int:
    """Personal fields of the bookings `which` selects to NULL; how many had any."""
    has_personal_data = or_(
        BOOKINGS.c.client_name.is_not(None),
        BOOKINGS.c.phone.is_not(None),
        BOOKINGS.c.email.is_not(None),
        BOOKINGS.c.sender_id.is_not(None),
    )
    result = store.execute(
        update(BOOKINGS)
        .where(which, has_personal_data)
        .values(client_name=None, phone=None, email=None, sender_id=None, updated_at=now)
    )
    return result.rowcount


def _delete_outbox(
    store: Connection,
    which=None,
    booking_ids: Iterable[int] = (),
    handoff_ids: Iterable[int] = (),
) -> int:
    """Delete outbox rows (sent or not) that `which` selects or that belong to the given
    bookings or handoffs; how many."""
    deleted = 0
    if which is not None:
        deleted += store.execute(delete(OUTBOX).where(which)).rowcount
    for column, ids in ((OUTBOX.c.booking_id, booking_ids), (OUTBOX.c.handoff_id, handoff_ids)):
        for chunk in _chunks(sorted(ids)):
            deleted += store.execute(delete(OUTBOX).where(column.in_(chunk))).rowcount
    return deleted


def _handoff_has_personal_data(row) -> bool:
    return bool(row.transcript) or row.contact is not None or row.sender_id != ERASED_SENDER


def _clear_handoffs(store: Connection, ids: list[int]) -> int:
    for chunk in _chunks(ids):
        store.execute(
            update(HANDOFFS)
            .where(HANDOFFS.c.id.in_(chunk))
            .values(transcript=[], contact=None, sender_id=ERASED_SENDER)
        )
        # What the client and staff wrote after the request (the console's transcript).
        messages = HandoffMessage.__table__
        store.execute(delete(messages).where(messages.c.handoff_id.in_(chunk)))
        takeovers = ConversationTakeover.__table__
        store.execute(delete(takeovers).where(takeovers.c.handoff_id.in_(chunk)))
    return len(ids)


def _delete_conversations(tracker: Connection, senders: list[str]) -> int:
    deleted = 0
    for chunk in _chunks(senders):
        deleted += tracker.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))).rowcount
    return deleted


def _conversations_done(deleted: int | None) -> str:
    if deleted is None:
        return f"conversations not touched ({TRACKER_DB_URL_ENV} not set)"
    return f"{deleted} conversations deleted"


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- transactions ----------------------------------------------------------------------


def _same_database(first: str, second: str) -> bool:
    try:
        return make_url(first) == make_url(second)
    except ArgumentError:
        return first == second


def _tracker_engine(url: str) -> Engine:
    """A private engine for Rasa's database (no pragmas or settings of ours applied)."""
    try:
        parsed = make_url(url)
        if (
            parsed.get_backend_name() == "sqlite"
            and parsed.database
            and parsed.database != ":memory:"
            and not Path(parsed.database).is_file()
        ):
            # Connecting would create an empty file and hide a typo in the path.
            raise PrivacyError(f"{TRACKER_DB_URL_ENV} names a SQLite file that does not exist")
        return create_engine(url, future=True)
    except (ArgumentError, ImportError) as error:
        raise PrivacyError(
            f"{TRACKER_DB_URL_ENV} is not a usable database URL ({type(error).__name__})"
        ) from None


@contextmanager
def _failures_as(what: str) -> Iterator[None]:
    try:
        yield
    except (SQLAlchemyError, OSError) as error:
        # Only the type: a database error's text can quote the statement's values.
        raise PrivacyError(f"{what} failed ({type(error).__name__}); nothing was changed") from None


@contextmanager
def _transactions(
    store_url: str, tracker_url: str | None
) -> Iterator[tuple[Connection, Connection | None]]:
    """A transaction on the store and one on the tracker store (the same one if they are the
    same database). Committed together at the end, the tracker's first; rolled back on error."""
    shared = tracker_url is not None and _same_database(store_url, tracker_url)
    tracker_engine = _tracker_engine(tracker_url) if tracker_url and not shared else None
    try:
        with _failures_as("the store (DATABASE_URL)"):
            store = get_engine(store_url).connect()
        with store:
            store_tx = store.begin()
            tracker: Connection | None = store if shared else None
            tracker_tx = None
            if tracker_engine is not None:
                with _failures_as(f"the tracker store ({TRACKER_DB_URL_ENV})"):
                    tracker = tracker_engine.connect()
                    tracker_tx = tracker.begin()
            try:
                if tracker is not None:
                    _check_events_table(tracker)
                with _failures_as("updating the store or the tracker store"):
                    yield store, tracker
                with _failures_as(f"committing to the tracker store ({TRACKER_DB_URL_ENV})"):
                    if tracker_tx is not None:
                        tracker_tx.commit()
                try:
                    store_tx.commit()
                except (SQLAlchemyError, OSError) as error:
                    if tracker_tx is None:
                        raise PrivacyError(
                            f"committing to the store failed ({type(error).__name__}); "
                            "nothing was changed"
                        ) from None
                    raise PrivacyError(
                        f"committing to the store failed ({type(error).__name__}) after the "
                        "conversations were deleted; the store is unchanged: run the command "
                        "again to finish"
                    ) from None
            except BaseException:
                _rollback(tracker_tx, store_tx)
                raise
            finally:
                if tracker is not None and tracker is not store:
                    tracker.close()
    finally:
        if tracker_engine is not None:
            tracker_engine.dispose()


def _check_events_table(tracker: Connection) -> None:
    with _failures_as(f"reading the tracker store ({TRACKER_DB_URL_ENV})"):
        present = inspect(tracker).has_table(EVENTS.name)
    if not present:
        raise PrivacyError(
            f"the database in {TRACKER_DB_URL_ENV} has no `events` table: is it Rasa's "
            "SQL tracker store? Nothing was changed."
        )


def _rollback(*transactions: RootTransaction | None) -> None:
    for transaction in transactions:
        if transaction is not None and transaction.is_active:
            try:
                transaction.rollback()
            except SQLAlchemyError:
                # The connection is gone: the database discards the transaction itself.
                logger.warning("privacy: a rollback failed; the connection was lost")
