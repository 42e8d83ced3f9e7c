"""What the assistant answers, read from the store: one short session per call.

Everything here is synchronous (SQLAlchemy sessions); async callers run these
methods in a worker thread so the action server's event loop never blocks.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bot import replies, safety
from bot.settings import get_settings
from bot.store import queries
from bot.store.session import StoreUnavailable, session_scope

PRICE_INTENT = "ask_price"
FIRST_VISIT_TOPIC = "first_visit"


class Answers:
    """Reply texts built from the knowledge store."""

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url
        # Kept so an apology can still give the phone number while the store is down.
        self.last_known_phone: str | None = None

    def _session(self):
        return session_scope(self.database_url)

    def _clinic(self, session) -> queries.Clinic:
        clinic = queries.get_clinic(session)
        self.last_known_phone = clinic.phone
        return clinic

    def clinic(self) -> queries.Clinic:
        with self._session() as session:
            return self._clinic(session)

    def first_visit(self) -> str | None:
        """What to expect at a first visit (sent with booking confirmations)."""
        with self._session() as session:
            topic = queries.topic_by_key(session, FIRST_VISIT_TOPIC)
        return topic.answer if topic else None

    def first_session_price(self) -> tuple[int, str]:
        """(duration in minutes, formatted price) of the first session."""
        with self._session() as session:
            clinic = self._clinic(session)
            first = next(t for t in queries.list_treatments(session) if t.first_session)
        return first.duration_minutes, replies.format_money(first.price_minor, clinic.currency)

    def topic(self, intent: str) -> str | None:
        """The vetted answer for a question intent (prices appended for ask_price)."""
        with self._session() as session:
            topic = queries.topic_for_intent(session, intent)
            if topic is None:
                return None
            if intent != PRICE_INTENT:
                return topic.answer.strip()
            clinic = self._clinic(session)
            return replies.price_list(
                topic.answer, queries.list_treatments(session), clinic.currency
            )

    def suitability(self, condition_keys: list[str]) -> str:
        """Verdict and advice for each known condition, or a question back if none is known."""
        with self._session() as session:
            conditions = queries.conditions_by_key(session, condition_keys)
        if not conditions:
            return replies.unknown_condition_reply()
        return replies.suitability_reply(conditions)

    def booking_offer(self) -> str:
        with self._session() as session:
            clinic = self._clinic(session)
            first = next((t for t in queries.list_treatments(session) if t.first_session), None)
        return replies.booking_offer(first, clinic.currency)

    def booking_contact(self) -> str:
        with self._session() as session:
            return replies.booking_contact(self._clinic(session))

    def front_desk(self, now: datetime | None = None) -> str:
        with self._session() as session:
            clinic = self._clinic(session)
        return replies.front_desk_reply(clinic, now or datetime.now(timezone.utc))

    def emergency(self) -> str:
        """Urgent-care advice; never fails, even when the store is down."""
        try:
            with self._session() as session:
                clinic = self._clinic(session)
        except (StoreUnavailable, queries.KnowledgeNotLoaded):
            return safety.emergency_advice(
                get_settings().emergency_number, None, self.last_known_phone
            )
        return safety.emergency_advice(
            clinic.emergency_number, clinic.urgent_advice_number, clinic.phone
        )

    def no_answer_yet(self) -> str:
        return replies.no_answer_yet(self.last_known_phone)

    def for_intent(self, intent: str | None, condition_keys: list[str]) -> str | None:
        """The vetted reply for a recognised intent (what staff read out on the phone)."""
        if intent == "ask_suitability":
            return self.suitability(list(dict.fromkeys(condition_keys)))
        if intent == "emergency":
            return self.emergency()
        if intent == "book_session":
            return self.booking_contact()
        if intent == "request_human":
            return self.front_desk()
        if intent and intent.startswith("ask_"):
            return self.topic(intent)
        return None

    def unavailable(self) -> str:
        return replies.store_unavailable_reply(self.last_known_phone)
