"""ConditionEntityExtractor's "mentions a health condition" sentence feature."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import ConditionEntityExtractor
from tests.stores import KNOWLEDGE_DIR


@pytest.fixture
def extractor(tmp_path) -> ConditionEntityExtractor:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "condition_extractor")
    config = {"knowledge_dir": str(KNOWLEDGE_DIR)}
    resource = Resource("conditions")
    ConditionEntityExtractor.create(config, storage, resource, context).train(TrainingData())
    return ConditionEntityExtractor.load(config, storage, resource, context)


def mention_feature(message: Message) -> float:
    _, sentence = message.get_sparse_features("text")
    assert sentence.features.shape == (1, 1)
    return float(sentence.features.toarray()[0, 0])


@pytest.mark.parametrize(
    "text, expected",
    [("i take warfarin", 1.0), ("am i ok if pregnant?", 1.0), ("how much is it", 0.0)],
)
def test_every_message_gets_the_feature_at_prediction(extractor, text, expected):
    message = Message(data={"text": text})
    extractor.process([message])
    assert mention_feature(message) == expected


def test_training_examples_get_the_feature_but_keep_their_own_entities(extractor):
    data = TrainingData(
        [
            Message(data={"text": "i'm on blood thinners", "intent": "ask_suitability"}),
            Message(data={"text": "does it hurt", "intent": "ask_pain"}),
        ]
    )
    extractor.process_training_data(data)
    assert [mention_feature(m) for m in data.training_examples] == [1.0, 0.0]
    assert all(not m.get("entities") for m in data.training_examples)


def test_the_feature_comes_with_the_entity(extractor):
    message = Message(data={"text": "I take apixaban"})
    extractor.process([message])
    assert [e["value"] for e in message.get("entities")] == ["anticoagulants"]
    assert mention_feature(message) == 1.0


@pytest.mark.parametrize("text", ["", "   "])
def test_a_message_without_words_still_gets_the_feature(extractor, text):
    """The featurizers give empty text features too; a missing column breaks the classifier."""
    message = Message(data={"text": text})
    extractor.process([message])
    assert mention_feature(message) == 0.0
