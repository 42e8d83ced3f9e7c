"""Reply texts (pure functions) and the store-backed Answers."""

from __future__ import annotations

import re
import socket
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from bot import replies
from bot.answers import Answers
from bot.knowledge.loader import read_knowledge_dir
from bot.store.models import Verdict
from bot.store.queries import Clinic, ConditionAdvice, OpeningSpan
from tests import content
from tests.content import CLINIC, SAMPLE_HOURS
from tests.stores import KNOWLEDGE_DIR

LONDON_HOURS = SAMPLE_HOURS


def make_clinic(hours=LONDON_HOURS, tz="Europe/London") -> Clinic:
    return Clinic(
        name="Test Clinic",
        address="1 Test Street",
        phone="+44 117 000 0000",
        email="desk@test.example",
        website=None,
        privacy_url=None,
        timezone=tz,
        country="GB",
        currency="GBP",
        emergency_number="999",
        urgent_advice_number="111",
        opening_hours=hours,
    )


# --- format_money ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (8500, "GBP", "£85"),
        (8550, "GBP", "£85.50"),
        (8505, "GBP", "£85.05"),
        (39000, "GBP", "£390"),
        (5, "GBP", "£0.05"),
        (150000, "GBP", "£1,500"),
        (8500, "EUR", "€85"),
        (8500, "CHF", "CHF 85"),
        (8550, "CHF", "CHF 85.50"),
    ],
)
def test_format_money_shows_pence_only_when_there_are_some(minor, currency, expected):
    assert replies.format_money(minor, currency) == expected


# --- opening hours ---------------------------------------------------------------------


def test_opening_hours_text_merges_consecutive_equal_days_and_shows_sunday_closed():
    assert replies.opening_hours_text(LONDON_HOURS) == (
        "Mon-Wed 09:00-18:00; Thu 09:00-20:00; Fri 09:00-18:00; Sat 09:30-14:00; Sun closed"
    )


def test_opening_hours_text_shows_closed_days_between_open_ones():
    hours = (
        OpeningSpan(0, time(9), time(17)),
        OpeningSpan(2, time(9), time(17)),
        OpeningSpan(3, time(9), time(17)),
    )

    assert replies.opening_hours_text(hours) == (
        "Mon 09:00-17:00; Tue closed; Wed-Thu 09:00-17:00; Fri-Sun closed"
    )


def test_opening_hours_text_for_no_hours_is_closed_all_week():
    assert replies.opening_hours_text(()) == "Mon-Sun closed"


# 2024-01-15 is a Monday (GMT, UTC+0); 2024-07-15 is a Monday (BST, UTC+1).
def at(year: int, month: int, day: int, hour: int, zone: str) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(datetime(2024, 1, 15, 10, 0, tzinfo=timezone.utc), True, id="mon-10-utc"),
        pytest.param(datetime(2024, 1, 15, 8, 59, tzinfo=timezone.utc), False, id="mon-before-9"),
        pytest.param(datetime(2024, 1, 15, 18, 0, tzinfo=timezone.utc), False, id="mon-at-close"),
        pytest.param(
            datetime(2024, 7, 15, 8, 30, tzinfo=timezone.utc), True, id="summer-0830utc-is-0930bst"
        ),
        pytest.param(
            datetime(2024, 7, 15, 17, 30, tzinfo=timezone.utc),
            False,
            id="summer-1730utc-is-1830bst",
        ),
        pytest.param(
            datetime(2024, 1, 18, 19, 30, tzinfo=timezone.utc), True, id="thu-late-opening"
        ),
        pytest.param(datetime(2024, 1, 19, 19, 30, tzinfo=timezone.utc), False, id="fri-1930"),
        pytest.param(datetime(2024, 1, 20, 13, 59, tzinfo=timezone.utc), True, id="sat-1359"),
        pytest.param(datetime(2024, 1, 20, 14, 0, tzinfo=timezone.utc), False, id="sat-1400"),
        pytest.param(datetime(2024, 1, 21, 12, 0, tzinfo=timezone.utc), False, id="sunday"),
        pytest.param(at(2024, 1, 15, 5, "America/New_York"), True, id="ny-5am-is-london-10am"),
        pytest.param(at(2024, 1, 15, 10, "America/New_York"), True, id="ny-10am-is-london-3pm"),
        pytest.param(at(2024, 1, 15, 14, "America/New_York"), False, id="ny-2pm-is-london-7pm"),
        pytest.param(
            at(2024, 1, 16, 6, "Pacific/Auckland"), True, id="auckland-tue-6am-is-london-mon-5pm"
        ),
        pytest.param(
            at(2024, 1, 15, 10, "Pacific/Auckland"), False, id="auckland-mon-10am-is-london-sun-9pm"
        ),
    ],
)
def test_is_open_compares_in_the_clinic_time_zone(at, expected):
    assert replies.is_open(make_clinic(), at) is expected


def test_is_open_uses_the_clinic_time_zone_not_london():
    tokyo_clinic = make_clinic(tz="Asia/Tokyo")
    # Monday 10:00 in Tokyo is Monday 01:00 in London.
    at = datetime(2024, 1, 15, 1, 0, tzinfo=timezone.utc)

    assert replies.is_open(tokyo_clinic, at) is True
    assert replies.is_open(make_clinic(), at) is False


# --- suitability -----------------------------------------------------------------------

BLANKET_YES = re.compile(r"\b(?:yes|suitable|that is usually fine|no problem)\b", re.IGNORECASE)


