"""The handoff inbox: open requests, taking a conversation over, replying, handing back.

Staff replies are not sent from here: they are queued in the outbox (bot.outbox) in the
same transaction as the transcript line, and the outbox sender delivers them in the
client's own channel. REST clients cannot be written to: staff call or email them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.console import audit
from bot.store.models import (
    ConversationTakeover,
    HandoffMessage,
    HandoffRequest,
    HandoffStatus,
)
from bot.store.session import StoreClient

# Channels the outbox can write to; anything else (rest) means "call or email this client".
PUSHABLE_CHANNELS = ("widget", "whatsapp", "telegram")
MAX_REPLY_CHARS = 2000
HANDED_BACK_TEXT = (
    "Thank you for waiting. You are back with the clinic's automated assistant; "
    "ask for a person again at any time."
)


class InboxError(ValueError):
    """Something staff cannot do to this request, with a message for the page."""


@dataclass(frozen=True)
class Request:
    """A handoff request as the inbox shows it, with its conversation so far."""

    id: int
    channel: str
    contact: str | None
    status: str
    created_at: datetime
    closed_at: datetime | None
    taken_by: str | None
    lines: list[Line] = field(default_factory=list)

    @property
    def pushable(self) -> bool:
        return self.channel in PUSHABLE_CHANNELS

    def waited(self, now: datetime) -> timedelta:
        return (self.closed_at or now) - self.created_at

    @property
    def last_client_text(self) -> str | None:
        said = [line.text for line in self.lines if line.author == "client"]
        return said[-1] if said else None

    @property
    def last_line_id(self) -> int:
        return max((line.id for line in self.lines), default=0)


@dataclass(frozen=True)
class Line:
    """One line of a request's conversation."""

    id: int  # 0 for the lines copied into the request when it was opened
    author: str  # client | assistant | staff | note
    text: str
    at: datetime | None = None
    staff_name: str | None = None


def _lines(row: HandoffRequest, messages: list[HandoffMessage]) -> list[Line]:
    opening = [
        Line(0, "client" if item.get("from") == "client" else "assistant", item.get("text", ""))
        for item in (row.transcript or [])
        if item.get("text")
    ]
    later = [Line(m.id, m.author, m.text, m.at, m.staff_name) for m in messages]
    return opening + later


