"""Shared fixtures: every test runs against a fresh temporary SQLite store, through settings.

`store_url` is autouse: DATABASE_URL points at a private copy of a store migrated and loaded
from data/knowledge, and the settings cache is cleared, so every store user - the actions'
module-level ANSWERS, HANDOFFS and BOOKINGS included - reads and writes that copy and never
the developer's var/clinic.db. A test that needs other settings calls `use_settings`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Outside a test's own store there is none: code that opens the default store before the
# store_url fixture ran (at import, in a module-scoped fixture) fails loudly here instead of
# writing to the developer's var/clinic.db. (A file cannot be made inside conftest.py.)
os.environ["DATABASE_URL"] = f"sqlite:///{Path(__file__).resolve()}/no-store-outside-a-test.db"

from bot.settings import Settings, get_settings  # noqa: E402
from bot.store.session import get_engine  # noqa: E402
from tests import servers  # noqa: E402
from tests.servers import RunningAssistant, assistant_with_store  # noqa: E402
from tests.stores import (  # noqa: E402, F401 - KNOWLEDGE_DIR, POSTGRES_ADMIN_URL: re-exported
    KNOWLEDGE_DIR,
    POSTGRES_ADMIN_URL,
    build_postgres_template,
    build_sqlite_template,
    copy_store,
    finish_postgres_drops,
    temporary_postgres,
)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Starting a server in a test without the `servers` marker fails it (tests/servers.py),
    # so `make test-fast` (-m "not servers") never waits for one.
    servers.allow_servers(item.get_closest_marker("servers") is not None)


@pytest.fixture(scope="session")
def loaded_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sqlite_template(tmp_path_factory.mktemp("template") / "loaded.db", loaded=True)


@pytest.fixture(scope="session")
def empty_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sqlite_template(tmp_path_factory.mktemp("template") / "empty.db", loaded=False)


@pytest.fixture
def use_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Settings]]:
    """Set environment variables that bot/settings.py reads (None removes one); returns the
    settings every module now gets from get_settings()."""

    def apply(**env: str | None) -> Settings:
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, str(value))
        # Cleared, not refilled: a variable the test sets later is still seen.
        get_settings.cache_clear()
        return Settings.from_env()

    yield apply
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def store_url(
    tmp_path: Path, loaded_store_template: Path, use_settings: Callable[..., Settings]
) -> Iterator[str]:
    """This test's own migrated store, loaded with the clinic's real knowledge files; it is
    the DATABASE_URL setting, so everything that opens the default store opens this one."""
    url = copy_store(loaded_store_template, tmp_path / "store.db")
    use_settings(DATABASE_URL=url)
    yield url
    get_engine(url).dispose()  # close pooled connections to a file about to be deleted


@pytest.fixture
def empty_store_url(tmp_path: Path, empty_store_template: Path) -> str:
    """A migrated but empty SQLite store (not the default one: pass its URL, or call
    use_settings(DATABASE_URL=...))."""
    return copy_store(empty_store_template, tmp_path / "empty_store.db")


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A private copy of the clinic's knowledge files that a test may edit."""
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy)
    return copy


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    with temporary_postgres() as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def _drop_temporary_postgres_databases() -> Iterator[None]:
    yield
    finish_postgres_drops()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a migrated and loaded PostgreSQL database, built once per test run."""
    with temporary_postgres("clinic_template") as url:
        yield build_postgres_template(url)


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database, migrated and loaded with the clinic's knowledge files."""
    with temporary_postgres(template=postgres_template) as url:
        yield url


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningAssistant]:
    """The action server and Rasa on a store of their own, shared by a module's tests. The
    module's SERVED dict adds settings for both servers, and "extra" arguments for Rasa."""
    how = dict(getattr(request.module, "SERVED", {}))
    extra = how.pop("extra", ())
    workdir = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with assistant_with_store(workdir, extra, **how) as running:
        yield running


@pytest.fixture(scope="module")
def rasa_url(served: RunningAssistant) -> str:
    """Base URL of the module's running Rasa server (no trailing slash)."""
    return served.url


@pytest.fixture(scope="module")
def served_store(served: RunningAssistant) -> str:
    """The store the module's running assistant uses."""
    return served.store_url
