"""The hold-out set stays a hold-out: big enough and never part of the training data."""

from __future__ import annotations

import re

from rasa.shared.nlu.training_data.loading import load_data

from bot.settings import PROJECT_ROOT


def normalised(text: str) -> str:
    """Lower-case words without punctuation; apostrophes dropped, so "i'm" and "im" match."""
    without_apostrophes = re.sub(r"['\u2019]", "", text.lower())
    return " ".join(re.findall(r"\w+", without_apostrophes))


def examples(path: str) -> list[str]:
    return [e.get("text") for e in load_data(str(PROJECT_ROOT / path)).intent_examples]


def test_no_hold_out_message_is_also_a_training_example():
    training = {normalised(text) for text in examples("data/nlu.yml")}

    shared = [text for text in examples("tests/nlu_holdout.yml") if normalised(text) in training]

    assert shared == []


def test_the_hold_out_has_at_least_150_messages():
    assert len(examples("tests/nlu_holdout.yml")) >= 150
