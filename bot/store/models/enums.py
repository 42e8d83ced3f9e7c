"""The values a status or verdict column may hold (stored as text with a CHECK constraint,
see base.enum_column); code compares against these, never against bare strings."""

from __future__ import annotations

import enum


class Verdict(str, enum.Enum):
    """How a condition affects a first treatment."""

    OK = "ok"
    CAUTION = "caution"
    CONSULT_FIRST = "consult_first"
    NOT_NOW = "not_now"


class BookingStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class HandoffStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class OutboxStatus(str, enum.Enum):
    """Where a message to send is: waiting, being sent, or done one way or another."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender until `claimed_until`
    SENT = "sent"
    FAILED = "failed"  # gave up after the retries: staff see it in `clinic outbox list --failed`
    SKIPPED = "skipped"  # nowhere to send it (e.g. REST cannot be pushed, channel off)
    OBSOLETE = "obsolete"  # its booking moved or was cancelled before it went
