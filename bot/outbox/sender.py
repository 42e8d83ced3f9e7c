"""The sender: claims due outbox rows, hands each to its channel's transport, records how
it went.

Exactly once, as far as a network allows:
- a row is *claimed* in its own short transaction (status `sending`, a random claim token,
  a lease); on PostgreSQL with `SELECT ... FOR UPDATE SKIP LOCKED`, so any number of senders
  share the work and no row is claimed twice; on SQLite one sender runs (a file lock);
- after the transport answers, the row is marked `sent` / `skipped` / retried / `failed`,
  only if the claim is still ours (same token);
- a sender killed between claim and mark leaves the row `sending`; once its lease is over
  another sender (or the restarted one) claims it again. A kill *during* the provider's call,
  after it accepted the message, can therefore repeat it once: no provider we use takes an
  idempotency key. Emails carry a stable Message-ID and the .ics a stable UID/SEQUENCE, so
  mail clients and calendars treat a repeat as the same message.
- failures are retried with exponential backoff; after `max_attempts` the row is `failed`
  and shows in `clinic outbox list --failed`.

Before sending, the kind's preparer (bot/outbox/booking_render.py for bookings) may say the
message is obsolete (its booking moved or was cancelled) or must wait (quiet hours).
Logs carry row ids, kinds, channels and statuses only.
"""

from __future__ import annotations

import fcntl
import logging
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import make_url

from bot.outbox.booking_render import BOOKING_PREPARERS
from bot.outbox.preparing import (
    Claimed,
    Defer,
    Obsolete,
    Preparer,
    send_as_is,
)
from bot.outbox.transports import (
    Delivery,
    PermanentFailure,
    TemporaryFailure,
    Transports,
)
from bot.settings import get_settings
from bot.store.models import OutboxMessage, OutboxStatus
from bot.store.session import StoreUnavailable, session_scope

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)  # longer than any transport's timeout


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Backoff:
    """Wait before retry n (n = 1, 2...): base * 2^(n-1), at most `cap`, +-20% jitter."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.2

    def delay(self, attempt: int) -> timedelta:
        seconds = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** (attempt - 1))
        return timedelta(seconds=seconds * random.uniform(1 - self.jitter, 1 + self.jitter))


@dataclass
class Outcome:
    """What one `run_once` did, by final status (for tests and the CLI)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1

    @property
    def handled(self) -> int:
        return sum(self.counts.values())


def default_preparers() -> dict[str, Preparer]:
    return dict(BOOKING_PREPARERS)


