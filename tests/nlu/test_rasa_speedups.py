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


# --- installed by the Rasa server's start, once ------------------------------------------


def test_registering_the_channels_installs_them_once_with_one_log_line(monkeypatch, caplog):
    import logging
    import uuid

    from sanic import Sanic

    from bot.channels.rest import GuardedRestInput
    from bot.channels.telegram import TelegramInput
    from bot.channels.whatsapp import WhatsAppInput

    calls = []
    monkeypatch.setattr(rasa_speedups, "install", lambda: calls.append("install") or True)
    rasa_speedups.install_once.cache_clear()
    app = Sanic(f"speedups_{uuid.uuid4().hex[:12]}")

    async def on_new_message(message) -> None:
        return None

    try:
        with caplog.at_level(logging.INFO, logger="bot.rasa_speedups"):
            for channel in (GuardedRestInput(), TelegramInput(None), WhatsAppInput(None)):
                app.blueprint(
                    channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}"
                )
    finally:
        rasa_speedups.install_once.cache_clear()

    assert calls == ["install"]
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.rasa_speedups"]
    assert len(lines) == 1 and "installed" in lines[0]


def test_only_the_server_start_path_installs_them():
    """Not an import side effect: `rasa train` and `clinic ask` leave Rasa as it is."""
    import re

    from bot.settings import PROJECT_ROOT

    imports_it = re.compile(
        r"^\s*(from bot import [^#\n]*\brasa_speedups\b|from bot\.rasa_speedups import"
        r"|import bot\.rasa_speedups)",
        re.MULTILINE,
    )
    users = sorted(
        path.relative_to(PROJECT_ROOT).as_posix()
        for package in ("bot", "actions")
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if imports_it.search(path.read_text(encoding="utf-8"))
    )
    assert users == ["bot/channels/server.py"]
