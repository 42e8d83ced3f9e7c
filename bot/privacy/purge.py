"""`clinic privacy purge`: forget the personal data older than an age."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from bot.privacy import store_steps, tracker_store
from bot.privacy.store_steps import BOOKINGS, HANDOFFS, OUTBOX, OUTBOX_WAITING, Clock
from bot.privacy.transactions import transactions
from bot.store.models import utc_now

logger = logging.getLogger(__name__)

_AGE = re.compile(r"(\d{1,6})([dwh])")
_AGE_UNITS = {"d": "days", "w": "weeks", "h": "hours"}
MAX_AGE = timedelta(days=100 * 365)  # more is a typo (and would underflow datetime)


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    bookings_anonymised: int
    handoffs_cleared: int
    # None: no tracker store configured (TRACKER_DB_URL unset), conversations not touched.
    conversations_deleted: int | None
    events_deleted: int | None
    outbox_deleted: int = 0


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


def purge(
    database_url: str, older_than: timedelta, tracker_url: str | None = None, clock: Clock = utc_now
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
    with transactions(database_url, tracker_url) as (store, tracker):
        conversations = events = None
        if tracker is not None:
            conversations, events = tracker_store.purge_idle_conversations(tracker, cutoff)
        old_handoffs = _old_handoffs(store, cutoff)
        # Messages about what is forgotten here, and any sent or dropped before the cutoff.
        outbox = store_steps.delete_outbox(
            store,
            or_(
                OUTBOX.c.booking_id.in_(select(BOOKINGS.c.id).where(BOOKINGS.c.ends_at < cutoff)),
                and_(OUTBOX.c.created_at < cutoff, OUTBOX.c.status.not_in(OUTBOX_WAITING)),
            ),
            handoff_ids=old_handoffs,
        )
        bookings = store_steps.anonymise_bookings(store, BOOKINGS.c.ends_at < cutoff, now)
        handoffs = store_steps.clear_handoffs(store, old_handoffs)
        store_steps.forget_lookup_failures_before(store, cutoff)
    logger.info(
        "privacy purge before %s: %d bookings anonymised, %d handoffs cleared, %s",
        cutoff.isoformat(),
        bookings,
        handoffs,
        tracker_store.conversations_done(conversations),
    )
    return PurgeReport(cutoff, bookings, handoffs, conversations, events, outbox)


def _old_handoffs(store: Connection, cutoff: datetime) -> list[int]:
    rows = store.execute(
        select(HANDOFFS.c.id, HANDOFFS.c.transcript, HANDOFFS.c.contact, HANDOFFS.c.sender_id)
        .where(HANDOFFS.c.created_at < cutoff)
        .order_by(HANDOFFS.c.id)
    )
    return [row.id for row in rows if store_steps.handoff_has_personal_data(row)]
