"""The front desk: handoff requests and their conversations, staff takeovers, staff
accounts of the console and its audit log.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.store.models.base import Base, UTCDateTime, enum_column, utc_now
from bot.store.models.enums import HandoffStatus


class HandoffRequest(Base):
    """A client asked for a person: what the front desk needs to get back to them."""

    __tablename__ = "handoff_requests"

    channel = sa.Column(sa.String(32), nullable=False)
    sender_id = sa.Column(sa.String(255), nullable=False)
    transcript = sa.Column(sa.JSON, nullable=False, default=list)
    contact = sa.Column(sa.String(254))
    reason = sa.Column(sa.String(64), nullable=False, default="asked_for_a_person")
    status = sa.Column(enum_column(HandoffStatus, "handoff_status"), nullable=False)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utc_now, index=True)
    closed_at = sa.Column(UTCDateTime)


class HandoffMessage(Base):
    """A message of a handoff conversation after the request: the client's, or staff's reply."""

    __tablename__ = "handoff_messages"

    handoff_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("handoff_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    at = sa.Column(UTCDateTime, nullable=False, default=utc_now)
    author = sa.Column(sa.String(16), nullable=False)  # client | staff | note
    staff_name = sa.Column(sa.String(64))
    text = sa.Column(sa.Text, nullable=False)


class ConversationTakeover(Base):
    """Staff own this conversation: the input channels keep its messages from the assistant.

    A row in the shared store (not Rasa's in-process state), so it holds on every Rasa
    instance and across restarts; deleting it hands the conversation back.
    """

    __tablename__ = "conversation_takeovers"
    __table_args__ = (sa.UniqueConstraint("channel", "sender_id"),)

    channel = sa.Column(sa.String(32), nullable=False)
    sender_id = sa.Column(sa.String(128), nullable=False)
    handoff_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("handoff_requests.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    )
    staff_name = sa.Column(sa.String(64), nullable=False)
    taken_at = sa.Column(UTCDateTime, nullable=False, default=utc_now)


class StaffAccount(Base):
    """A member of staff who may log in to the front desk console (`clinic staff add`)."""

    __tablename__ = "staff_accounts"

    name = sa.Column(sa.String(64), nullable=False, unique=True)
    # argon2id hash (argon2-cffi); never shown, never logged.
    password_hash = sa.Column(sa.String(255), nullable=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    failed_logins = sa.Column(sa.Integer, nullable=False, default=0)
    locked_until = sa.Column(UTCDateTime)
    # Bumped by a password reset or disabling: every session cookie signed before is void.
    session_version = sa.Column(sa.Integer, nullable=False, default=1)
    created_at = sa.Column(UTCDateTime, nullable=False, default=utc_now)
    last_login_at = sa.Column(UTCDateTime)


class AuditEntry(Base):
    """Who changed what, when: one row per change made in the console or by `clinic staff`."""

    __tablename__ = "audit_log"

    at = sa.Column(UTCDateTime, nullable=False, default=utc_now, index=True)
    staff_name = sa.Column(sa.String(64), nullable=False)
    action = sa.Column(sa.String(40), nullable=False)
    # What it was done to: a booking reference, "handoff 12", a staff name.
    target = sa.Column(sa.String(64), nullable=False)
    details = sa.Column(sa.JSON, nullable=False, default=dict)
