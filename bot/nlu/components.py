"""Rasa graph components: the condition entity extractor, the clinic-fact question override
and the emergency override.

These are the only NLU classes that touch Rasa's plugin API; the logic they
wrap lives in bot.nlu.conditions and bot.safety and is tested on its own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from bot import safety
from bot.knowledge.loader import read_knowledge_dir
from bot.nlu.conditions import ConditionMatcher, ConditionMention
from bot.nlu.fact_questions import fact_question_intent
from bot.nlu.graph import ConfiguredComponent, StoredComponent

CONDITION_ENTITY = "condition"
EMERGENCY_INTENT = "emergency"
SYNONYMS_FILE = "condition_synonyms.json"


def _condition_synonyms(knowledge_dir: str | None) -> dict[str, list[str]]:
    bundle = read_knowledge_dir(Path(knowledge_dir) if knowledge_dir else None)
    return {condition.key: list[str](condition.synonyms) for condition in bundle.conditions}


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=True,
)
class ConditionEntityExtractor(StoredComponent, ConfiguredComponent, EntityExtractorMixin):
    """Extracts `condition` entities whose value is the store's canonical condition key.

    Training reads the synonyms from the knowledge files and keeps them in the
    model, so a trained model needs neither the files nor the database.

    It also gives every message one sentence feature, "mentions a health condition",
    so the intent classifier learns from the store's whole vocabulary (hundreds of
    conditions and medicines) that such messages are usually suitability questions,
    not only from the few named in data/nlu.yml ("on warfarin?" is not off-topic).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # None: the KNOWLEDGE_DIR setting (data/knowledge by default).
        return {"knowledge_dir": None}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        name: str = "ConditionEntityExtractor",
    ) -> None:
        super().__init__({**self.get_default_config(), **config}, model_storage, resource, name)
        self._synonyms: dict[str, list[str]] = {}
        self._matcher: ConditionMatcher | None = None

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the synonyms change, even if the NLU data did not."""
        synonyms = _condition_synonyms(config.get("knowledge_dir"))
        return hashlib.sha256(json.dumps(synonyms, sort_keys=True).encode()).hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        self._synonyms = _condition_synonyms(self._config["knowledge_dir"])
        with self._model_storage.write_to(self._resource) as directory:
            (directory / SYNONYMS_FILE).write_text(json.dumps(self._synonyms), encoding="utf-8")
        return self._resource

    def restore(self, directory: Path) -> None:
        self._synonyms = json.loads((directory / SYNONYMS_FILE).read_text(encoding="utf-8"))
        self._matcher = ConditionMatcher(self._synonyms) if self._synonyms else None

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples get the feature only: their entities are the data's own."""
        for message in training_data.training_examples:
            text = message.get(TEXT)
            if text is not None:
                self._add_mention_feature(message, bool(text and self._mentions(text)))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text is None:
                continue
            # Empty text too: the featurizers give it features, so it needs the column.
            mentions = self._mentions(text) if text else []
            self._add_mention_feature(message, bool(mentions))
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: CONDITION_ENTITY,
                    ENTITY_ATTRIBUTE_START: mention.start,
                    ENTITY_ATTRIBUTE_END: mention.end,
                    ENTITY_ATTRIBUTE_VALUE: mention.key,
                    "text": mention.text,
                }
                for mention in mentions
            ]
            if found:
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found),
                    add_to_output=True,
                )
        return messages

    def _mentions(self, text: str) -> list[ConditionMention]:
        return self._matcher.find(text) if self._matcher else []

    def _add_mention_feature(self, message: Message, mentioned: bool) -> None:
        # Every message with text gets the column (0 or 1): classifiers stack the
        # sentence features of all messages and need the same width for each.
        feature = coo_matrix([[1.0 if mentioned else 0.0]])
        message.add_features(Features(feature, FEATURE_TYPE_SENTENCE, TEXT, self._name))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ClinicFactQuestionOverride(ConfiguredComponent):
    """Makes a plain clinic-fact question ("open tmrw?", "email?") `ask_question`, where the
    classifier heard a form answer, small talk, an off-topic message or (for anything but
    the hours) a booking. Put it after FallbackClassifier and before the emergency override."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            intent = fact_question_intent(text, predicted)
            if intent is not None:
                _set_intent(message, intent, 1.0)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyIntentOverride(ConfiguredComponent):
    """Makes emergencies win over any classifier, and side-effect questions never count.

    Put it last in the pipeline (after FallbackClassifier): a message that
    reports an emergency becomes `emergency` with confidence 1, however unsure
    the classifier was; a question *about* symptoms ("will I be swollen
    after?") that the classifier took for an emergency falls back to its next
    best intent.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            urgency = safety.classify(text)
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if urgency is safety.Urgency.EMERGENCY:
                _set_intent(message, EMERGENCY_INTENT, 1.0)
            elif urgency is safety.Urgency.HYPOTHETICAL and predicted == EMERGENCY_INTENT:
                ranking = [
                    entry
                    for entry in message.get(INTENT_RANKING_KEY) or []
                    if entry[INTENT_NAME_KEY] != EMERGENCY_INTENT
                ]
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
                if ranking:
                    message.set(INTENT, dict(ranking[0]), add_to_output=True)
        return messages


def _set_intent(message: Message, name: str, confidence: float) -> None:
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    ranking = [
        entry
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry[INTENT_NAME_KEY] != name
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
