"""The knowledge loader mirrors data/knowledge/*.yml into the store, atomically."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.knowledge import store_sync
from bot.knowledge.loader import KnowledgeError, load_knowledge, read_knowledge_dir
from bot.store.models import Base, Condition, ConditionSynonym, Topic, Treatment
from bot.store.session import StoreUnavailable, get_engine, session_scope
from tests.content import FIRST_SESSION, TREATMENTS, topic

# --- helpers -------------------------------------------------------------------------


# Tables mirrored from data/knowledge (bookings and handoffs are the clinic's own records).
KNOWLEDGE_TABLES = {
    "clinic_info",
    "opening_hours",
    "topics",
    "conditions",
    "condition_synonyms",
    "treatments",
    "practitioners",
    "working_hours",
}
# Bookkeeping written by a load, not mirrored from a file.
LOAD_STATE_TABLES = {"knowledge_state"}


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the store, ordered by primary key (not the log of loads)."""
    with get_engine(url).connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
            if table.name != "knowledge_loads"
        }


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must occur exactly once) with `new` in a knowledge file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def cut_condition(path: Path, key: str) -> None:
    """Delete the whole `- key: <key>` entry from conditions.yml."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - key: {key}\n")
    following = text.find("\n  - key: ", start + 1)
    end = len(text) if following == -1 else following + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def line_number(path: Path, fragment: str) -> int:
    """The 1-based number of the only line of `path` that contains `fragment`."""
    lines = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if fragment in line
    ]
    assert len(lines) == 1, f"{fragment!r} should be on exactly one line of {path.name}"
    return lines[0]


def synonyms_by_phrase(url: str) -> dict[str, str]:
    """phrase -> condition key, as stored."""
    with session_scope(url) as session:
        rows = session.execute(select(ConditionSynonym.phrase, Condition.key).join(Condition)).all()
    return dict(rows)


# Read from the files, so that staff's edits of the answer and prices do not break these tests.
PAIN_ANSWER_START = topic("pain").answer.splitlines()[0][:40]
FOLLOW_UP_PRICE = f'price: "{next(t for t in TREATMENTS if t.key == "follow_up").price}"'


# --- loading and re-loading ------------------------------------------------------------


def test_first_load_into_empty_store_reports_every_row_as_added(knowledge_dir, empty_store_url):
    bundle = read_knowledge_dir(knowledge_dir)

    report = load_knowledge(knowledge_dir, empty_store_url)

    assert report.changed_anything
    expected_added = {
        "clinic_info": 1,
        "opening_hours": len(bundle.clinic.opening_hours),
        "topics": len(bundle.topics),
        "conditions": len(bundle.conditions),
        "condition_synonyms": sum(len(c.synonyms) for c in bundle.conditions),
        "treatments": len(bundle.treatments),
        "practitioners": len(bundle.practitioners),
        "working_hours": sum(len(p.working_hours) for p in bundle.practitioners),
    }
    assert {name: c.added for name, c in report.tables.items()} == expected_added
    assert all(c.changed == 0 and c.removed == 0 for c in report.tables.values())
    rows = dump(empty_store_url)
    assert {name: len(rows[name]) for name in expected_added} == expected_added


def test_loaded_store_holds_the_yaml_values(knowledge_dir, empty_store_url):
    load_knowledge(knowledge_dir, empty_store_url)

    with session_scope(empty_store_url) as session:
        pain = session.execute(select(Topic).where(Topic.key == "pain")).scalar_one()
        first = session.execute(select(Treatment).where(Treatment.first_session)).scalar_one()
        assert pain.intent == "ask_pain"
        assert pain.answer.startswith(PAIN_ANSWER_START)
        assert first.key == FIRST_SESSION.key
        assert first.price_minor == FIRST_SESSION.price_minor
    assert synonyms_by_phrase(empty_store_url)["warfarin"] == "anticoagulants"


def test_second_load_changes_nothing(knowledge_dir, empty_store_url):
    load_knowledge(knowledge_dir, empty_store_url)
    before = dump(empty_store_url)

    report = load_knowledge(knowledge_dir, empty_store_url)

    assert report.changed_anything is False
    assert all(c.total == 0 for c in report.tables.values())
    assert set(report.tables) == KNOWLEDGE_TABLES
    assert dump(empty_store_url) == before  # same rows, same ids


def test_editing_one_answer_updates_exactly_one_topic(knowledge_dir, store_url):
    before = dump(store_url)
    edit(
        knowledge_dir / "topics.yml",
        PAIN_ANSWER_START,
        "Edited: " + PAIN_ANSWER_START,
    )

    report = load_knowledge(knowledge_dir, store_url)

    assert report.table("topics").changed == 1
    assert sum(c.total for c in report.tables.values()) == 1
    after = dump(store_url)
    unchanged = KNOWLEDGE_TABLES - {"topics"}
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}
    assert after["knowledge_state"][0][1] == before["knowledge_state"][0][1] + 1
    changed = [
        new for old, new in zip(before["topics"], after["topics"], strict=True) if old != new
    ]
    assert len(after["topics"]) == len(before["topics"])
    assert len(changed) == 1
    with session_scope(store_url) as session:
        pain = session.execute(select(Topic).where(Topic.key == "pain")).scalar_one()
        assert pain.answer.startswith("Edited: " + PAIN_ANSWER_START)
        assert (pain.id,) == tuple(row[0] for row in changed)  # updated in place


def test_removing_a_condition_removes_it_and_its_synonyms(knowledge_dir, store_url):
    rosacea = next(c for c in read_knowledge_dir(knowledge_dir).conditions if c.key == "rosacea")
    cut_condition(knowledge_dir / "conditions.yml", "rosacea")

    report = load_knowledge(knowledge_dir, store_url)

    assert report.table("conditions").removed == 1
    with session_scope(store_url) as session:
        keys = set(session.execute(select(Condition.key)).scalars())
    assert "rosacea" not in keys
    assert "sensitive_skin" in keys  # the neighbour entry survived the edit
    stored = synonyms_by_phrase(store_url)
    assert not set(rosacea.synonyms) & set(stored)
    assert len(dump(store_url)["condition_synonyms"]) == len(stored)  # no orphans left


def test_removing_a_condition_reports_its_synonyms_as_removed(knowledge_dir, store_url):
    rosacea = next(c for c in read_knowledge_dir(knowledge_dir).conditions if c.key == "rosacea")
    cut_condition(knowledge_dir / "conditions.yml", "rosacea")

    report = load_knowledge(knowledge_dir, store_url)

    assert report.table("condition_synonyms").removed == len(rosacea.synonyms)


def test_moving_a_synonym_to_another_condition_takes_one_load(knowledge_dir, store_url):
    conditions = knowledge_dir / "conditions.yml"
    assert synonyms_by_phrase(store_url)["dermatitis"] == "eczema"
    edit(conditions, "      - dermatitis\n", "")
    edit(conditions, "      - reactive skin\n", "      - reactive skin\n      - dermatitis\n")

    report = load_knowledge(knowledge_dir, store_url)

    assert synonyms_by_phrase(store_url)["dermatitis"] == "sensitive_skin"
    assert report.table("condition_synonyms").total == 1
    assert load_knowledge(knowledge_dir, store_url).changed_anything is False


# --- malformed files are refused, the store is untouched ------------------------------

MALFORMED = {
    # id: (file, old text, new text, fragment of the line the error must point at, reason parts)
    "yaml_syntax_error": (
        "topics.yml",
        "    title: Does it hurt?\n",
        "    title: Does it hurt?: really\n",
        "title: Does it hurt?: really",
        ["not valid YAML"],
    ),
    "unknown_verdict": (
        "conditions.yml",
        "    name: rosacea\n    verdict: caution\n",
        "    name: rosacea\n    verdict: maybe\n",
        "verdict: maybe",
        ["verdict", "consult_first", "not_now"],
    ),
    "health_claim_without_sources": (
        "topics.yml",
        "    title: Prices\n    category: policy\n    health_claim: false\n",
        "    title: Prices\n    category: policy\n    health_claim: true\n",
        "- key: price",
        ["health claim", "sources"],
    ),
    "condition_advice_without_sources": (
        "conditions.yml",
        "    sources:\n      - Still Water Facial Acupuncture, clinic policy\n    synonyms:\n"
        "      - rosacea\n",
        "    synonyms:\n      - rosacea\n",
        "- key: rosacea",
        ["sources", "health claim"],
    ),
    "synonym_in_two_conditions": (
        "conditions.yml",
        "      - rosacia\n",
        "      - rosacia\n      - aspirin\n",
        "- key: rosacea",
        ["'aspirin'", "anticoagulants", "rosacea"],
    ),
    "unknown_key_typo": (
        "topics.yml",
        "    answer: |\n      " + PAIN_ANSWER_START,
        "    answr: |\n      " + PAIN_ANSWER_START,
        "answr:",
        ["answr"],
    ),
    "price_without_pence": (
        "treatments.yml",
        FOLLOW_UP_PRICE,
        'price: "85"',
        'price: "85"',
        ["price"],
    ),
    "price_with_one_decimal": (
        "treatments.yml",
        FOLLOW_UP_PRICE,
        'price: "85.5"',
        'price: "85.5"',
        ["price"],
    ),
    "price_with_currency_sign": (
        "treatments.yml",
        FOLLOW_UP_PRICE,
        'price: "£85"',
        'price: "£85"',
        ["price"],
    ),
    "two_first_session_treatments": (
        "treatments.yml",
        f"    {FOLLOW_UP_PRICE}\n    first_session: false",
        f"    {FOLLOW_UP_PRICE}\n    first_session: true",
        "- key: follow_up",
        ["exactly one", "first_session", "found 2"],
    ),
    "unknown_timezone": (
        "clinic.yml",
        "timezone: Europe/London",
        "timezone: Europe/Londn",
        "timezone: Europe/Londn",
        ["unknown time zone", "Europe/Londn"],
    ),
}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=case)
        for case in MALFORMED
    ],
)
def test_malformed_file_is_refused_with_file_line_and_reason(case, knowledge_dir, store_url):
    file_name, old, new, line_fragment, reason_parts = MALFORMED[case]
    path = knowledge_dir / file_name
    edit(path, old, new)
    expected_line = line_number(path, line_fragment)
    before = dump(store_url)

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_dir, store_url)

    error = raised.value
    assert error.path == path
    assert error.line == expected_line
    for part in reason_parts:
        assert part in error.reason
    assert str(error).startswith(f"{path}:{expected_line}: ")
    assert dump(store_url) == before


def test_misspelt_key_is_refused_in_its_file_without_touching_the_store(knowledge_dir, store_url):
    path = knowledge_dir / "topics.yml"
    pain = "    answer: |\n      " + PAIN_ANSWER_START
    edit(path, pain, pain.replace("answer:", "answr:"))
    before = dump(store_url)

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_dir, store_url)

    assert raised.value.path == path
    assert raised.value.reason.startswith("topics.1.")
    assert dump(store_url) == before


def test_malformed_file_leaves_an_empty_store_empty(knowledge_dir, empty_store_url):
    edit(
        knowledge_dir / "conditions.yml",
        "verdict: caution\n    advice: |\n      Rosacea",
        "verdict: maybe\n    advice: |\n      Rosacea",
    )

    with pytest.raises(KnowledgeError):
        load_knowledge(knowledge_dir, empty_store_url)

    assert all(rows == [] for rows in dump(empty_store_url).values())


# --- a database error during the sync rolls everything back ---------------------------


@pytest.mark.parametrize("store", ["empty_store_url", "store_url"])
def test_database_error_during_sync_rolls_back_every_change(
    store, request, knowledge_dir, monkeypatch
):
    url = request.getfixturevalue(store)
    edit(knowledge_dir / "topics.yml", PAIN_ANSWER_START, "Edited answer.")
    cut_condition(knowledge_dir / "conditions.yml", "rosacea")
    edit(knowledge_dir / "treatments.yml", FOLLOW_UP_PRICE, 'price: "1072.00"')
    before = dump(url)
    real_sync_rows = store_sync._sync_rows
    written_before_failure = {}

    def sync_rows_then_fail(session, model, *args, **kwargs):
        if model is Treatment:
            # Earlier tables are already written (flushed) inside this transaction.
            written_before_failure["topics"] = session.execute(
                select(Topic.answer).where(Topic.key == "pain")
            ).scalar_one()
            written_before_failure["conditions"] = set(
                session.execute(select(Condition.key)).scalars()
            )
            raise OperationalError(
                "UPDATE treatments", {}, sqlite3.OperationalError("disk I/O error")
            )
        return real_sync_rows(session, model, *args, **kwargs)

    monkeypatch.setattr(store_sync, "_sync_rows", sync_rows_then_fail)

    with pytest.raises(StoreUnavailable):
        load_knowledge(knowledge_dir, url)

    assert written_before_failure["topics"].startswith("Edited answer.")
    assert "rosacea" not in written_before_failure["conditions"]
    assert "pregnancy" in written_before_failure["conditions"]
    assert dump(url) == before
