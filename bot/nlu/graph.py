"""What our Rasa graph components share: how Rasa creates them and how it loads them.

Rasa calls `create` (training, or a component with nothing trained) and `load` (a trained
model) with the same four arguments; written once here instead of once per component.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class ConfiguredComponent(GraphComponent):
    """A component made from its config, its model storage and resource, and its node name."""

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, name: str
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._name = name

    @classmethod
    def create(  # Rasa's signature; `load` below takes the same arguments
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, model_storage, resource, execution_context.node_name)


class StoredComponent(GraphComponent):
    """`load` for a component whose trained state is files in its model storage directory:
    made as `create` makes it, then `restore`d from those files."""

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        made = cls.create(config, model_storage, resource, execution_context)
        component = cast(StoredComponent, made)
        with model_storage.read_from(resource) as directory:
            component.restore(directory)
        return component

    def restore(self, directory: Path) -> None:
        """Take the trained state back from the files `train` wrote to `directory`."""
        raise NotImplementedError
