"""Read queries on the knowledge store, returning plain records (no live ORM objects).

Each record is declared just above the query that makes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import (
    ClinicInfo,
    Condition,
    KnowledgeState,
    OpeningHours,
    Practitioner,
    Topic,
    Treatment,
    Verdict,
)


class KnowledgeNotLoaded(LookupError):
    """The store is empty: run `clinic knowledge load`."""


@dataclass(frozen=True)
class OpeningSpan:
    weekday: int  # 0 = Monday
    opens: time
    closes: time


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str
    phone: str
    email: str
    website: str | None
    privacy_url: str | None
    timezone: str
    country: str
    currency: str
    emergency_number: str
    urgent_advice_number: str | None
    opening_hours: tuple[OpeningSpan, ...]


def get_clinic(session: Session) -> Clinic:
    info = session.execute(select(ClinicInfo).limit(1)).scalar_one_or_none()
    if info is None:
        raise KnowledgeNotLoaded("no clinic details in the store; run `clinic knowledge load`")
    hours = session.execute(select(OpeningHours).order_by(OpeningHours.weekday)).scalars()
    return Clinic(
        name=info.name,
        address=info.address,
        phone=info.phone,
        email=info.email,
        website=info.website,
        privacy_url=info.privacy_url,
        timezone=info.timezone,
        country=info.country,
        currency=info.currency,
        emergency_number=info.emergency_number,
        urgent_advice_number=info.urgent_advice_number,
        opening_hours=tuple(OpeningSpan(h.weekday, h.opens, h.closes) for h in hours),
    )


@dataclass(frozen=True)
class TopicAnswer:
    key: str
    title: str
    answer: str | None  # None for a computed clinic fact
    sources: tuple[str, ...]
    category: str | None = None
    fact: str | None = None
    offer_booking: bool = False
    confirmed: bool = True
    intent: str | None = None


def _topic_answer(topic: Topic | None) -> TopicAnswer | None:
    if topic is None:
        return None
    return TopicAnswer(
        topic.key,
        topic.title,
        topic.answer,
        tuple(topic.sources or ()),
        topic.category,
        topic.fact,
        bool(topic.offer_booking),
        bool(topic.confirmed),
        topic.intent,
    )


def topic_for_intent(session: Session, intent: str) -> TopicAnswer | None:
    topic = session.execute(select(Topic).where(Topic.intent == intent)).scalar_one_or_none()
    return _topic_answer(topic)


def topic_by_key(session: Session, key: str) -> TopicAnswer | None:
    topic = session.execute(select(Topic).where(Topic.key == key)).scalar_one_or_none()
    return _topic_answer(topic)


@dataclass(frozen=True)
class FaqEntry:
    """What the FAQ retrieval indexes for one topic."""

    key: str
    title: str
    intent: str | None
    questions: tuple[str, ...]
    fact: str | None = None  # a computed clinic fact ("hours", "phone" ...)


def faq_entries(session: Session) -> list[FaqEntry]:
    """Every topic with the ways clients ask it, by key."""
    rows = session.execute(
        select(Topic.key, Topic.title, Topic.intent, Topic.questions, Topic.fact).order_by(
            Topic.key
        )
    ).all()
    return [
        FaqEntry(k, title, intent, tuple(qs or ()), fact) for k, title, intent, qs, fact in rows
    ]


def knowledge_version(session: Session) -> int:
    """Bumped by every `clinic knowledge load` that changed something (0: never loaded)."""
    version = session.execute(select(KnowledgeState.version).where(KnowledgeState.id == 1))
    return version.scalar_one_or_none() or 0


@dataclass(frozen=True)
class PractitionerDays:
    name: str
    # (weekday 0 = Monday, starts, ends), in the clinic's time zone
    hours: tuple[tuple[int, time, time], ...]


def active_practitioners(session: Session) -> list[PractitionerDays]:
    rows = session.execute(
        select(Practitioner).where(Practitioner.active).order_by(Practitioner.id)
    ).scalars()
    return [
        PractitionerDays(p.name, tuple((h.weekday, h.starts, h.ends) for h in p.working_hours))
        for p in rows
    ]


@dataclass(frozen=True)
class ConditionAdvice:
    key: str
    name: str
    verdict: Verdict
    advice: str


def conditions_by_key(session: Session, keys: list[str]) -> list[ConditionAdvice]:
    """The conditions with these keys, in the order asked, unknown keys skipped."""
    rows = session.execute(select(Condition).where(Condition.key.in_(keys))).scalars()
    found = {row.key: row for row in rows}
    return [
        ConditionAdvice(row.key, row.name, Verdict(row.verdict), row.advice)
        for row in (found[key] for key in dict.fromkeys(keys) if key in found)
    ]


@dataclass(frozen=True)
class TreatmentPrice:
    key: str
    name: str
    description: str
    duration_minutes: int
    price_minor: int
    first_session: bool


def list_treatments(session: Session) -> list[TreatmentPrice]:
    rows = session.execute(select(Treatment).order_by(Treatment.position, Treatment.key)).scalars()
    return [
        TreatmentPrice(
            r.key, r.name, r.description, r.duration_minutes, r.price_minor, r.first_session
        )
        for r in rows
    ]
