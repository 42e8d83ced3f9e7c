"""Intent classifier: TF-IDF weighted sparse features into a logistic regression.

Rasa's LogisticRegressionClassifier with two settings it does not expose: TF-IDF
weighting of the featurizers' counts and the regularisation strength C. Chosen over
DIETClassifier by cross-validation on data/nlu.yml (docs/benchmarks.md): with ~100
examples per intent a linear model generalises at least as well, its training is
deterministic (one score per data set, not one per random seed) and takes seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from bot.nlu.graph import StoredComponent

# What a saved classifier may contain beyond skops' own trusted types: the TF-IDF
# weights are kept as a sparse diagonal matrix. Anything else is refused on load.
TRUSTED_TYPES = ["scipy.sparse._csr.csr_matrix"]


class UntrustedModelError(ValueError):
    """The saved classifier holds types we did not write; it is not loaded."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfLogisticRegressionClassifier(StoredComponent, LogisticRegressionClassifier):
    """Logistic regression over TF-IDF weighted sentence features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "max_iter": 3000,
            # Weak regularisation: the char n-gram features are many and each is weak.
            "C": 30.0,
            # "balanced" would shrink out_of_scope, our largest intent, and let more
            # off-topic messages through as questions.
            "class_weight": None,
            "sublinear_tf": True,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = Pipeline(
            [
                ("tfidf", TfidfTransformer(sublinear_tf=self.config["sublinear_tf"])),
                (
                    "logreg",
                    LogisticRegression(
                        C=self.config["C"],
                        class_weight=self.config["class_weight"],
                        solver=self.config["solver"],
                        max_iter=self.config["max_iter"],
                        tol=self.config["tol"],
                        random_state=self.config["random_state"],
                    ),
                ),
            ]
        )

    def restore(self, directory: Path) -> None:
        """The trained pipeline; a model without one, or with foreign types, fails loudly.

        (Rasa's parent class logs at debug level and goes on untrained.)
        """
        import skops.io as sio

        path = directory / f"{self._resource.name}.skops"
        untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
        if untrusted:
            raise UntrustedModelError(f"{path.name} holds untrusted types: {sorted(untrusted)}")
        self.clf = sio.load(path, trusted=TRUSTED_TYPES)