def test_suitability_reply_for_consult_first_has_no_blanket_yes_and_names_the_practitioner():
    condition = ConditionAdvice(
        "anticoagulants",
        "blood-thinning medicine",
        Verdict.CONSULT_FIRST,
        "Please talk to your GP first.",
    )

    reply = replies.suitability_reply([condition])

    assert not BLANKET_YES.search(reply)
    assert reply.startswith("Blood-thinning medicine: please talk to the practitioner")
    assert reply.endswith(replies.PRACTITIONER_CHECKS)


def test_suitability_reply_for_every_real_consult_first_condition_has_no_blanket_yes():
    consult_first = [
        ConditionAdvice(c.key, c.name, c.verdict, c.advice)
        for c in read_knowledge_dir(KNOWLEDGE_DIR).conditions
        if c.verdict is Verdict.CONSULT_FIRST
    ]
    assert consult_first

    for condition in consult_first:
        reply = replies.suitability_reply([condition])
        assert not re.search(r"\byes\b", reply, re.IGNORECASE), condition.key
        assert not re.search(r"\b(?:you are|you're|it is|it's) suitable\b", reply, re.I)
        assert "talk to the practitioner before you book" in reply
        assert reply.endswith(replies.PRACTITIONER_CHECKS)


@pytest.mark.parametrize("verdict", list(Verdict))
def test_suitability_reply_always_ends_with_the_practitioner_check(verdict):
    reply = replies.suitability_reply([ConditionAdvice("x", "something", verdict, "Some advice.")])

    assert reply.endswith(replies.PRACTITIONER_CHECKS)
    assert "Some advice." in reply


def test_suitability_reply_lists_each_condition_in_its_own_paragraph():
    reply = replies.suitability_reply(
        [
            ConditionAdvice("a", "pregnancy", Verdict.CONSULT_FIRST, "Advice A."),
            ConditionAdvice("b", "rosacea", Verdict.CAUTION, "Advice B."),
        ]
    )

    assert reply.split("\n\n") == [
        "Pregnancy: please talk to the practitioner before you book a treatment. Advice A.",
        "Rosacea: usually possible, with some care. Advice B.",
        replies.PRACTITIONER_CHECKS,
    ]


# --- Answers against a real store ---------------------------------------------------------


@pytest.fixture(scope="module")
def bundle():
    return read_knowledge_dir(KNOWLEDGE_DIR)


def test_price_topic_lists_every_treatment_with_its_price(store_url, bundle):
    reply = Answers(store_url).topic("ask_price")

    price_topic = next(t for t in bundle.topics if t.intent == "ask_price")
    assert reply.startswith(price_topic.answer.strip())
    for treatment in bundle.treatments:
        line = (
            f"- {treatment.name} ({treatment.duration_minutes} min): "
            f"{replies.format_money(treatment.price_minor, 'GBP')}"
        )
        assert line in reply.splitlines()


def test_pain_topic_is_the_yaml_answer(store_url, bundle):
    pain = next(t for t in bundle.topics if t.intent == "ask_pain")

    assert Answers(store_url).topic("ask_pain") == pain.answer.strip()


def test_unknown_intent_has_no_topic(store_url):
    assert Answers(store_url).topic("unknown_intent") is None


def test_suitability_for_anticoagulants_gives_advice_and_mentions_the_practitioner(store_url):
    reply = Answers(store_url).suitability(["anticoagulants"])
    anticoagulants = content.condition("anticoagulants")
    name = anticoagulants.name

    assert reply.startswith(f"{name[:1].upper()}{name[1:]}: please talk to the practitioner")
    assert anticoagulants.advice.strip() in reply
    assert reply.endswith(replies.PRACTITIONER_CHECKS)


def test_suitability_without_known_conditions_asks_which_condition(store_url):
    answers = Answers(store_url)

    assert answers.suitability([]).startswith("Which condition")
    assert answers.suitability(["not_a_condition"]) == replies.unknown_condition_reply()


def test_emergency_starts_with_the_emergency_number_then_the_clinic(store_url):
    advice = Answers(store_url).emergency()

    assert advice.startswith(f"If this is happening now, please call {CLINIC.emergency_number} ")
    assert (
        advice.index(CLINIC.emergency_number)
        < advice.index(f"call {CLINIC.urgent_advice_number}")
        < advice.index(CLINIC.phone)
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def _missing_directory(tmp_path):
    return f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'clinic.db'}"


def _closed_postgres_port(_tmp_path):
    return f"postgresql://clinic:secret@127.0.0.1:{_closed_port()}/clinic"


def _parent_is_a_file(tmp_path):
    (tmp_path / "a_file").write_text("not a directory")
    return f"sqlite:///{tmp_path / 'a_file' / 'clinic.db'}"


def _not_a_database(tmp_path):
    (tmp_path / "garbage.db").write_text("this is not an SQLite database\n" * 200)
    return f"sqlite:///{tmp_path / 'garbage.db'}"


@pytest.mark.parametrize(
    "broken_url",
    [
        pytest.param(_missing_directory, id="sqlite-in-missing-directory"),
        pytest.param(_closed_postgres_port, id="postgresql-on-closed-port"),
        pytest.param(_parent_is_a_file, id="sqlite-under-a-file"),
        pytest.param(_not_a_database, id="sqlite-file-not-a-database"),
    ],
)
def test_emergency_advice_still_given_when_the_store_is_unreachable(broken_url, tmp_path):
    advice = Answers(broken_url(tmp_path)).emergency()

    assert advice.startswith("If this is happening now, please call 999 straight away")


def test_emergency_advice_still_given_when_the_store_is_empty(empty_store_url):
    advice = Answers(empty_store_url).emergency()

    assert advice.startswith("If this is happening now, please call 999 straight away")
