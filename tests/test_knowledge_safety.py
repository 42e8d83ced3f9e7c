"""Every answer the clinic's staff write is checked for claims the assistant must never make."""

from __future__ import annotations

import re

import pytest

from bot.knowledge.loader import read_knowledge_dir
from tests.conftest import KNOWLEDGE_DIR

BANNED_CLAIMS = [
    r"\bno risks?\b",
    r"\brisk[- ]free\b",
    r"\bnon[- ]existent\b",
    r"\bdetox\w*",
    r"\btoxins?\b",
    r"\bcures?\b|\bcured\b",
    r"\bguarantee\w*",
    r"\bcompletely safe\b|\b100% safe\b|\bperfectly safe\b",
    r"\bno side[- ]effects?\b",
]
BUNDLE = read_knowledge_dir(KNOWLEDGE_DIR)
ANSWERS = [(f"topic {t.key}", t.answer) for t in BUNDLE.topics] + [
    (f"condition {c.key}", c.advice) for c in BUNDLE.conditions
]


@pytest.mark.parametrize(("where", "text"), ANSWERS, ids=[where for where, _ in ANSWERS])
def test_no_answer_makes_a_banned_claim(where, text):
    found = [pattern for pattern in BANNED_CLAIMS if re.search(pattern, text, re.IGNORECASE)]

    assert found == [], f"{where} says something the assistant must not claim: {found}"


def test_every_health_answer_has_a_source():
    unsourced = [t.key for t in BUNDLE.topics if t.health_claim and not t.sources] + [
        c.key for c in BUNDLE.conditions if not c.sources
    ]

    assert unsourced == []


def test_the_banned_claims_check_catches_the_old_marketing_copy():
    old_copy = "Facial acupuncture is risk-free: the risks are non-existent and it helps detox."

    assert sum(bool(re.search(p, old_copy, re.IGNORECASE)) for p in BANNED_CLAIMS) >= 3


def test_the_safety_answer_is_honest_about_bruising_and_limited_evidence():
    topics = {t.key: t.answer.lower() for t in BUNDLE.topics}

    assert "bruis" in topics["safety"]
    assert "limited" in topics["effectiveness"] or "small" in topics["effectiveness"]
