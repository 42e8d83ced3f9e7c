"""Two fast paths for per-turn work Rasa 3.6 repeats needlessly.

1. The check of every action-server response.
`RemoteAction._validate_action_result` calls `jsonschema.validate(result, spec)` on each
custom-action call. `validate` first re-checks the *schema* against the Draft 2020-12
meta-schema, which with jsonschema 4.17 (the newest Rasa 3.6 allows) is far more work
than checking the response: profiling our Rasa server under load (py-spy, see
docs/benchmarks.md) put ~60% of its CPU time there.

The fast path compiles the schema's validator once and accepts a valid response
directly. An invalid response still goes through Rasa's own method, so the error,
its message and the rejection are exactly Rasa's.

2. The event class of every stored event. Loading a tracker from the tracker store
deserialises each event, and `Event.resolve_by_type` walks the whole Event class tree
(`all_subclasses`) for each one: ~10% of our server's CPU under load, growing with the
length of the conversation. The fast path remembers the class found for each type name;
a name it has not seen still goes to Rasa's own search (and its error).

Installed explicitly, once per process, by the Rasa server's start-up path (when our
channels register their routes: bot/channels/server.py), with one log line; `rasa train`
and `clinic ask` leave Rasa as it is. `CLINIC_RASA_SPEEDUPS=off` leaves the server's Rasa
as it is too (to measure the difference: `python -m bench.profile --compare`).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

# The methods replaced here are Rasa 3.6's; other versions keep theirs.
SUPPORTED_RASA = "3.6."
_MARKER = "_clinic_fast_path"


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    """Rasa's response schema, checked once, compiled into the validator `validate` would pick."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def install() -> bool:
    """Put the fast paths in front of Rasa's code; True if they are (now or already) in place."""
    import rasa

    from bot.settings import get_settings

    if not get_settings().rasa_speedups:
        return False
    if not rasa.__version__.startswith(SUPPORTED_RASA):
        logger.info("Rasa %s: left as it is", rasa.__version__)
        return False
    _install_response_check()
    _install_event_type_cache()
    return True


@lru_cache(maxsize=1)
def install_once() -> bool:
    """install() the first time it is asked for in this process, saying so in one log line."""
    installed = install()
    if installed:
        logger.info("Rasa speed-ups installed: response check compiled, event types cached")
    else:
        logger.info("Rasa speed-ups not installed (CLINIC_RASA_SPEEDUPS=off or another Rasa)")
    return installed


def _install_response_check() -> None:
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    if getattr(original, _MARKER, False):
        return

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if _response_validator().is_valid(result):
            return True
        return original(self, result)  # Rasa's own error for an invalid response

    setattr(validate_action_result, _MARKER, True)
    RemoteAction._validate_action_result = validate_action_result


def _install_event_type_cache() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type  # the plain function behind the staticmethod
    if getattr(original, _MARKER, False):
        return
    found: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    setattr(resolve_by_type, _MARKER, True)
    Event.resolve_by_type = staticmethod(resolve_by_type)
