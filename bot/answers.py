"""What the assistant answers, read from the store: one short session per call.

Everything here is synchronous (SQLAlchemy sessions); async callers run these
methods in a worker thread so the action server's event loop never blocks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from bot import replies, safety
from bot.knowledge import facts
from bot.knowledge.retrieval import MAX_SUGGESTIONS, Decision, FaqRetriever, Ranked
from bot.message_shape import (
    WANTS_A_PERSON,
    is_button_payload,
    names_something,
    question_parts,
)
from bot.reply import (
    ASK_PERSON_BUTTON,
    CHOICE_INTRO,
    CONSULTATION_BUTTONS,
    CONSULTATION_OFFER,
    LIKELY_INTRO,
    LIKELY_OTHERS,
    OTHER_HALF_INTRO,
    UNCONFIRMED_NOTE,
    UNLISTED_CONDITION,
    Reply,
    as_text,
    fill_placeholders,
)
from bot.settings import get_settings
from bot.store import queries
from bot.store.models import Verdict
from bot.store.session import StoreUnavailable, session_scope

PRICE_INTENT = "ask_price"
FIRST_VISIT_TOPIC = "first_visit"
BOT_TOPIC = "bot_or_human"
# Health worries: symptoms after a visit, and those the clinic cannot assess (GP, NHS 111).
HEALTH_WORRY_CATEGORIES = frozenset({"after_visit"})
SYMPTOMS_TOPIC = "other_symptoms"
# The general FAQ question intent, and the messages NLU could not place: both ask retrieval.
QUESTION_INTENT = "ask_question"
# Intents with a default topic that retrieval may refine ("bruising before a wedding").
TOPIC_INTENTS = frozenset(
    {"ask_what_is", "ask_pain", "ask_safety", "ask_frequency", "ask_effectiveness", PRICE_INTENT}
)
# The entity a "Do you mean" button sets: only ever a topic key, checked against the store.
TOPIC_ENTITY = "faq_topic"
# Verdicts after which we do not offer to book a treatment.
TALK_FIRST = frozenset({Verdict.CONSULT_FIRST, Verdict.NOT_NOW})


class Answers:
    """Reply texts built from the knowledge store."""

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url
        self.retriever = FaqRetriever(database_url)
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
            if topic is None or topic.answer is None:
                return None
            return fill_placeholders(topic.answer, self._clinic(session))

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
            return self._topic_text(session, topic, "", datetime.now(timezone.utc))

    def _topic_text(
        self, session, topic: queries.TopicAnswer, message: str, now: datetime
    ) -> str:
        """A topic's answer: computed for a clinic fact, placeholders filled, prices listed."""
        clinic = self._clinic(session)
        if topic.fact == "address":
            text = facts.address_reply(clinic)
        elif topic.fact == "hours":
            text = facts.hours_reply(clinic, message, now)
        elif topic.fact == "phone":
            text = facts.phone_reply(clinic)
        elif topic.fact == "email":
            text = facts.email_reply(clinic)
        elif topic.fact == "practitioners":
            text = facts.practitioners_reply(queries.active_practitioners(session), message)
        else:
            text = fill_placeholders(topic.answer or "", clinic).strip()
        if topic.intent == PRICE_INTENT:
            text = replies.price_list(text, queries.list_treatments(session), clinic.currency)
        if not topic.confirmed:
            text = f"{text}\n\n{UNCONFIRMED_NOTE.format(phone=clinic.phone)}"
        return text

    def topic_reply(self, key: str, message: str = "", now: datetime | None = None) -> Reply | None:
        """The answer of the topic with this key (None if there is no such topic)."""
        with self._session() as session:
            topic = queries.topic_by_key(session, key)
            if topic is None:
                return None
            text = self._topic_text(session, topic, message, now or datetime.now(timezone.utc))
        worry = topic.category in HEALTH_WORRY_CATEGORIES or topic.key == SYMPTOMS_TOPIC
        return Reply(
            text, offer_booking=topic.offer_booking, topic=topic.key, health_worry=worry
        )

    def _intent_topic_reply(self, intent: str, message: str, now: datetime | None) -> Reply | None:
        with self._session() as session:
            topic = queries.topic_for_intent(session, intent)
        return self.topic_reply(topic.key, message, now) if topic else None

    def search(self, message: str) -> Decision:
        if self.retriever.database_url != self.database_url:  # the store was switched
            self.retriever = FaqRetriever(self.database_url)
        return self.retriever.decide(message)

    def choice(self, decision: Decision, message: str = "", now: datetime | None = None) -> Reply:
        """ "Do you mean: A / B?" with a button per topic (and a person, if neither); with a
        likely topic, its answer first, named as a guess, and the others as buttons."""
        likely = decision.likely
        guess = self.topic_reply(likely.key, message, now) if likely is not None else None
        buttons = [
            {"title": r.title, "payload": f'/{QUESTION_INTENT}{{"{TOPIC_ENTITY}":"{r.key}"}}'}
            for r in decision.suggestions
            if guess is None or r.key != guess.topic
        ]
        if likely is None or guess is None:
            return Reply(CHOICE_INTRO, [*buttons, ASK_PERSON_BUTTON])
        text = f"{LIKELY_INTRO.format(title=likely.title)}\n\n{guess.text}\n\n{LIKELY_OTHERS}"
        # A guess never leads to a booking offer.
        return Reply(
            text, [*buttons, ASK_PERSON_BUTTON], topic=guess.topic, likely=True,
            health_worry=guess.health_worry,
        )

    def instead_of_handoff(self, message: str) -> Reply | None:
        """What a message read as "a person, please" really asks, when it is not that:
        "are you a bot?" (the truth and a person button) or "what's your phone number"."""
        if is_button_payload(message) or WANTS_A_PERSON.search(message):
            return None
        decision = self.search(message)
        if _asks_if_bot(decision):
            return self.bot_reply(message)
        if decision.answer is not None and facts.fact_asked(message):
            return self.topic_reply(decision.answer.key, message)
        return None

    def several(self, message: str, now: datetime | None = None) -> Reply | None:
        """A message that asks two things ("does it hurt? and how much is it"): both answers
        when retrieval answers both halves outright; the clear half's answer, and a choice
        for the other half, when the message as a whole has no clear answer. None when it
        asks one thing."""
        parts = question_parts(message)
        if len(parts) < 2:
            return None
        keys: dict[str, str] = {}
        unclear: list[Decision] = []
        for part in parts:
            decision = self.search(part)
            if decision.answer is not None and decision.answer.key != BOT_TOPIC:
                keys.setdefault(decision.answer.key, part)
            elif decision.suggestions:
                unclear.append(decision)
        rest = [r for d in unclear for r in d.suggestions if r.key not in keys][:MAX_SUGGESTIONS]
        # One clear half counts only beside another half that is about a topic too ("what's
        # the weather like? and how are you today" is chance) and when the message as a
        # whole has no clear answer.
        if not keys or (len(keys) == 1 and (not rest or self.search(message).answer)):
            return None
        found = [self.topic_reply(key, part, now) for key, part in keys.items()]
        replies_ = [r for r in found if r is not None]
        if not replies_:
            return None
        text = "\n\n".join(r.text for r in replies_)
        if len(keys) == 1:
            # The other half's close topics as buttons; no single topic, so a sure
            # "off-topic" message (which takes only a clear answer) does not take this.
            choice = self.choice(Decision(None, tuple(rest), ()))
            return Reply(f"{text}\n\n{OTHER_HALF_INTRO}", choice.buttons)
        return Reply(
            text,
            offer_booking=all(r.offer_booking for r in replies_),
            topic=replies_[0].topic,
        )

    def _outright(
        self, message: str, now: datetime | None
    ) -> tuple[Reply | None, Decision | None]:
        """(reply, None) for what retrieval answers outright: both halves of a two-question
        message, "are you a bot?", one clear topic; else (None, the decision to go on from)."""
        both = self.several(message, now)
        if both is not None:
            return both, None
        decision = self.search(message)
        if _asks_if_bot(decision):
            return self.bot_reply(message), None
        if decision.answer is not None:
            return self.topic_reply(decision.answer.key, message, now), None
        return None, decision

    def from_search(self, message: str, now: datetime | None = None) -> Reply | None:
        """The answer retrieval finds for a message, a choice of close topics, or None."""
        if is_button_payload(message):
            return None
        reply, decision = self._outright(message, now)
        if decision is not None and decision.suggestions:
            return self.choice(decision, message, now)
        return reply

    def respond(
        self,
        intent: str | None,
        message: str,
        chosen_topic: str | None = None,
        now: datetime | None = None,
    ) -> Reply | None:
        """The reply to a question: a chosen button's topic, the intent's topic refined by
        retrieval, or retrieval alone (general questions, messages NLU could not place)."""
        if chosen_topic:
            return self.topic_reply(chosen_topic, message, now)
        if intent in TOPIC_INTENTS and not is_button_payload(message):
            return self._refined(intent, message, now)
        if intent in TOPIC_INTENTS:
            return self._intent_topic_reply(intent, message, now)
        return self.from_search(message, now)

    def _refined(self, intent: str, message: str, now: datetime | None) -> Reply | None:
        """A topic intent's question: its default topic unless retrieval points elsewhere
        ("can I buy a gift voucher" is read as a price question by the NLU)."""
        reply, decision = self._outright(message, now)
        if decision is None:
            return reply
        with self._session() as session:
            default = queries.topic_for_intent(session, intent)
        suggested = [r.key for r in decision.suggestions]
        if default is None or not suggested or default.key in suggested:
            # The NLU's topic is among retrieval's close ones: answer it.
            return self._intent_topic_reply(intent, message, now)
        # Retrieval prefers another topic, not clearly, and the NLU's topic is not even close:
        # retrieval's is the more specific reading (the intents are broad: "how big are the
        # needles" reads as ask_pain), so it is answered as a guess, the NLU's as a button.
        default_rank = Ranked(default.key, default.title, 0.0)
        decision = Decision(
            None, (*decision.suggestions[:1], default_rank), decision.ranked,
            decision.suggestions[0],
        )
        return self.choice(decision, message, now)

    def bot_reply(self, message: str = "") -> Reply | None:
        reply = self.topic_reply(BOT_TOPIC, message)
        if reply is None:
            return None
        return Reply(reply.text, [ASK_PERSON_BUTTON], offer_booking=False, topic=BOT_TOPIC)

    def consultation_offer(self) -> Reply:
        with self._session() as session:
            clinic = self._clinic(session)
        return Reply(CONSULTATION_OFFER.format(phone=clinic.phone), list(CONSULTATION_BUTTONS))

    def suitability(self, condition_keys: list[str]) -> str:
        """Verdict and advice for each known condition, or a question back if none is known."""
        return self.suitability_verdict(condition_keys)[0]

    def without_known_condition(self, message: str) -> Reply | None:
        """A suitability question that names no condition the store knows: the FAQ topic it
        clearly asks ("can men have it?"), or, when it names something the store has no
        notes on ("I use tretinoin cream"), the honest general answer. None when it names
        nothing ("am I ok?"): then asking which condition is the help."""
        reply = self.from_search(message)
        if reply is not None and reply.topic and not reply.likely:
            return reply
        if not names_something(message):
            return None
        return Reply(UNLISTED_CONDITION, talk_first=True)

    def suitability_verdict(self, condition_keys: list[str]) -> tuple[str, bool | None]:
        """(reply, whether booking may be offered); None: no known condition was named."""
        with self._session() as session:
            conditions = queries.conditions_by_key(session, condition_keys)
            if conditions:
                clinic = self._clinic(session)
                conditions = [
                    replace(c, advice=fill_placeholders(c.advice, clinic)) for c in conditions
                ]
        if not conditions:
            return replies.unknown_condition_reply(), None
        bookable = not any(c.verdict in TALK_FIRST for c in conditions)
        return replies.suitability_reply(conditions), bookable

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

    def emergency(self, text: str | None = None) -> str:
        """Urgent-care advice (fitted to what the message describes); never fails, even
        when the store is down."""
        try:
            with self._session() as session:
                clinic = self._clinic(session)
        except (StoreUnavailable, queries.KnowledgeNotLoaded):
            return safety.emergency_advice(
                get_settings().emergency_number, None, self.last_known_phone, text=text
            )
        return safety.emergency_advice(
            clinic.emergency_number, clinic.urgent_advice_number, clinic.phone, text=text
        )

    def no_answer_yet(self) -> str:
        return replies.no_answer_yet(self.last_known_phone)

    def for_intent(
        self, intent: str | None, condition_keys: list[str], text: str | None = None
    ) -> str | None:
        """The vetted reply for a recognised intent (what staff read out on the phone)."""
        if intent == "ask_suitability":
            return self.suitability(list(dict.fromkeys(condition_keys)))
        if intent == "emergency":
            return self.emergency(text)
        if intent == "book_session":
            return self.booking_contact()
        if intent == "request_human":
            return self.front_desk()
        return None

    def for_message(
        self, intent: str | None, message: str, condition_keys: list[str]
    ) -> str | None:
        """What the assistant answers a message (`clinic ask`): the same choices as the actions."""
        if intent == "request_human":
            reply = self.instead_of_handoff(message)
            if reply is not None:
                return reply.text
        if intent == "ask_suitability" and not condition_keys:
            reply = self.without_known_condition(message)
            if reply is not None and reply.talk_first:
                return f"{as_text(reply)}\n\n{as_text(self.consultation_offer())}"
            if reply is not None:
                return as_text(reply)
        answer = self.for_intent(intent, condition_keys, message)
        if answer is not None:
            return answer
        if intent in TOPIC_INTENTS or intent in {QUESTION_INTENT, "nlu_fallback", "out_of_scope"}:
            reply = self.respond(intent, message)
            return as_text(reply) if reply else None
        return None

    def unavailable(self) -> str:
        return replies.store_unavailable_reply(self.last_known_phone)


def _asks_if_bot(decision: Decision) -> bool:
    """Whether the closest topic (answer or first suggestion) is "are you a bot?"."""
    top = decision.answer or (decision.suggestions[0] if decision.suggestions else None)
    return top is not None and top.key == BOT_TOPIC
