"""What staff see of the outbox (`clinic outbox list`) and sending a failed message again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select, update

from bot.store.models import Booking, OutboxMessage, OutboxStatus, utc_now
from bot.store.session import session_scope


@dataclass(frozen=True)
class OutboxRow:
    """One message as staff see it: never its address or its text."""

    id: int
    kind: str
    channel: str
    status: str
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    last_error: str | None
    booking_ref: str | None
    handoff_id: int | None
    created_at: datetime
    clinic_timezone: tzinfo

    def as_json(self) -> dict[str, Any]:
        # The field names are the contract of `clinic outbox list --json`.
        return {
            "id": self.id,
            "kind": self.kind,
            "channel": self.channel,
            "status": self.status,
            "attempts": self.attempts,
            "due_at": self.due_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "last_error": self.last_error,
            "booking_ref": self.booking_ref,
            "handoff_id": self.handoff_id,
            "created_at": self.created_at.isoformat(),
        }


def list_messages(database_url: str, status: str | None, limit: int) -> list[OutboxRow]:
    """The newest-due messages first, at most `limit`, only those in `status` if given."""
    from bot.booking import availability

    with session_scope(database_url) as session:
        query = (
            select(OutboxMessage, Booking.ref)
            .outerjoin(Booking, OutboxMessage.booking_id == Booking.id)
            .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
        if status:
            query = query.where(OutboxMessage.status == status)
        tz = availability.clinic_timezone(session)
        return [
            OutboxRow(
                id=message.id,
                kind=message.kind,
                channel=message.channel,
                status=message.status.value,
                attempts=message.attempts,
                due_at=message.due_at,
                sent_at=message.sent_at,
                last_error=message.last_error,
                booking_ref=ref,
                handoff_id=message.handoff_id,
                created_at=message.created_at,
                clinic_timezone=tz,
            )
            for message, ref in session.execute(query).all()
        ]


def retry_failed(database_url: str, message_id: int) -> bool:
    """Make a failed message due again with fresh attempts; False if none has that id."""
    with session_scope(database_url) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.FAILED)
            .values(status=OutboxStatus.PENDING, attempts=0, due_at=utc_now(), last_error=None)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1
