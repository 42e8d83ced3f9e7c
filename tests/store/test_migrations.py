"""Alembic migrations on SQLite and PostgreSQL: up from nothing, one step down, up again,
and the models (bot/store/models/) say exactly what the migrations build."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from bot.store import migrate
from bot.store.models import Base

ALL_TABLES = {table.name for table in Base.metadata.sorted_tables}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield request.getfixturevalue("postgres_database")


def tables(url: str) -> set[str]:
    engine = create_engine(url, future=True)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def schema(url: str) -> dict[str, tuple[list[str], list[str]]]:
    """Each table's columns and indexes, by name."""
    engine = create_engine(url, future=True)
    try:
        inspector = inspect(engine)
        return {
            table: (
                sorted(column["name"] for column in inspector.get_columns(table)),
                sorted(index["name"] for index in inspector.get_indexes(table)),
            )
            for table in inspector.get_table_names()
            if table != "alembic_version"
        }
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def differences(url: str) -> list:
    """What Alembic's autogenerate would add to a new migration: [] if models == schema."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def heads() -> tuple[str, str | None]:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = script.get_revision(script.get_current_head())
    return head.revision, head.down_revision


def test_upgrade_from_nothing_to_head_creates_every_table(empty_database):
    assert tables(empty_database) == set()

    migrate.upgrade(empty_database)

    assert tables(empty_database) == ALL_TABLES
    assert current_revision(empty_database) == heads()[0]


def test_downgrade_one_step_and_upgrade_again(empty_database):
    head, previous = heads()
    migrate.upgrade(empty_database, previous)
    at_previous = schema(empty_database)
    migrate.upgrade(empty_database)
    at_head = schema(empty_database)
    assert at_head != at_previous and set(at_head) == ALL_TABLES

    migrate.downgrade(empty_database, "-1")

    assert current_revision(empty_database) == previous
    assert schema(empty_database) == at_previous  # exactly what upgrading to it built

    migrate.upgrade(empty_database)

    assert current_revision(empty_database) == head
    assert schema(empty_database) == at_head
    assert differences(empty_database) == []


def test_the_models_match_the_migrations(empty_database):
    migrate.upgrade(empty_database)

    assert differences(empty_database) == []


def test_downgrade_to_nothing_removes_every_table(empty_database):
    migrate.upgrade(empty_database)

    migrate.downgrade(empty_database, "base")

    assert tables(empty_database) == set()
    assert current_revision(empty_database) is None
