"""The TF-IDF logistic regression intent classifier, trained and loaded through Rasa's API."""

from __future__ import annotations

import collections

import pytest
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import (
    TfidfLogisticRegressionClassifier,
    UntrustedModelError,
)

EXAMPLES = {
    "ask_pain": [
        "does it hurt",
        "is it painful",
        "will the needles hurt",
        "how much does it hurt",
        "is it sore",
    ],
    "ask_price": [
        "how much does it cost",
        "what is the price",
        "how much is a session",
        "what are your prices",
        "is it expensive",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "hiya"],
}


class Pipeline:
    """Tokenizer, word counts and the classifier, as `rasa train` wires them."""

    def __init__(self, tmp_path, config=None):
        self.storage = LocalModelStorage(tmp_path)
        self.context = ExecutionContext(GraphSchema({}), "test")
        self.config = {**TfidfLogisticRegressionClassifier.get_default_config(), **(config or {})}
        self.tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        self.featurizer = CountVectorsFeaturizer.create(
            CountVectorsFeaturizer.get_default_config(),
            self.storage,
            Resource("words"),
            self.context,
        )

    def train(self, name: str = "intents") -> TfidfLogisticRegressionClassifier:
        data = TrainingData(
            [
                Message(data={"text": text, "intent": intent})
                for intent, texts in EXAMPLES.items()
                for text in texts
            ]
        )
        self.tokenizer.process_training_data(data)
        self.featurizer.train(data)
        self.featurizer.process_training_data(data)
        classifier = TfidfLogisticRegressionClassifier.create(
            self.config, self.storage, Resource(name), self.context
        )
        classifier.train(data)
        return classifier

    def load(self, name: str = "intents") -> TfidfLogisticRegressionClassifier:
        return TfidfLogisticRegressionClassifier.load(
            self.config, self.storage, Resource(name), self.context
        )

    def parse(self, classifier, text: str) -> Message:
        message = Message(data={"text": text})
        self.tokenizer.process([message])
        self.featurizer.process([message])
        classifier.process([message])
        return message


@pytest.fixture
def pipeline(tmp_path):
    return Pipeline(tmp_path)


@pytest.mark.parametrize(
    "text, intent",
    [("does it really hurt", "ask_pain"), ("how much is it", "ask_price"), ("hello!", "greet")],
)
def test_unseen_phrasings_get_their_intent(pipeline, text, intent):
    classifier = pipeline.train()
    assert pipeline.parse(classifier, text).get("intent")["name"] == intent


def test_ranking_is_a_sorted_probability_distribution(pipeline):
    classifier = pipeline.train()
    ranking = pipeline.parse(classifier, "is it painful").get("intent_ranking")
    confidences = [item["confidence"] for item in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    assert {item["name"] for item in ranking} == set(EXAMPLES)


def test_loaded_model_predicts_what_the_trained_one_did(pipeline):
    trained = pipeline.train()
    loaded = pipeline.load()
    for text in ("does it hurt a lot", "price list please", "hey hey"):
        assert pipeline.parse(loaded, text).get("intent_ranking") == pipeline.parse(
            trained, text
        ).get("intent_ranking")


def test_same_data_gives_the_same_model(pipeline):
    first = pipeline.parse(pipeline.train("first"), "is it sore afterwards")
    second = pipeline.parse(pipeline.train("second"), "is it sore afterwards")
    assert first.get("intent_ranking") == second.get("intent_ranking")


def test_regularisation_strength_is_configurable(tmp_path):
    """Weaker regularisation (larger C) makes the model surer of a training example."""
    confidence = {}
    for c in (0.1, 30.0):
        (tmp_path / str(c)).mkdir()
        pipeline = Pipeline(tmp_path / str(c), {"C": c})
        message = pipeline.parse(pipeline.train(), "does it hurt")
        confidence[c] = message.get("intent")["confidence"]
    assert confidence[30.0] > confidence[0.1]


def test_a_saved_model_with_foreign_types_is_refused(pipeline):
    pipeline.train()
    with pipeline.storage.write_to(Resource("intents")) as model_dir:
        # An OrderedDict is not among the types a trained classifier holds.
        sio.dump(collections.OrderedDict(a=1), model_dir / "intents.skops")
    with pytest.raises(UntrustedModelError):
        pipeline.load()
