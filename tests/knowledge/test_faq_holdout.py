"""Gate: FAQ retrieval on tests/faq_holdout.yml, client questions written blind (the writer saw
only the topic titles and public clinic FAQ pages). Never tuned on: thresholds come from
cross-validation over the topics' own questions (bench/faq.py).

- top-1: the best-ranked topic is one of the question's labels;
- a wrong topic given, outright (above the threshold) or as the named guess of a choice,
  and the right one answered (outright, and with the guesses) often enough;
- clinic-fact questions are answered from the YAML (the fact is in the reply).
"""

from __future__ import annotations

from functools import lru_cache

import pytest
import yaml

from bot.answers import Answers
from bot.knowledge import retrieval
from bot.knowledge.loader import read_knowledge_dir
from bot.settings import PROJECT_ROOT
from tests.stores import KNOWLEDGE_DIR

HOLDOUT = PROJECT_ROOT / "tests" / "faq_holdout.yml"
# Topics added after the hold-out was frozen that also answer some of its questions, labelled
# blind (question text and topic titles only, no model output) and frozen in turn.
HOLDOUT_NEW_TOPICS = PROJECT_ROOT / "tests" / "faq_holdout_new_topics.yml"
# Aims of issue 15: top-1 0.95 and at most 2% wrong answers. The top-1 gate is set at what
# the index reaches (0.900 with similarity alone; 0.919 with the ridge classifier blended
# in and the clinic-fact wordings; 0.929 with the lexicon, typo mending and 64 topics),
# below the aim; see docs/benchmarks.md. Raise it when the figure rises; never add hold-out
# questions to topics.
MIN_TOP1 = 0.92
# A wrong topic given, outright or as a named guess beside other buttons: the aim's 2%
# holds for both together (0.3% outright and 1.3% as guesses now).
MAX_WRONG_ANSWERED = 0.02
# A "Do you mean" choice reads as half an answer: the share answered right outright (0.39
# with the first thresholds, 0.52 now) must not fall back; with the guesses, 0.83.
MIN_RIGHT_OUTRIGHT = 0.50
MIN_RIGHT_WITH_GUESSES = 0.80
# Aim: every clinic-fact question answered from the YAML. Not reached; the gates are what
# the clinic-fact wordings (bot/knowledge/facts.py) and the CV-chosen thresholds reach: 33
# of 36 directly (outright or as the guess; was 19, then 29), 35 of 36 directly or with one
# press of the fact's button (was 32, then 34) (docs/benchmarks.md).
MIN_FACTS_DIRECT = 0.90
MIN_FACTS_REACHED = 0.97

KNOWLEDGE = read_knowledge_dir(KNOWLEDGE_DIR)
CLINIC = KNOWLEDGE.clinic
FACT_OF = {t.key: t.fact for t in KNOWLEDGE.topics if t.fact}


def holdout() -> list[dict]:
    """The hold-out's questions, each with its labels and any later topic's label."""
    questions = yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))["questions"]
    also = {
        row["text"]: row["topics"]
        for row in yaml.safe_load(HOLDOUT_NEW_TOPICS.read_text(encoding="utf-8"))["also"]
    }
    return [{**q, "topics": [*q["topics"], *also.get(q["text"], [])]} for q in questions]


def test_the_later_labels_name_hold_out_questions():
    texts = {q["text"] for q in yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))["questions"]}
    later = yaml.safe_load(HOLDOUT_NEW_TOPICS.read_text(encoding="utf-8"))["also"]
    assert later and all(row["text"] in texts for row in later)


@lru_cache(maxsize=1)
def rankings(url: str) -> list[tuple[frozenset, list[retrieval.Ranked]]]:
    index = Answers(url).retriever.index()
    return [(frozenset(q["topics"]), index.rank(q["text"])) for q in holdout()]


@pytest.fixture(scope="module")
def holdout_store(tmp_path_factory) -> str:
    from bot.knowledge.loader import load_knowledge
    from bot.store import migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('faq') / 'clinic.db'}"
    migrate.upgrade(url)
    load_knowledge(KNOWLEDGE_DIR, url)
    return url


def test_the_holdout_covers_the_topics():
    questions = holdout()
    keys = {t.key for t in KNOWLEDGE.topics}
    labels = {key for q in questions for key in q["topics"]}
    assert len(questions) >= 150
    assert labels <= keys, labels - keys


def test_top1_topic_accuracy(holdout_store):
    results = rankings(holdout_store)
    right = sum(bool(ranked) and ranked[0].key in labels for labels, ranked in results)
    assert right / len(results) >= MIN_TOP1, f"top-1 {right}/{len(results)}"


def given(decision: retrieval.Decision) -> retrieval.Ranked | None:
    """The topic whose answer the client reads: outright, or as the named guess."""
    return decision.answer or decision.likely


def test_few_wrong_topics_are_answered_outright_or_as_a_guess(holdout_store):
    results = rankings(holdout_store)
    wrong = [
        (sorted(labels), topic.key)
        for labels, ranked in results
        if (topic := given(retrieval.decide(ranked))) is not None and topic.key not in labels
    ]
    assert len(wrong) / len(results) <= MAX_WRONG_ANSWERED, wrong


def test_most_questions_are_answered_outright_not_offered_as_a_choice(holdout_store):
    results = rankings(holdout_store)
    outright = with_guesses = 0
    for labels, ranked in results:
        decision = retrieval.decide(ranked)
        outright += decision.answer is not None and decision.answer.key in labels
        with_guesses += (topic := given(decision)) is not None and topic.key in labels
    assert outright / len(results) >= MIN_RIGHT_OUTRIGHT, f"answered right {outright}"
    assert with_guesses / len(results) >= MIN_RIGHT_WITH_GUESSES, f"with guesses {with_guesses}"


def _fact_values(fact: str) -> list[str]:
    if fact == "address":
        return [CLINIC.address]
    if fact == "phone":
        return [CLINIC.phone]
    if fact == "email":
        return [CLINIC.email]
    if fact == "practitioners":
        return [p.name for p in KNOWLEDGE.practitioners]
    times = {f"{t:%H:%M}" for h in CLINIC.opening_hours for t in (h.opens, h.closes)}
    return [*sorted(times), "closed"]


def test_clinic_fact_questions_are_answered_from_the_yaml(holdout_store):
    """Directly, or by the "Do you mean" button of the fact; either way the reply is the
    YAML's value (computed, never typed in an answer)."""
    answers = Answers(holdout_store)
    asked = [q for q in holdout() if any(key in FACT_OF for key in q["topics"])]
    assert asked
    direct = by_button = 0
    for question in asked:
        labels = [key for key in question["topics"] if key in FACT_OF]
        reply = answers.respond("ask_question", question["text"])
        if reply is None:
            continue
        if reply.topic not in labels:  # a choice or a wrong guess: press the fact's button
            pressed = [
                key for key in labels if any(f'"{key}"' in b["payload"] for b in reply.buttons)
            ]
            if not pressed:
                continue
            reply = answers.respond("ask_question", question["text"], chosen_topic=pressed[0])
            by_button += 1
        else:  # answered outright, or as the likely topic beside other buttons
            direct += 1
        values = [value for key in labels for value in _fact_values(FACT_OF[key])]
        assert any(value in reply.text for value in values), (question["text"], reply.text)
    assert direct / len(asked) >= MIN_FACTS_DIRECT, f"direct {direct}/{len(asked)}"
    assert (direct + by_button) / len(asked) >= MIN_FACTS_REACHED, (
        f"direct or by button {direct + by_button}/{len(asked)}"
    )