class Inbox(StoreClient):
    def _request(self, session, row: HandoffRequest, with_lines: bool = True) -> Request:
        takeover = session.execute(
            select(ConversationTakeover.staff_name).where(
                ConversationTakeover.handoff_id == row.id
            )
        ).scalar_one_or_none()
        messages = []
        if with_lines:
            messages = list(
                session.execute(
                    select(HandoffMessage)
                    .where(HandoffMessage.handoff_id == row.id)
                    .order_by(HandoffMessage.id)
                ).scalars()
            )
        return Request(
            row.id,
            row.channel,
            row.contact,
            row.status.value,
            row.created_at,
            row.closed_at,
            takeover,
            _lines(row, messages),
        )

    def _row(self, session, handoff_id: int) -> HandoffRequest:
        row = session.get(HandoffRequest, handoff_id)
        if row is None:
            raise InboxError("There is no such request.")
        return row

    # --- reading ------------------------------------------------------------------------

    def open_requests(self) -> list[Request]:
        """Open requests, newest first."""
        with self._session() as session:
            rows = session.execute(
                select(HandoffRequest)
                .where(HandoffRequest.status == HandoffStatus.OPEN)
                .order_by(HandoffRequest.created_at.desc(), HandoffRequest.id.desc())
            ).scalars()
            return [self._request(session, row) for row in rows]

    def open_count(self) -> int:
        with self._session() as session:
            return session.execute(
                select(func.count(HandoffRequest.id)).where(
                    HandoffRequest.status == HandoffStatus.OPEN
                )
            ).scalar_one()

    def recently_closed(self, limit: int = 10) -> list[Request]:
        with self._session() as session:
            rows = session.execute(
                select(HandoffRequest)
                .where(HandoffRequest.status == HandoffStatus.CLOSED)
                .order_by(HandoffRequest.closed_at.desc())
                .limit(limit)
            ).scalars()
            return [self._request(session, row, with_lines=False) for row in rows]

    def get(self, handoff_id: int) -> Request:
        with self._session() as session:
            return self._request(session, self._row(session, handoff_id))

    # --- changes (each with its audit row) ----------------------------------------------

    def take(self, handoff_id: int, staff_name: str) -> Request:
        """Staff own the conversation from now on: the assistant stays silent in it."""

        def take_over(session: Session, row: HandoffRequest) -> None:
            if row.status is not HandoffStatus.OPEN:
                raise InboxError("This request is closed.")
            owner = session.execute(
                select(ConversationTakeover).where(
                    ConversationTakeover.channel == row.channel,
                    ConversationTakeover.sender_id == row.sender_id,
                )
            ).scalar_one_or_none()
            if owner is not None:
                raise InboxError(f"{owner.staff_name} has taken this conversation already.")
            session.add(
                ConversationTakeover(
                    channel=row.channel,
                    sender_id=row.sender_id,
                    handoff_id=row.id,
                    staff_name=staff_name,
                    taken_at=self.clock(),
                )
            )
            self._note(session, row, staff_name, "took the conversation")

        try:
            return self._change(handoff_id, staff_name, "handoff_taken", take_over)
        except IntegrityError:  # another member of staff took it at the same moment
            raise InboxError("Someone else has just taken this conversation.") from None

    def reply(self, handoff_id: int, staff_name: str, text: str) -> Request:
        """Queue a reply to the client in their channel (delivered by the outbox sender)."""
        text = (text or "").strip()
        if not text:
            raise InboxError("The reply is empty.")
        if len(text) > MAX_REPLY_CHARS:
            raise InboxError(f"Please keep a reply under {MAX_REPLY_CHARS} characters.")

        def send_reply(session: Session, row: HandoffRequest) -> None:
            if row.channel not in PUSHABLE_CHANNELS:
                raise InboxError(
                    "This client wrote through a channel we cannot write to: "
                    "call or email them instead."
                )
            owner = session.execute(
                select(ConversationTakeover.staff_name).where(
                    ConversationTakeover.handoff_id == row.id
                )
            ).scalar_one_or_none()
            if owner is None:
                raise InboxError("Take the conversation first, so the assistant stays quiet.")
            message = HandoffMessage(
                handoff_id=row.id, author="staff", staff_name=staff_name, text=text,
                at=self.clock(),
            )
            session.add(message)
            session.flush()  # the message's id makes the outbox row's dedupe key
            _send_to_client(session, row, text, dedupe_key=f"staff_reply:{message.id}")

        return self._change(handoff_id, staff_name, "handoff_reply", send_reply)

    def hand_back(self, handoff_id: int, staff_name: str) -> Request:
        """Give the conversation back to the assistant and close the request."""

        def hand_back_row(session: Session, row: HandoffRequest) -> None:
            if not self._release(session, row):
                raise InboxError("This conversation is not taken; close the request instead.")
            self._close(session, row, staff_name, "handed the conversation back to the assistant")
            if row.channel in PUSHABLE_CHANNELS:
                _send_to_client(session, row, HANDED_BACK_TEXT, dedupe_key=f"handed_back:{row.id}")

        return self._change(handoff_id, staff_name, "handoff_handed_back", hand_back_row)

    def close(self, handoff_id: int, staff_name: str) -> Request:
        """Dealt with (e.g. by phone); a taken conversation goes back to the assistant."""

        def close_row(session: Session, row: HandoffRequest) -> None:
            if row.status is HandoffStatus.CLOSED:
                raise InboxError("This request is closed already.")
            self._release(session, row)
            self._close(session, row, staff_name, "closed the request")

        return self._change(handoff_id, staff_name, "handoff_closed", close_row)

    def _change(
        self, handoff_id: int, staff_name: str, action: str,
        change: Callable[[Session, HandoffRequest], None],
    ) -> Request:
        """One staff change to a request with its audit row, in one transaction."""
        with self._session() as session:
            row = self._row(session, handoff_id)
            change(session, row)
            audit.record(session, staff_name, action, f"handoff {row.id}")
            session.flush()
            return self._request(session, row)

    def _release(self, session: Session, row: HandoffRequest) -> bool:
        result = session.execute(
            delete(ConversationTakeover).where(ConversationTakeover.handoff_id == row.id)
        )
        return bool(result.rowcount)

    def _close(self, session: Session, row: HandoffRequest, staff_name: str, what: str) -> None:
        row.status = HandoffStatus.CLOSED
        row.closed_at = self.clock()
        self._note(session, row, staff_name, what)
        session.flush()

    def _note(self, session: Session, row: HandoffRequest, staff_name: str, what: str) -> None:
        """A line in the transcript saying what staff did ("Ana took the conversation.")."""
        session.add(
            HandoffMessage(
                handoff_id=row.id, author="note", staff_name=staff_name,
                text=f"{staff_name} {what}.", at=self.clock(),
            )
        )


def _send_to_client(session: Session, row: HandoffRequest, text: str, dedupe_key: str) -> None:
    """Queue a message to the client of a request, in their own channel (the outbox sender
    delivers it; the dedupe key keeps a retried request from sending it twice)."""
    outbox.enqueue(
        session,
        kind="staff_reply",
        channel=row.channel,
        recipient=row.sender_id,
        body={"text": text},
        dedupe_key=dedupe_key,
        handoff_id=row.id,
    )


def waited_text(delta: timedelta) -> str:
    """'3 min', '1 h 05 min', '2 days' - how long a client has waited."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} days"
