"""The audit log: one row for every change staff make (who, what, when)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry, utc_now
from bot.store.session import session_scope


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    staff_name: str
    action: str
    target: str
    details: dict


def record(session: Session, staff_name: str, action: str, target: str, **details) -> None:
    """Add an audit row in the caller's transaction (the change and its audit commit together).

    `details` say what changed (times, practitioner, reference) - never a client's name,
    contact or message.
    """
    session.add(
        AuditEntry(
            at=utc_now(), staff_name=staff_name, action=action, target=target, details=details
        )
    )


def recent(limit: int = 100, database_url: str | None = None) -> list[AuditRecord]:
    with session_scope(database_url) as session:
        rows = session.execute(
            select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        ).scalars()
        return [
            AuditRecord(row.at, row.staff_name, row.action, row.target, dict(row.details or {}))
            for row in rows
        ]
