"""Tables of the treatment knowledge store.

The YAML under data/knowledge/ is the source of truth for everything here;
`clinic knowledge load` mirrors it into these tables (see bot.knowledge.loader).
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import registry, relationship
from sqlalchemy.orm.decl_api import DeclarativeMeta
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic can only alter (and SQLite batch-copy) what has a name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MAPPER_REGISTRY = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class Base(metaclass=DeclarativeMeta):
    """The declarative base, spelled out as a class (SQLAlchemy 1.4's documented form for
    type checkers) instead of `declarative_base()`, whose result mypy cannot use as a type."""

    __abstract__ = True
    registry = MAPPER_REGISTRY
    metadata = MAPPER_REGISTRY.metadata
    __init__ = MAPPER_REGISTRY.constructor


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


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC everywhere.

    SQLite has no time zones, so storing one convention avoids comparing local
    and UTC times by mistake.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint of the values."""
    return Enum(
        enum_class,
        values_callable=lambda members: [member.value for member in members],
        native_enum=False,
        create_constraint=True,
        name=name,
        length=20,
    )


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ClinicInfo(Base):
    """The clinic itself: one row."""

    __tablename__ = "clinic_info"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    address = Column(String(500), nullable=False)
    phone = Column(String(40), nullable=False)
    email = Column(String(200), nullable=False)
    website = Column(String(300))
    privacy_url = Column(String(300))
    timezone = Column(String(64), nullable=False)
    country = Column(String(2), nullable=False)
    currency = Column(String(3), nullable=False)
    emergency_number = Column(String(20), nullable=False)
    urgent_advice_number = Column(String(20))


class OpeningHours(Base):
    """Opening hours per weekday (0 = Monday); a missing weekday means closed."""

    __tablename__ = "opening_hours"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    id = Column(Integer, primary_key=True)
    weekday = Column(Integer, nullable=False, unique=True)
    opens = Column(Time, nullable=False)
    closes = Column(Time, nullable=False)


class Topic(Base):
    """A vetted answer to one kind of question."""

    __tablename__ = "topics"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    intent = Column(String(64), unique=True)
    title = Column(String(200), nullable=False)
    category = Column(String(32))
    # A computed clinic fact (address, hours ...) has no written answer.
    fact = Column(String(32))
    answer = Column(Text)
    health_claim = Column(Boolean, nullable=False, default=False)
    offer_booking = Column(Boolean, nullable=False, default=False, server_default=false())
    confirmed = Column(Boolean, nullable=False, default=True, server_default=true())
    sources = Column(JSON, nullable=False, default=list)
    # Ways clients ask it: what the FAQ retrieval matches messages against.
    questions = Column(JSON, nullable=False, default=list, server_default="[]")


class KnowledgeState(Base):
    """One row: bumped by every load that changed something, so running servers notice."""

    __tablename__ = "knowledge_state"

    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False, default=0)
    loaded_at = Column(UTCDateTime, nullable=False, default=utc_now)


class Condition(Base):
    """A health condition, medicine or situation and what it means for treatment."""

    __tablename__ = "conditions"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    verdict = Column(_enum(Verdict, "verdict"), nullable=False)
    advice = Column(Text, nullable=False)
    sources = Column(JSON, nullable=False, default=list)

    synonyms = relationship(
        "ConditionSynonym",
        back_populates="condition",
        cascade="all, delete-orphan",
        order_by="ConditionSynonym.phrase",
    )


