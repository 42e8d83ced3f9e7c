"""Who sees clients when: practitioners and their weekly working hours, mirrored from
practitioners.yml by `clinic knowledge load`; bookings and free slots are built on them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from bot.store.models.base import Base


class Practitioner(Base):
    """A practitioner; one no longer in the knowledge files is kept inactive for history."""

    __tablename__ = "practitioners"

    key = sa.Column(sa.String(64), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)

    working_hours = relationship(
        "WorkingHours", cascade="all, delete-orphan", order_by="WorkingHours.weekday"
    )


class WorkingHours(Base):
    """When a practitioner sees clients on a weekday (0 = Monday), in the clinic's time zone."""

    __tablename__ = "working_hours"
    __table_args__ = (
        sa.UniqueConstraint("practitioner_id", "weekday"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    practitioner_id = sa.Column(
        sa.Integer, sa.ForeignKey("practitioners.id", ondelete="CASCADE"), nullable=False
    )
    weekday = sa.Column(sa.Integer, nullable=False)
    starts = sa.Column(sa.Time, nullable=False)
    ends = sa.Column(sa.Time, nullable=False)
