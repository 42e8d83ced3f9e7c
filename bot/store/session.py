"""Engines and short-lived sessions: one session per request, never a global one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import get_settings


class StoreUnavailable(RuntimeError):
    """The store could not be reached (down, locked or timed out)."""


def _connect_args(url: str, timeout: float) -> dict:
    if url.startswith("sqlite"):
        # Rasa's action server runs actions in threads; SQLite must allow that.
        return {"timeout": timeout, "check_same_thread": False}
    if url.startswith("postgresql"):
        return {"connect_timeout": max(1, int(timeout))}
    return {}


@lru_cache(maxsize=8)
def get_engine(url: str | None = None, connect_timeout: float | None = None) -> Engine:
    """A pooled engine per database URL (cached: engines are meant to be long-lived)."""
    settings = get_settings()
    url = url or settings.database_url
    timeout = settings.db_connect_timeout if connect_timeout is None else connect_timeout
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, future=True, pool_pre_ping=True, connect_args=_connect_args(url, timeout)
    )
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success, rolls back on error and always closes.

    Connection failures surface as `StoreUnavailable`, so callers can answer
    politely instead of crashing.
    """
    factory = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except (OperationalError, DBAPIError) as error:
        session.rollback()
        if getattr(error, "connection_invalidated", False) or isinstance(error, OperationalError):
            raise StoreUnavailable(str(error.orig or error)) from error
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
