"""Engines and short-lived sessions: one session per request, never a global one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings
from bot.store.models import utc_now


class StoreUnavailable(RuntimeError):
    """The store could not be reached (down, locked or timed out)."""


def _connect_args(url: str, timeout: float) -> dict:
    if url.startswith("sqlite"):
        # Rasa's action server runs actions in threads; SQLite must allow that.
        return {"timeout": timeout, "check_same_thread": False}
    if url.startswith("postgresql"):
        return {"connect_timeout": max(1, int(timeout))}
    return {}


def get_engine(url: str | None = None, connect_timeout: float | None = None) -> Engine:
    """The pooled engine of a database URL (default: the DATABASE_URL setting)."""
    settings = get_settings()
    timeout = settings.db_connect_timeout if connect_timeout is None else connect_timeout
    return _cached_engine(url or settings.database_url, timeout)


@lru_cache(maxsize=8)
def _cached_engine(url: str, timeout: float) -> Engine:
    """One engine per URL: engines own connection pools and are meant to be long-lived."""
    engine = create_engine(
        url, future=True, connect_args=_connect_args(url, timeout), **_pool_args(url)
    )
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _pool_args(url: str) -> dict:
    """Keep SQLite file connections open between sessions.

    SQLAlchemy 1.4 gives file-based SQLite a NullPool: every session opened a new
    connection and re-ran the PRAGMAs below, ~8% of the action server's CPU under load.
    QueuePool is what SQLAlchemy 2.0 uses for SQLite files; WAL lets those pooled readers
    and one writer work side by side. Like any open database, a file swapped underneath a
    running server (restoring a backup with `mv`) is seen after a restart; `clinic`'s own
    writes go through transactions and are seen at once.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A network database may drop idle connections: test each one before use.
        return {"pool_pre_ping": True}
    in_memory = parsed.database in (None, "", ":memory:") or "mode=memory" in url
    # A local file cannot go away under an open connection; a failed one is invalidated
    # by session_scope instead of pinged before every use.
    return {} if in_memory else {"poolclass": QueuePool}


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL: readers (the action server) are not blocked while a booking is written.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success, rolls back on error and always closes.

    Connection failures surface as `StoreUnavailable`, so callers can answer
    politely instead of crashing.
    """
    try:
        engine = get_engine(url)
    except (SQLAlchemyError, OSError, ImportError) as error:
        raise StoreUnavailable(f"cannot open the store: {type(error).__name__}") from error
    session = Session(bind=engine, future=True, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except IntegrityError:
        # A constraint said no (e.g. a slot taken meanwhile): the caller decides what it means.
        session.rollback()
        raise
    except (DBAPIError, OSError) as error:
        # The connection may be the broken part: drop it from the pool, the next session
        # opens a fresh one (this is how the assistant recovers once the store is back).
        session.invalidate()
        raise StoreUnavailable(f"store error: {type(error).__name__}") from error
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class StoreClient:
    """A service that opens a short session on one store per call and reads the time from
    one clock (tests pass a fixed one)."""

    def __init__(
        self, database_url: str | None = None, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.database_url = database_url
        self.clock = clock

    def _session(self) -> AbstractContextManager[Session]:
        return session_scope(self.database_url)
