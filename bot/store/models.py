"""Tables of the treatment knowledge store.

The YAML under data/knowledge/ is the source of truth for everything here;
`clinic knowledge load` mirrors it into these tables (see bot.knowledge.loader).
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    Time,
)
from sqlalchemy.orm import declarative_base, relationship

# Named constraints: Alembic can only alter (and SQLite batch-copy) what has a name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class Verdict(str, enum.Enum):
    """How a condition affects a first treatment."""

    OK = "ok"
    CAUTION = "caution"
    CONSULT_FIRST = "consult_first"
    NOT_NOW = "not_now"


class ClinicInfo(Base):
    """The clinic itself: one row."""

    __tablename__ = "clinic_info"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    address = Column(String(500), nullable=False)
    phone = Column(String(40), nullable=False)
    email = Column(String(200), nullable=False)
    website = Column(String(300))
    privacy_url = Column(String(300))
    timezone = Column(String(64), nullable=False)
    country = Column(String(2), nullable=False)
    currency = Column(String(3), nullable=False)
    emergency_number = Column(String(20), nullable=False)
    urgent_advice_number = Column(String(20))


class OpeningHours(Base):
    """Opening hours per weekday (0 = Monday); a missing weekday means closed."""

    __tablename__ = "opening_hours"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    id = Column(Integer, primary_key=True)
    weekday = Column(Integer, nullable=False, unique=True)
    opens = Column(Time, nullable=False)
    closes = Column(Time, nullable=False)


class Topic(Base):
    """A vetted answer to one kind of question."""

    __tablename__ = "topics"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    intent = Column(String(64), unique=True)
    title = Column(String(200), nullable=False)
    answer = Column(Text, nullable=False)
    health_claim = Column(Boolean, nullable=False, default=False)
    sources = Column(JSON, nullable=False, default=list)


class Condition(Base):
    """A health condition, medicine or situation and what it means for treatment."""

    __tablename__ = "conditions"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    verdict = Column(
        Enum(
            Verdict,
            values_callable=lambda verdicts: [v.value for v in verdicts],
            native_enum=False,
            create_constraint=True,
            name="verdict",
            length=20,
        ),
        nullable=False,
    )
    advice = Column(Text, nullable=False)
    sources = Column(JSON, nullable=False, default=list)

    synonyms = relationship(
        "ConditionSynonym",
        back_populates="condition",
        cascade="all, delete-orphan",
        order_by="ConditionSynonym.phrase",
    )


class ConditionSynonym(Base):
    """A phrase people type for a condition ("warfarin" -> anticoagulants)."""

    __tablename__ = "condition_synonyms"

    id = Column(Integer, primary_key=True)
    condition_id = Column(
        Integer, ForeignKey("conditions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    phrase = Column(String(200), nullable=False, unique=True)

    condition = relationship("Condition", back_populates="synonyms")


class Treatment(Base):
    """A bookable treatment with its length and price (in minor units, e.g. pence)."""

    __tablename__ = "treatments"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=False, default="")
    duration_minutes = Column(Integer, nullable=False)
    price_minor = Column(Integer, nullable=False)
    first_session = Column(Boolean, nullable=False, default=False)
    position = Column(Integer, nullable=False, default=0)
