"""The hold-out sets stay hold-outs: big enough, every intent, never part of the training data."""

from __future__ import annotations

import re

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.settings import PROJECT_ROOT


def normalised(text: str) -> str:
    """Lower-case words without punctuation; apostrophes dropped, so "i'm" and "im" match."""
    without_apostrophes = re.sub(r"['\u2019]", "", text.lower())
    return " ".join(re.findall(r"\w+", without_apostrophes))


def examples(path: str) -> list[str]:
    return [e.get("text") for e in load_data(str(PROJECT_ROOT / path)).intent_examples]


HOLD_OUTS = ["tests/nlu_holdout.yml", "tests/nlu_holdout_blind.yml"]


@pytest.mark.parametrize("hold_out", HOLD_OUTS)
def test_no_hold_out_message_is_also_a_training_example(hold_out):
    training = {normalised(text) for text in examples("data/nlu.yml")}

    shared = [text for text in examples(hold_out) if normalised(text) in training]

    assert shared == []


@pytest.mark.parametrize("hold_out", HOLD_OUTS)
def test_each_hold_out_has_at_least_150_messages(hold_out):
    assert len(examples(hold_out)) >= 150


@pytest.mark.parametrize("hold_out", HOLD_OUTS)
def test_each_hold_out_covers_every_intent_of_the_domain(hold_out):
    intents = set(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["intents"])
    covered = {e.get("intent") for e in load_data(str(PROJECT_ROOT / hold_out)).intent_examples}

    assert intents - covered == set()
