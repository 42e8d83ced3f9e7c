"""Tables mirrored from data/knowledge/*.yml by `clinic knowledge load` (see
bot.knowledge.loader): the clinic, its topics, conditions and treatments; and each load.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from bot.store.models.base import Base, UTCDateTime, enum_column, utc_now
from bot.store.models.enums import Verdict


class ClinicInfo(Base):
    """The clinic itself: one row."""

    __tablename__ = "clinic_info"

    name = sa.Column(sa.String(200), nullable=False)
    address = sa.Column(sa.String(500), nullable=False)
    phone = sa.Column(sa.String(40), nullable=False)
    email = sa.Column(sa.String(200), nullable=False)
    website = sa.Column(sa.String(300))
    privacy_url = sa.Column(sa.String(300))
    timezone = sa.Column(sa.String(64), nullable=False)
    country = sa.Column(sa.String(2), nullable=False)
    currency = sa.Column(sa.String(3), nullable=False)
    emergency_number = sa.Column(sa.String(20), nullable=False)
    urgent_advice_number = sa.Column(sa.String(20))


class OpeningHours(Base):
    """Opening hours per weekday (0 = Monday); a missing weekday means closed."""

    __tablename__ = "opening_hours"
    __table_args__ = (sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    weekday = sa.Column(sa.Integer, nullable=False, unique=True)
    opens = sa.Column(sa.Time, nullable=False)
    closes = sa.Column(sa.Time, nullable=False)


class Topic(Base):
    """A vetted answer to one kind of question."""

    __tablename__ = "topics"

    key = sa.Column(sa.String(64), nullable=False, unique=True)
    intent = sa.Column(sa.String(64), unique=True)
    title = sa.Column(sa.String(200), nullable=False)
    category = sa.Column(sa.String(32))
    # A computed clinic fact (address, hours ...) has no written answer.
    fact = sa.Column(sa.String(32))
    answer = sa.Column(sa.Text)
    health_claim = sa.Column(sa.Boolean, nullable=False, default=False)
    offer_booking = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    confirmed = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    sources = sa.Column(sa.JSON, nullable=False, default=list)
    # Ways clients ask it: what the FAQ retrieval matches messages against.
    questions = sa.Column(sa.JSON, nullable=False, default=list, server_default="[]")


class Condition(Base):
    """A health condition, medicine or situation and what it means for treatment."""

    __tablename__ = "conditions"

    key = sa.Column(sa.String(64), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    verdict = sa.Column(enum_column(Verdict, "verdict"), nullable=False)
    advice = sa.Column(sa.Text, nullable=False)
    sources = sa.Column(sa.JSON, nullable=False, default=list)

    synonyms = relationship(
        "ConditionSynonym",
        back_populates="condition",
        cascade="all, delete-orphan",
        order_by="ConditionSynonym.phrase",
    )


class ConditionSynonym(Base):
    """A phrase people type for a condition ("warfarin" -> anticoagulants)."""

    __tablename__ = "condition_synonyms"

    condition_id = sa.Column(
        sa.Integer, sa.ForeignKey("conditions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    phrase = sa.Column(sa.String(200), nullable=False, unique=True)

    condition = relationship("Condition", back_populates="synonyms")


class Treatment(Base):
    """A bookable treatment with its length and price (in minor units, e.g. pence)."""

    __tablename__ = "treatments"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    key = sa.Column(sa.String(64), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    description = sa.Column(sa.Text, nullable=False, default="")
    duration_minutes = sa.Column(sa.Integer, nullable=False)
    price_minor = sa.Column(sa.Integer, nullable=False)
    first_session = sa.Column(sa.Boolean, nullable=False, default=False)
    position = sa.Column(sa.Integer, nullable=False, default=0)


class KnowledgeState(Base):
    """One row: bumped by every load that changed something, so running servers notice."""

    __tablename__ = "knowledge_state"

    version = sa.Column(sa.Integer, nullable=False, default=0)
    loaded_at = sa.Column(UTCDateTime, nullable=False, default=utc_now)


class KnowledgeLoad(Base):
    """When `clinic knowledge load` last mirrored the YAML into the store (console status)."""

    __tablename__ = "knowledge_loads"

    loaded_at = sa.Column(UTCDateTime, nullable=False, default=utc_now)
    changed = sa.Column(sa.Boolean, nullable=False)
    summary = sa.Column(sa.Text, nullable=False, default="")
