"""What every table shares: the declarative base with named constraints, aware UTC
datetimes, portable enum columns."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Enum, Integer, MetaData
from sqlalchemy.orm import registry
from sqlalchemy.orm.decl_api import DeclarativeMeta
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic can only alter (and SQLite batch-copy) what has a name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MAPPER_REGISTRY = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class Base(metaclass=DeclarativeMeta):
    """The declarative base, spelled out as a class (SQLAlchemy 1.4's documented form for
    type checkers) instead of `declarative_base()`, whose result mypy cannot use as a type.

    Every table gets its integer primary key `id` from here (constraint pk_<table>).
    """

    __abstract__ = True
    registry = MAPPER_REGISTRY
    metadata = MAPPER_REGISTRY.metadata
    __init__ = MAPPER_REGISTRY.constructor

    id = Column(Integer, primary_key=True)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC everywhere.

    SQLite has no time zones, so storing one convention avoids comparing local
    and UTC times by mistake.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint of the values."""
    return Enum(
        enum_class,
        values_callable=lambda members: [member.value for member in members],
        native_enum=False,
        create_constraint=True,
        name=name,
        length=20,
    )


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
