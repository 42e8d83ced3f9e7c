"""Messages the clinic sends on its own (confirmations, reminders, staff replies)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.store.models.base import Base, UTCDateTime, enum_column, utc_now
from bot.store.models.enums import OutboxStatus


class OutboxMessage(Base):
    """A message to send (confirmation, reminder, notification), written in the same
    transaction as the change it is about; `clinic outbox run` delivers it.

    `dedupe_key` makes each intent unique (e.g. one reminder per booking, version and
    hour), so a retried transaction or a second enqueue never sends twice. `body` holds only
    what sending needs; `last_error` only an error's type and status, never its text.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_status_due", "status", "due_at"),)

    kind = sa.Column(sa.String(40), nullable=False)
    channel = sa.Column(sa.String(20), nullable=False)
    recipient = sa.Column(sa.String(254), nullable=False)
    body = sa.Column(sa.JSON, nullable=False, default=dict)
    dedupe_key = sa.Column(sa.String(200), nullable=False, unique=True)
    booking_id = sa.Column(sa.Integer, sa.ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    handoff_id = sa.Column(
        sa.Integer, sa.ForeignKey("handoff_requests.id", ondelete="CASCADE"), index=True
    )
    status = sa.Column(enum_column(OutboxStatus, "outbox_status"), nullable=False)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    due_at = sa.Column(UTCDateTime, nullable=False)
    claim_token = sa.Column(sa.String(32))
    claimed_until = sa.Column(UTCDateTime)
    last_error = sa.Column(sa.String(200))
    created_at = sa.Column(UTCDateTime, nullable=False, default=utc_now)
    sent_at = sa.Column(UTCDateTime)
