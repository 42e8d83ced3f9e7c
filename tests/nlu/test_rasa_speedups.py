"""The fast paths give Rasa's answers: same verdicts, same classes, same errors."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups

VALID = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "booking_offered", "value": True}],
        "responses": [{"text": "Hello", "buttons": [{"title": "Yes", "payload": "/affirm"}]}],
    },
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "no event type"}]},
    {"responses": {"text": "not a list"}},
]


@pytest.fixture
def action() -> RemoteAction:
    assert rasa_speedups.install()
    return RemoteAction("action_answer_question", None)


def test_install_is_idempotent_and_marks_the_method() -> None:
    assert rasa_speedups.install()
    first = RemoteAction._validate_action_result
    assert rasa_speedups.install()
    assert RemoteAction._validate_action_result is first
    assert getattr(first, rasa_speedups._MARKER)
    assert getattr(Event.resolve_by_type, rasa_speedups._MARKER)


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass(action: RemoteAction, response: dict) -> None:
    assert action._validate_action_result(response) is True


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_get_rasas_own_error(action: RemoteAction, response: dict) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(response)


@pytest.mark.parametrize("response", VALID + INVALID)
def test_verdict_matches_jsonschema_validate(response: dict) -> None:
    """Same verdict as the `jsonschema.validate` call Rasa makes."""
    from jsonschema import validate

    try:
        validate(response, RemoteAction.action_response_format_spec())
        expected = True
    except ValidationError:
        expected = False
    assert rasa_speedups._response_validator().is_valid(response) is expected


def test_other_rasa_versions_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa

    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert rasa_speedups.install() is False


def test_switched_off_by_environment(use_settings) -> None:
    use_settings(CLINIC_RASA_SPEEDUPS="off")
    assert rasa_speedups.install() is False


def _rasas_own_search(type_name: str) -> type | None:
    """What Rasa 3.6's Event.resolve_by_type returns, computed the slow way."""
    return next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)


def test_every_event_type_resolves_to_rasas_class() -> None:
    assert rasa_speedups.install()
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "action", "slot"} <= names
    for name in sorted(names):
        for _ in range(2):  # first lookup fills the cache, the second reads it
            assert Event.resolve_by_type(name) is _rasas_own_search(name)


def test_unknown_event_types_keep_rasas_answers() -> None:
    assert rasa_speedups.install()
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None


def test_stored_events_deserialise_as_before() -> None:
    assert rasa_speedups.install()
    events = [UserUttered("does it hurt?"), ActionExecuted("action_listen"), SlotSet("x", 1)]
    restored = [Event.from_parameters(event.as_dict()) for event in events]
    assert restored == events
