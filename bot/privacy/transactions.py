"""One transaction on the store and one on the tracker store, committed together.

When the two are different databases they cannot share a transaction, so the tracker
store is committed first: if the store's commit then failed, what leads to the person's
conversations is still there and re-running the command finishes the job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection, Engine, RootTransaction, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.privacy.tracker_store import EVENTS, TRACKER_DB_URL_ENV
from bot.store.session import get_engine

logger = logging.getLogger(__name__)


class PrivacyError(RuntimeError):
    """Purge or erase could not be done; nothing was changed. The message is safe to print."""


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
def transactions(
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
                _commit_store(store_tx, after_tracker=tracker_tx is not None)
            except BaseException:
                _rollback(tracker_tx, store_tx)
                raise
            finally:
                if tracker is not None and tracker is not store:
                    tracker.close()
    finally:
        if tracker_engine is not None:
            tracker_engine.dispose()


def _commit_store(store_tx: RootTransaction, after_tracker: bool) -> None:
    try:
        store_tx.commit()
    except (SQLAlchemyError, OSError) as error:
        if not after_tracker:
            raise PrivacyError(
                f"committing to the store failed ({type(error).__name__}); nothing was changed"
            ) from None
        raise PrivacyError(
            f"committing to the store failed ({type(error).__name__}) after the "
            "conversations were deleted; the store is unchanged: run the command "
            "again to finish"
        ) from None


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
