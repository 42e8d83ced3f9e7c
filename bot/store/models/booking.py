"""Clients' bookings, and the failed look-ups counted to stop guessing references."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from bot.store.models.base import Base, UTCDateTime, enum_column, utc_now
from bot.store.models.enums import BookingStatus


class Booking(Base):
    """A client's appointment. Personal fields are nullable so they can be erased."""

    __tablename__ = "bookings"
    __table_args__ = (
        # The guarantee against double booking: one confirmed booking per practitioner and
        # start time, enforced by the database whatever the code does. Slots start on a grid
        # of the session length, so equal starts are the only way two bookings can collide.
        sa.Index(
            "uq_bookings_confirmed_slot",
            "practitioner_id",
            "starts_at",
            unique=True,
            sqlite_where=sa.Column("status") == BookingStatus.CONFIRMED.value,
            postgresql_where=sa.Column("status") == BookingStatus.CONFIRMED.value,
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    ref = sa.Column(sa.String(16), nullable=False, unique=True)
    practitioner_id = sa.Column(sa.Integer, sa.ForeignKey("practitioners.id"), nullable=False)
    treatment_key = sa.Column(sa.String(64), nullable=False)
    starts_at = sa.Column(UTCDateTime, nullable=False, index=True)
    ends_at = sa.Column(UTCDateTime, nullable=False)
    status = sa.Column(enum_column(BookingStatus, "booking_status"), nullable=False)
    client_name = sa.Column(sa.String(100))
    phone = sa.Column(sa.String(20), index=True)
    email = sa.Column(sa.String(254), index=True)
    consent_at = sa.Column(UTCDateTime, nullable=False)
    channel = sa.Column(sa.String(32), nullable=False)
    # The conversation id, "<channel>:<the platform's id>" (migration 0003).
    sender_id = sa.Column(sa.String(255))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utc_now)
    updated_at = sa.Column(UTCDateTime, nullable=False, default=utc_now, onupdate=utc_now)
    cancelled_at = sa.Column(UTCDateTime)
    # Version of the appointment for calendars (iCalendar SEQUENCE): +1 on each move or cancel.
    sequence = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")

    practitioner = relationship("Practitioner")


class BookingLookupFailure(Base):
    """A reference + contact pair that matched no booking, or a check refused for too many.

    Counted to stop guessing (bot.booking.guesses); `clinic lockouts list` shows the refused
    ones to staff. No contact details: the contact and the client's address are kept only
    as keyed hashes, enough to count repeats. `ref` is the reference that was tried.
    """

    __tablename__ = "booking_lookup_failures"

    channel = sa.Column(sa.String(32), nullable=False)
    sender_id = sa.Column(sa.String(255))
    ref = sa.Column(sa.String(16))
    contact_key = sa.Column(sa.String(64), index=True)
    address_key = sa.Column(sa.String(64), index=True)
    # True: the check was refused (the limit was reached), not just a wrong pair.
    locked_out = sa.Column(sa.Boolean, nullable=False, default=False)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utc_now, index=True)
