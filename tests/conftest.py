"""Shared fixtures: a real, temporary SQLite store migrated and loaded from data/knowledge."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.settings import PROJECT_ROOT, get_settings  # noqa: E402
from bot.store import migrate  # noqa: E402

KNOWLEDGE_DIR = PROJECT_ROOT / "data" / "knowledge"


@pytest.fixture(autouse=True)
def fresh_settings():
    """Settings read afresh in each test: a variable a test sets (monkeypatch.setenv) is
    seen by the code under test, and none outlives the test that set it."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A private copy of the clinic's knowledge files that a test may edit."""
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy)
    return copy


@pytest.fixture
def empty_store_url(tmp_path: Path) -> str:
    """A migrated but empty SQLite store."""
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def store_url(empty_store_url: str) -> str:
    """A migrated SQLite store loaded with the clinic's real knowledge files."""
    load_knowledge(KNOWLEDGE_DIR, empty_store_url)
    return empty_store_url


POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_url() -> str:
    """A fresh, migrated and loaded PostgreSQL database, dropped afterwards.

    PostgreSQL runs on this machine and in CI: if it is unreachable the test
    fails (it must not silently skip).
    """
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"clinic_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure here means "no PostgreSQL"
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is needed for this test: {error}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        load_knowledge(KNOWLEDGE_DIR, url)
        yield url
    finally:
        from bot.store.session import get_engine

        get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