class Sender:
    def __init__(
        self,
        transports: Transports,
        database_url: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        max_attempts: int | None = None,
        lease: timedelta = DEFAULT_LEASE,
        batch_size: int = 20,
        backoff: Backoff | None = None,
        preparers: Mapping[str, Preparer] | None = None,
    ) -> None:
        self.transports = transports
        self.database_url = database_url
        self.clock = clock
        self.max_attempts = max_attempts or get_settings().outbox_max_attempts
        self.lease = lease
        self.batch_size = batch_size
        self.backoff = backoff or Backoff()
        self.preparers = dict(default_preparers() if preparers is None else preparers)

    def _session(self):
        return session_scope(self.database_url)

    # --- claiming ----------------------------------------------------------------------

    def claim(self, limit: int | None = None) -> list[Claimed]:
        """Claim up to `limit` due rows (pending, or `sending` with a lapsed lease)."""
        now = self.clock()
        token = uuid.uuid4().hex
        table = OutboxMessage
        claimable = or_(
            and_(table.status == OutboxStatus.PENDING, table.due_at <= now),
            and_(table.status == OutboxStatus.SENDING, table.claimed_until < now),
        )
        with self._session() as session:
            query = (
                select(table.id)
                .where(claimable)
                .order_by(table.due_at, table.id)
                .limit(limit or self.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(session.execute(query).scalars())
            if not ids:
                return []
            session.execute(
                update(table)
                .where(table.id.in_(ids), claimable)  # re-checked: claims never overlap
                .values(
                    status=OutboxStatus.SENDING,
                    claim_token=token,
                    claimed_until=now + self.lease,
                    attempts=table.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            rows = session.execute(
                select(table).where(table.claim_token == token).order_by(table.due_at, table.id)
            ).scalars()
            return [
                Claimed(
                    id=row.id,
                    kind=row.kind,
                    channel=row.channel,
                    recipient=row.recipient,
                    body=dict(row.body or {}),
                    booking_id=row.booking_id,
                    handoff_id=row.handoff_id,
                    attempts=row.attempts,
                    token=token,
                )
                for row in rows
            ]

    # --- sending -----------------------------------------------------------------------

    def run_once(self) -> Outcome:
        """Claim one batch and deliver it."""
        outcome = Outcome()
        for message in self.claim():
            outcome.add(self.deliver(message))
        return outcome

    def drain(self, max_rounds: int = 100) -> Outcome:
        """Send everything due now (tests, `clinic outbox run --once`)."""
        total = Outcome()
        for _ in range(max_rounds):
            outcome = self.run_once()
            if not outcome.handled:
                break
            for status, count in outcome.counts.items():
                total.counts[status] = total.counts.get(status, 0) + count
        return total

    def deliver(self, message: Claimed) -> str:
        """Prepare, send and record one claimed message; its resulting status."""
        now = self.clock()
        preparer = self.preparers.get(message.kind, send_as_is)
        try:
            with self._session() as session:
                prepared = preparer(session, message, now)
        except StoreUnavailable:
            raise
        except Exception as error:  # a bug in a renderer must not stop the other messages
            logger.exception("outbox: preparing %s (%s) failed", message.id, message.kind)
            return self._failed_attempt(message, f"prepare_{type(error).__name__}", permanent=False)
        if isinstance(prepared, Obsolete):
            return self._finish(message, OutboxStatus.OBSOLETE, prepared.reason)
        if isinstance(prepared, Defer):
            return self._defer(message, prepared)
        channel = prepared.channel or message.channel
        recipient = prepared.recipient or message.recipient
        try:
            delivery = self.transports.send(channel, recipient, prepared.body)
        except PermanentFailure as failure:
            return self._failed_attempt(message, failure.reason, permanent=True)
        except TemporaryFailure as failure:
            return self._failed_attempt(message, failure.reason, permanent=False)
        except Exception as error:  # an unexpected transport error: retry, log its type
            logger.error(
                "outbox: %s (%s) send raised %s", message.id, message.kind, type(error).__name__
            )
            return self._failed_attempt(message, type(error).__name__, permanent=False)
        return self._delivered(message, delivery)

    def _delivered(self, message: Claimed, delivery: Delivery) -> str:
        status = OutboxStatus.SENT if delivery.status == "sent" else OutboxStatus.SKIPPED
        return self._finish(message, status, delivery.reason or None, delivery.provider_id)

    def _failed_attempt(self, message: Claimed, reason: str, permanent: bool) -> str:
        if permanent or message.attempts >= self.max_attempts:
            return self._finish(message, OutboxStatus.FAILED, reason)
        retry_at = self.clock() + self.backoff.delay(message.attempts)
        self._update(
            message,
            status=OutboxStatus.PENDING,
            due_at=retry_at,
            last_error=reason[:200],
            claim_token=None,
            claimed_until=None,
        )
        logger.warning(
            "outbox: %s (%s, %s) attempt %d failed (%s); retry at %s",
            message.id,
            message.kind,
            message.channel,
            message.attempts,
            reason,
            retry_at.isoformat(timespec="seconds"),
        )
        return "retry"

    def _defer(self, message: Claimed, defer: Defer) -> str:
        self._update(
            message,
            status=OutboxStatus.PENDING,
            due_at=defer.until,
            attempts=max(0, message.attempts - 1),  # waiting is not a try
            claim_token=None,
            claimed_until=None,
        )
        logger.info("outbox: %s (%s) deferred (%s)", message.id, message.kind, defer.reason)
        return "deferred"

    def _finish(
        self, message: Claimed, status: OutboxStatus, reason: str | None = None,
        provider_id: str | None = None,
    ) -> str:
        values: dict[str, Any] = {
            "status": status,
            "claim_token": None,
            "claimed_until": None,
            "last_error": (reason or "")[:200] or None,
        }
        if status == OutboxStatus.SENT:
            values["sent_at"] = self.clock()
        self._update(message, **values)
        logger.info(
            "outbox: %s (%s, %s) %s%s%s",
            message.id,
            message.kind,
            message.channel,
            status.value,
            f" ({reason})" if reason else "",
            f" as {provider_id}" if provider_id else "",
        )
        return status.value

    def _update(self, message: Claimed, **values: Any) -> None:
        """Change the row only while our claim holds (a lapsed lease means another sender
        may own it now)."""
        with self._session() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                logger.warning("outbox: %s was no longer ours to update (lease over)", message.id)

    # --- the loop ----------------------------------------------------------------------

    def run_forever(self, poll_seconds: float = 2.0, stop: threading.Event | None = None) -> None:
        """Send until `stop` is set; a store that is down is waited for, not fatal."""
        stop = stop or threading.Event()
        logger.info("outbox: sender running (poll every %.1f s)", poll_seconds)
        while not stop.is_set():
            try:
                outcome = self.run_once()
            except StoreUnavailable as error:
                logger.warning("outbox: store unavailable (%s); waiting", error)
                stop.wait(max(poll_seconds, 5.0))
                continue
            if outcome.handled < self.batch_size:
                stop.wait(poll_seconds)
        logger.info("outbox: sender stopped")


class SingleSenderLock:
    """On SQLite only one sender may run: an exclusive lock on a file next to the database.

    PostgreSQL needs none (rows are claimed with SKIP LOCKED).
    """

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.path: Path | None = None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self.path = Path(url.database).with_suffix(".outbox-sender.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self.path is None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
