"""Handoff requests: a client asked for a person; the front desk picks them up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.booking.contact import ContactError, parse_contact
from bot.settings import get_settings
from bot.store.models import ClinicInfo, ConversationTakeover, HandoffRequest, HandoffStatus
from bot.store.session import session_scope

TRANSCRIPT_TURNS = 20


@dataclass(frozen=True)
class HandoffRecord:
    id: int
    channel: str
    sender_id: str
    contact: str | None
    reason: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    transcript: list[dict[str, str]]

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "channel": self.channel,
            "sender_id": self.sender_id,
            "contact": self.contact,
            "reason": self.reason,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "transcript": self.transcript,
        }


class HandoffNotFound(LookupError):
    pass


def _record(row: HandoffRequest) -> HandoffRecord:
    return HandoffRecord(
        row.id,
        row.channel,
        row.sender_id,
        row.contact,
        row.reason,
        row.status.value,
        row.created_at,
        row.closed_at,
        list(row.transcript or []),
    )


def last_turns(events: list[dict], turns: int = TRANSCRIPT_TURNS) -> list[dict[str, str]]:
    """The messages of the last `turns` turns (a client message and the replies to it)."""
    lines = [
        {"from": "client" if event["event"] == "user" else "assistant", "text": event["text"]}
        for event in events
        if event.get("event") in ("user", "bot") and event.get("text")
    ]
    client_lines = [i for i, line in enumerate(lines) if line["from"] == "client"]
    start = client_lines[-turns] if len(client_lines) >= turns else 0
    return lines[start:]


def _valid_contact(contact: object, region: str) -> str | None:
    if not isinstance(contact, str) or not contact.strip():
        return None
    try:
        parsed = parse_contact(contact, region)
    except ContactError:
        return None
    return parsed.phone or parsed.email


class HandoffQueue:
    def __init__(
        self,
        database_url: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.database_url = database_url
        self.clock = clock

    def open(
        self,
        channel: str,
        sender_id: str,
        transcript: list[dict[str, str]],
        contact: str | None = None,
        reason: str = "asked_for_a_person",
    ) -> HandoffRecord:
        with session_scope(self.database_url) as session:
            # The contact comes from a slot: keep it only as the form would have read it.
            region = session.execute(select(ClinicInfo.country).limit(1)).scalar_one_or_none()
            row = HandoffRequest(
                channel=(channel or "unknown")[:32],
                sender_id=(sender_id or "unknown")[:255],
                transcript=transcript,
                contact=_valid_contact(contact, region or "GB"),
                reason=reason,
                status=HandoffStatus.OPEN,
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            notify_front_desk(session, row)
            return _record(row)

    def list(self, only_open: bool = False) -> list[HandoffRecord]:
        with session_scope(self.database_url) as session:
            query = select(HandoffRequest).order_by(HandoffRequest.created_at)
            if only_open:
                query = query.where(HandoffRequest.status == HandoffStatus.OPEN)
            return [_record(row) for row in session.execute(query).scalars()]

    def close(self, handoff_id: int) -> HandoffRecord:
        with session_scope(self.database_url) as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None:
                raise HandoffNotFound(f"no handoff request with id {handoff_id}")
            if row.status is not HandoffStatus.CLOSED:
                row.status = HandoffStatus.CLOSED
                row.closed_at = self.clock()
            # A closed request gives the conversation back to the assistant.
            session.execute(
                delete(ConversationTakeover).where(ConversationTakeover.handoff_id == row.id)
            )
            session.flush()
            return _record(row)


def notify_front_desk(session: Session, row: HandoffRequest) -> None:
    """Queue the front desk's notifications of a new request, in the request's transaction.

    Through the outbox: a failed send is retried and never loses the request, and the
    dedupe key means one notification per request and channel, however often it runs.
    The notice says where to look, never who is waiting or what they wrote: email and
    chat apps are not where clients' details should be.
    """
    from bot import outbox

    settings = get_settings()
    link = f"{settings.console_public_url}/inbox/{row.id}"
    text = (
        f"A client is waiting for the front desk (request {row.id}, {row.channel} chat). "
        f"Open the console to answer: {link}"
    )
    notices = (
        (
            outbox.HANDOFF_NOTIFY_EMAIL,
            "email",
            settings.front_desk_email,
            {"subject": f"A client is waiting (request {row.id})", "text": text},
        ),
        (
            outbox.HANDOFF_NOTIFY_TELEGRAM,
            "telegram",
            settings.staff_telegram_chat_id,
            {"text": text},
        ),
    )
    for kind, channel, recipient, body in notices:
        if recipient:  # that way of reaching the front desk is configured
            outbox.enqueue(
                session,
                kind=kind,
                channel=channel,
                recipient=recipient,
                body=body,
                dedupe_key=f"handoff:{row.id}:{channel}",
                handoff_id=row.id,
            )
