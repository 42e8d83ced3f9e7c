"""Tables of the store, one module per concern; `from bot.store.models import X` keeps
working for every table, enum and helper.

- base: the declarative base (named constraints), UTC datetimes, enum columns
- enums: the values of status and verdict columns
- knowledge: the clinic, topics, conditions, treatments (from data/knowledge/*.yml)
- practitioners: who sees clients when (from practitioners.yml)
- booking: clients' bookings and the failed look-ups counted to stop guessing
- front_desk: handoff requests, takeovers, staff accounts, the audit log
- outbox: messages the clinic sends on its own

Importing this package imports every module, so Base.metadata holds every table
(Alembic's autogenerate and the relationships by name need them all).
"""

from bot.store.models.base import (
    MAPPER_REGISTRY,
    NAMING_CONVENTION,
    Base,
    UTCDateTime,
    enum_column,
    utc_now,
)
from bot.store.models.booking import Booking, BookingLookupFailure
from bot.store.models.enums import BookingStatus, HandoffStatus, OutboxStatus, Verdict
from bot.store.models.front_desk import (
    AuditEntry,
    ConversationTakeover,
    HandoffMessage,
    HandoffRequest,
    StaffAccount,
)
from bot.store.models.knowledge import (
    ClinicInfo,
    Condition,
    ConditionSynonym,
    KnowledgeLoad,
    KnowledgeState,
    OpeningHours,
    Topic,
    Treatment,
)
from bot.store.models.outbox import OutboxMessage
from bot.store.models.practitioners import Practitioner, WorkingHours

__all__ = [
    "MAPPER_REGISTRY",
    "NAMING_CONVENTION",
    "AuditEntry",
    "Base",
    "Booking",
    "BookingLookupFailure",
    "BookingStatus",
    "ClinicInfo",
    "Condition",
    "ConditionSynonym",
    "ConversationTakeover",
    "HandoffMessage",
    "HandoffRequest",
    "HandoffStatus",
    "KnowledgeLoad",
    "KnowledgeState",
    "OpeningHours",
    "OutboxMessage",
    "OutboxStatus",
    "Practitioner",
    "StaffAccount",
    "Topic",
    "Treatment",
    "UTCDateTime",
    "Verdict",
    "WorkingHours",
    "enum_column",
    "utc_now",
]