class ConditionSynonym(Base):
    """A phrase people type for a condition ("warfarin" -> anticoagulants)."""

    __tablename__ = "condition_synonyms"

    id = Column(Integer, primary_key=True)
    condition_id = Column(
        Integer, ForeignKey("conditions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    phrase = Column(String(200), nullable=False, unique=True)

    condition = relationship("Condition", back_populates="synonyms")


class Treatment(Base):
    """A bookable treatment with its length and price (in minor units, e.g. pence)."""

    __tablename__ = "treatments"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=False, default="")
    duration_minutes = Column(Integer, nullable=False)
    price_minor = Column(Integer, nullable=False)
    first_session = Column(Boolean, nullable=False, default=False)
    position = Column(Integer, nullable=False, default=0)


class Practitioner(Base):
    """A practitioner; one no longer in the knowledge files is kept inactive for history."""

    __tablename__ = "practitioners"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    active = Column(Boolean, nullable=False, default=True)

    working_hours = relationship(
        "WorkingHours", cascade="all, delete-orphan", order_by="WorkingHours.weekday"
    )


class WorkingHours(Base):
    """When a practitioner sees clients on a weekday (0 = Monday), in the clinic's time zone."""

    __tablename__ = "working_hours"
    __table_args__ = (
        UniqueConstraint("practitioner_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    id = Column(Integer, primary_key=True)
    practitioner_id = Column(
        Integer, ForeignKey("practitioners.id", ondelete="CASCADE"), nullable=False
    )
    weekday = Column(Integer, nullable=False)
    starts = Column(Time, nullable=False)
    ends = Column(Time, nullable=False)


class Booking(Base):
    """A client's appointment. Personal fields are nullable so they can be erased."""

    __tablename__ = "bookings"
    __table_args__ = (
        # The guarantee against double booking: one confirmed booking per practitioner and
        # start time, enforced by the database whatever the code does. Slots start on a grid
        # of the session length, so equal starts are the only way two bookings can collide.
        Index(
            "uq_bookings_confirmed_slot",
            "practitioner_id",
            "starts_at",
            unique=True,
            sqlite_where=Column("status") == BookingStatus.CONFIRMED.value,
            postgresql_where=Column("status") == BookingStatus.CONFIRMED.value,
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id = Column(Integer, primary_key=True)
    ref = Column(String(16), nullable=False, unique=True)
    practitioner_id = Column(Integer, ForeignKey("practitioners.id"), nullable=False)
    treatment_key = Column(String(64), nullable=False)
    starts_at = Column(UTCDateTime, nullable=False, index=True)
    ends_at = Column(UTCDateTime, nullable=False)
    status = Column(_enum(BookingStatus, "booking_status"), nullable=False)
    client_name = Column(String(100))
    phone = Column(String(20), index=True)
    email = Column(String(254), index=True)
    consent_at = Column(UTCDateTime, nullable=False)
    channel = Column(String(32), nullable=False)
    # The conversation id, "<channel>:<the platform's id>" (migration 0003).
    sender_id = Column(String(255))
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    updated_at = Column(UTCDateTime, nullable=False, default=utc_now, onupdate=utc_now)
    cancelled_at = Column(UTCDateTime)
    # Version of the appointment for calendars (iCalendar SEQUENCE): +1 on each move or cancel.
    sequence = Column(Integer, nullable=False, default=0, server_default="0")

    practitioner = relationship("Practitioner")


class HandoffRequest(Base):
    """A client asked for a person: what the front desk needs to get back to them."""

    __tablename__ = "handoff_requests"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(255), nullable=False)
    transcript = Column(JSON, nullable=False, default=list)
    contact = Column(String(254))
    reason = Column(String(64), nullable=False, default="asked_for_a_person")
    status = Column(_enum(HandoffStatus, "handoff_status"), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)
    closed_at = Column(UTCDateTime)


# --- front desk console (bot/console) ------------------------------------------------------


class StaffAccount(Base):
    """A member of staff who may log in to the front desk console (`clinic staff add`)."""

    __tablename__ = "staff_accounts"

    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False, unique=True)
    # argon2id hash (argon2-cffi); never shown, never logged.
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime)
    # Bumped by a password reset or disabling: every session cookie signed before is void.
    session_version = Column(Integer, nullable=False, default=1)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    last_login_at = Column(UTCDateTime)


class AuditEntry(Base):
    """Who changed what, when: one row per change made in the console or by `clinic staff`."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)
    staff_name = Column(String(64), nullable=False)
    action = Column(String(40), nullable=False)
    # What it was done to: a booking reference, "handoff 12", a staff name.
    target = Column(String(64), nullable=False)
    details = Column(JSON, nullable=False, default=dict)


class ConversationTakeover(Base):
    """Staff own this conversation: the input channels keep its messages from the assistant.

    A row in the shared store (not Rasa's in-process state), so it holds on every Rasa
    instance and across restarts; deleting it hands the conversation back.
    """

    __tablename__ = "conversation_takeovers"
    __table_args__ = (UniqueConstraint("channel", "sender_id"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(128), nullable=False)
    handoff_id = Column(
        Integer, ForeignKey("handoff_requests.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    staff_name = Column(String(64), nullable=False)
    taken_at = Column(UTCDateTime, nullable=False, default=utc_now)


class HandoffMessage(Base):
    """A message of a handoff conversation after the request: the client's, or staff's reply."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(
        Integer, ForeignKey("handoff_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at = Column(UTCDateTime, nullable=False, default=utc_now)
    author = Column(String(16), nullable=False)  # client | staff | note
    staff_name = Column(String(64))
    text = Column(Text, nullable=False)


class KnowledgeLoad(Base):
    """When `clinic knowledge load` last mirrored the YAML into the store (console status)."""

    __tablename__ = "knowledge_loads"

    id = Column(Integer, primary_key=True)
    loaded_at = Column(UTCDateTime, nullable=False, default=utc_now)
    changed = Column(Boolean, nullable=False)
    summary = Column(Text, nullable=False, default="")


class OutboxMessage(Base):
    """A message to send (confirmation, reminder, notification), written in the same
    transaction as the change it is about; `clinic outbox run` delivers it.

    `dedupe_key` makes each intent unique (e.g. one reminder per booking, version and
    hour), so a retried transaction or a second enqueue never sends twice. `body` holds only
    what sending needs; `last_error` only an error's type and status, never its text.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due", "status", "due_at"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(40), nullable=False)
    channel = Column(String(20), nullable=False)
    recipient = Column(String(254), nullable=False)
    body = Column(JSON, nullable=False, default=dict)
    dedupe_key = Column(String(200), nullable=False, unique=True)
    booking_id = Column(Integer, ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    handoff_id = Column(
        Integer, ForeignKey("handoff_requests.id", ondelete="CASCADE"), index=True
    )
    status = Column(_enum(OutboxStatus, "outbox_status"), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    due_at = Column(UTCDateTime, nullable=False)
    claim_token = Column(String(32))
    claimed_until = Column(UTCDateTime)
    last_error = Column(String(200))
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    sent_at = Column(UTCDateTime)


class BookingLookupFailure(Base):
    """A reference + contact pair that matched no booking, or a check refused for too many.

    Counted to stop guessing (bot.booking.guesses); `clinic lockouts list` shows the refused
    ones to staff. No contact details: the contact and the client's address are kept only
    as keyed hashes, enough to count repeats. `ref` is the reference that was tried.
    """

    __tablename__ = "booking_lookup_failures"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(255))
    ref = Column(String(16))
    contact_key = Column(String(64), index=True)
    address_key = Column(String(64), index=True)
    # True: the check was refused (the limit was reached), not just a wrong pair.
    locked_out = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)
