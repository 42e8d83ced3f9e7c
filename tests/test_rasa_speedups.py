"""The fast response check accepts what Rasa accepts and leaves rejections to Rasa."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

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


def test_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_RASA_SPEEDUPS", "off")
    assert rasa_speedups.install() is False
