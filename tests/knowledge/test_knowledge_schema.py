"""The one test that pins the shape of data/knowledge: the sections and field names staff
write under, and which are required. It never pins a value (prices, phone, answers):
every other test reads those from the files (tests/content.py).

Renaming or adding a required field is a change for staff and for the YAML files' header
comments; change this test with them on purpose."""

from __future__ import annotations

import pytest
import yaml

from bot.knowledge import schema
from tests.stores import KNOWLEDGE_DIR

# section or entry -> {field: required?}
SHAPE = {
    schema.KnowledgeFile: {
        "clinic": False, "topics": False, "conditions": False, "treatments": False,
        "practitioners": False,
    },
    schema.ClinicSpec: {
        "name": True, "address": True, "phone": True, "email": True, "website": False,
        "privacy_url": False, "timezone": True, "country": True, "currency": True,
        "emergency_number": True, "urgent_advice_number": False, "opening_hours": True,
    },
    schema.OpeningHoursSpec: {"day": True, "opens": True, "closes": True},
    schema.TopicSpec: {
        "key": True, "intent": False, "title": True, "category": False, "fact": False,
        "answer": False, "health_claim": True, "offer_booking": False, "confirmed": False,
        "sources": False, "questions": False,
    },
    schema.ConditionSpec: {
        "key": True, "name": True, "verdict": True, "advice": True, "sources": False,
        "synonyms": True,
    },
    schema.TreatmentSpec: {
        "key": True, "name": True, "description": False, "duration_minutes": True,
        "price": True, "first_session": False,
    },
    schema.PractitionerSpec: {"key": True, "name": True, "working_hours": True},
    schema.WorkingHoursSpec: {"day": True, "starts": True, "ends": True},
}


@pytest.mark.parametrize("spec", list(SHAPE), ids=lambda spec: spec.__name__)
def test_the_knowledge_files_fields_and_which_are_required(spec):
    assert {name: field.required for name, field in spec.__fields__.items()} == SHAPE[spec]


def test_the_files_use_only_the_pinned_sections_and_quote_what_staff_must_quote():
    files = [*KNOWLEDGE_DIR.glob("*.yml"), *(KNOWLEDGE_DIR / "topics").glob("*.yml")]
    raw = {
        str(path.relative_to(KNOWLEDGE_DIR)): yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in files
    }

    assert {section for content in raw.values() for section in content} == set(
        SHAPE[schema.KnowledgeFile]
    )
    clinic = raw["clinic.yml"]["clinic"]
    # The header comments tell staff to quote these; unquoted, YAML would not keep them
    # as written (a leading "+" or "0", a float for a price).
    assert isinstance(clinic["phone"], str) and isinstance(clinic["emergency_number"], str)
    prices = [t["price"] for t in raw["treatments.yml"]["treatments"]]
    assert prices and all(isinstance(price, str) for price in prices)
