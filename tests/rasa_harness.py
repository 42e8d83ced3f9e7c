"""Run our rasa-sdk actions and form validations as Rasa would, and read what they did.

In the spirit of covidflow's tests/actions/action_test_helper.py: build a real `Tracker`,
run the action with a `CollectingDispatcher` and the project's domain, and look at the
events it returned and the messages it dispatched. The store is whatever the settings
point at (tests/conftest.py gives every test a fresh one).

    result = run(ActionAnswerQuestion(), make_tracker("ask_pain", "does it hurt"))
    assert SlotSet(BOOKING_OFFERED, True) in result.events
    assert "pinch" in result.texts[0]
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any, NamedTuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.slots import BOOKING_OFFER_PENDING, BOOKING_OFFERED, REQUESTED_SLOT
from bot.settings import PROJECT_ROOT

SENDER = "test-user"
# The slots the answer actions read on every turn, as a new conversation has them.
CONVERSATION_START = {BOOKING_OFFERED: False, BOOKING_OFFER_PENDING: False}


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    """The project's domain.yml, as the action server receives it."""
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def latest_message(
    intent: str, text: str = "", entities: list[dict[str, Any]] | None = None,
    confidence: float = 0.99,
) -> dict[str, Any]:
    """What NLU made of the client's last message."""
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": entities or [],
    }


def condition_entity(key: str, text: str = "") -> dict[str, Any]:
    """A condition the condition matcher found in the message (`text`: the words it matched)."""
    return {"entity": "condition", "value": key, "start": 0, "end": len(text), "text": text}


def make_tracker(
    intent: str,
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    *,
    confidence: float = 0.99,
    sender_id: str = SENDER,
) -> Tracker:
    """The tracker an action gets right after the client said `text`, outside any form."""
    message = latest_message(intent, text, entities, confidence)
    return _listening(sender_id, {**CONVERSATION_START, **(slots or {})}, message, [], {})


def form_tracker(
    form: str | None,
    slot: str | None,
    value: Any = None,
    slots: dict[str, Any] | None = None,
    text: str | None = None,
    intent: str = "inform",
    *,
    sender_id: str = SENDER,
) -> Tracker:
    """The tracker a form's validation action gets after the client answered `slot`.

    FormValidationAction.run validates the slots set after the latest user message
    (tracker.slots_to_validate), so the events end with a user event followed by the
    slot event the form extracted from it.
    """
    text = text if text is not None else str(value)
    message = latest_message(intent, text)
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": text,
            "input_channel": "rest",
            "parse_data": {"intent": message["intent"], "entities": []},
        },
    ]
    all_slots = {REQUESTED_SLOT: slot, **(slots or {})}
    if slot is not None:
        all_slots[slot] = value
        events.append({"event": "slot", "name": slot, "value": value})
    return _listening(sender_id, all_slots, message, events, {"name": form} if form else {})


def _listening(
    sender_id: str,
    slots: dict[str, Any],
    message: dict[str, Any],
    events: list[dict[str, Any]],
    active_loop: dict[str, Any],
) -> Tracker:
    """A tracker right after the client's message (the last action was action_listen)."""
    return Tracker(sender_id, slots, message, events, False, None, active_loop, "action_listen")


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """The dispatched texts in order ("" for a message without text)."""
    return [message.get("text") or "" for message in messages]


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots set by these events, by name (the last value wins)."""
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


class Result(NamedTuple):
    """What one action run did: `messages, events = run(...)` unpacks it."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def texts(self) -> list[str]:
        return texts(self.messages)

    @property
    def slots(self) -> dict[str, Any]:
        return slot_values(self.events)

    def payloads(self, index: int = -1) -> list[str]:
        """The button payloads of one message (the last by default)."""
        return [button["payload"] for button in self.messages[index].get("buttons") or []]


def run(action: Action, state: Tracker, domain_: dict[str, Any] | None = None) -> Result:
    """Run an action (or a form validation) once, as the action server would."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, domain() if domain_ is None else domain_))
    return Result(dispatcher.messages, events or [])


def required_slots(form: FormValidationAction, state: Tracker) -> list[str]:
    """The slots a form asks for, in order, given what the tracker holds."""
    slots = form.domain_slots(domain())
    return asyncio.run(form.required_slots(slots, CollectingDispatcher(), state, domain()))
