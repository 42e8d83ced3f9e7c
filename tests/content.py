"""What the clinic's staff write in data/knowledge, read as the assistant reads it.

Tests assert against these values, never against literals: staff are told to edit prices,
the phone number, the address and answers, and such an edit must not break `make test`.
(tests/knowledge/test_knowledge_schema.py is the one test that pins the files' shape.)
"""

from __future__ import annotations

from datetime import time

from bot.knowledge.loader import read_knowledge_dir
from bot.knowledge.schema import ConditionSpec, TopicSpec, TreatmentSpec
from bot.replies import format_money
from bot.store.queries import OpeningSpan
from tests.stores import KNOWLEDGE_DIR

KNOWLEDGE = read_knowledge_dir(KNOWLEDGE_DIR)
CLINIC = KNOWLEDGE.clinic
TREATMENTS = KNOWLEDGE.treatments
FIRST_SESSION: TreatmentSpec = next(t for t in TREATMENTS if t.first_session)


def price(treatment: TreatmentSpec) -> str:
    """The price as the assistant writes it, e.g. "£85"."""
    return format_money(treatment.price_minor, CLINIC.currency)


def topic(key: str) -> TopicSpec:
    return next(t for t in KNOWLEDGE.topics if t.key == key)


def answer_start(key: str) -> str:
    """The first words of a topic's answer: enough to recognise it in a reply."""
    return topic(key).answer.strip().splitlines()[0][:40]


def condition(key: str) -> ConditionSpec:
    return next(c for c in KNOWLEDGE.conditions if c.key == key)


# A fixed week shaped like the clinic's (Monday 0 to Saturday 5; Thursday late; Sunday
# closed), for tests of pure logic that takes the hours as an argument: these must not
# follow staff edits of clinic.yml.
SAMPLE_HOURS = (
    OpeningSpan(0, time(9), time(18)),
    OpeningSpan(1, time(9), time(18)),
    OpeningSpan(2, time(9), time(18)),
    OpeningSpan(3, time(9), time(20)),
    OpeningSpan(4, time(9), time(18)),
    OpeningSpan(5, time(9, 30), time(14)),
)
