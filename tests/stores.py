"""Temporary stores for tests: SQLite files copied from a template, PostgreSQL databases.

Migrating and loading the knowledge takes about a second; copying a loaded SQLite file
takes a millisecond, so the suite builds each kind of store once and copies it per test.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bot.knowledge.loader import load_knowledge
from bot.settings import get_settings
from bot.store import migrate
from bot.store.session import get_engine

# data/knowledge, or the KNOWLEDGE_DIR setting: the whole suite can run against edited
# knowledge files (a price or phone change must not break it).
KNOWLEDGE_DIR = get_settings().knowledge_dir
# One worker: drops run one after another, in the background of the tests.
_DROPS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def build_sqlite_template(path: Path, loaded: bool) -> Path:
    """A migrated SQLite file (loaded with the clinic's knowledge if `loaded`), closed so
    that it is one self-contained file (WAL checkpointed) that can be copied."""
    url = sqlite_url(path)
    migrate.upgrade(url)
    if loaded:
        load_knowledge(KNOWLEDGE_DIR, url)
    get_engine(url).dispose()
    return path


def copy_store(template: Path, target: Path) -> str:
    """A private copy of a template store; returns its URL."""
    shutil.copyfile(template, target)
    return sqlite_url(target)


def build_postgres_template(url: str) -> str:
    """Migrate and load a PostgreSQL database, then close every connection to it so that
    it can serve as a template; returns its name."""
    migrate.upgrade(url)
    load_knowledge(KNOWLEDGE_DIR, url)
    get_engine(url).dispose()
    return make_url(url).database


@contextmanager
def temporary_postgres(prefix: str = "clinic_test", template: str | None = None) -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards: empty, or a copy of the
    database named `template` (a file-level copy, much faster than migrating and loading).

    PostgreSQL runs on this machine and in CI: if it is unreachable the test fails
    (it must not silently skip).
    """
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            copy_of = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    except Exception as error:  # noqa: BLE001 - any failure here means "no PostgreSQL"
        admin.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is needed for this test: {error}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        # Dropping takes PostgreSQL a second or two of disk work: let the next test run
        # meanwhile (finish_postgres_drops waits for all at the end of the run).
        _DROPS.submit(_drop, admin, name)


def _drop(admin: Engine, name: str) -> None:
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def finish_postgres_drops() -> None:
    """Wait until every temporary PostgreSQL database is dropped (end of the test run)."""
    _DROPS.shutdown(wait=True)


@contextmanager
def exclusive_redis_database(url: str) -> Iterator[None]:
    """Hold one Redis database for this test run alone while a test empties and uses it.

    The tests that flush a Redis database share it with every other test run on this
    machine (other checkouts too); without the lock one run's flush or keys land in the
    middle of another's test."""
    database = urlparse(url).path.strip("/") or "0"
    lock_path = Path(tempfile.gettempdir()) / f"clinic-tests-redis-{database}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
