"""The base of the forms' validation actions: what the booking and managing forms share.

`ClinicFormValidation` (subclass it instead of FormValidationAction) owns:
- store failures: if the store is down or not loaded, the client gets an apology and the
  slots still to validate are unset, so they are asked again once the store is back;
- the failure counter: `self.failed` counts an answer not understood (slot FORM_FAILURES) and
  re-prompts the first time; from FORM_RETRY_LIMIT misses in a row on, the validation is
  silent and action_ask_<slot> (actions/asking.py) says what was expected instead (no loops);
- reading only the answer to what was asked: `extract_answer` / `extract_yes_no` build
  extract_<slot> methods, `asked_for`, `latest_turn` and `filled` serve hand-written ones;
- validate_<slot> methods through the `validator` (or `yes_no_validator`) decorator: a slot
  merely cleared by our actions is not validated, a yes/no answer that is neither is
  re-prompted;
- the slot clearing: `clear_form_slots` unsets every slot a booking conversation may leave.

What the domain (domain.yml) must define for a form built on it:
- every slot in actions/slots.py, with FORM_FAILURES of type `any` and a custom mapping;
- for each required slot of the form, an `action_ask_<slot>` action (an AskAction);
- the intents `affirm` and `deny` (the Yes/No buttons) and `request_human` (the person
  button of bot/booking/messages.py).
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet

from actions import slots
from actions.common import Dispatcher, Domain, Events, apologise_for_store
from bot.booking import messages
from bot.booking.reading import Kind, Reading, Turn, read_yes_no_answer
from bot.settings import get_settings
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable

# Every slot a booking conversation may leave behind; cleared when it ends.
FORM_SLOTS = (
    slots.CLIENT_NAME,
    slots.CONTACT,
    slots.TIME_WISH,
    slots.CHOSEN_SLOT,
    slots.CONSENT,
    slots.BOOKING_CONFIRMED,
    slots.BOOKING_REF,
    slots.BOOKING_CONTACT,
    slots.CANCEL_CONFIRMED,
    slots.WISH_WINDOW,
    slots.OFFERED_SLOTS,
    slots.BOOKING_RESULT,
    slots.MANAGED_BOOKING,
    slots.MANAGE_ACTION,
    slots.FORM_FAILURES,
)

SlotValues = dict[str, Any]
Validate = Callable[[Any, Any, Dispatcher, Tracker, Domain], Awaitable[SlotValues]]
Extract = Callable[[Any, Dispatcher, Tracker, Domain], Awaitable[SlotValues]]
# How a form reads the latest message as the answer to its slot: (form, turn, tracker).
ReadAnswer = Callable[[Any, Turn, Tracker], Reading | Awaitable[Reading]]


def retry_limit() -> int:
    """Misses of one question in a row before its ask action says what it expects."""
    return get_settings().form_retry_limit


def clear_form_slots(tracker: Tracker) -> Events:
    """Unset the booking slots that hold a value (None events would be "validated" again)."""
    return [SlotSet(name, None) for name in FORM_SLOTS if tracker.get_slot(name) is not None]


def validator(method: Validate) -> Validate:
    """A validate_<slot> method that ignores slots merely cleared (set to None) by our actions."""
    return _validating(method, yes_no=False, also_on_no={})


def yes_no_validator(also_on_no: SlotValues | None = None) -> Callable[[Validate], Validate]:
    """A validator for a yes/no question whose method runs on Yes only.

    No sets the slot to False (and the slots of `also_on_no`); anything else is re-prompted
    with the Yes/No buttons.
    """
    return lambda method: _validating(method, yes_no=True, also_on_no=also_on_no or {})


def _validating(method: Validate, yes_no: bool, also_on_no: SlotValues) -> Validate:
    slot = method.__name__.removeprefix("validate_")

    @functools.wraps(method)
    async def validate(
        self: Any, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        if value is None:
            return {slot: None}
        if yes_no and not isinstance(value, bool):
            reprompt, buttons = messages.YES_NO_REPROMPT, messages.YES_NO
            return await self.failed(dispatcher, tracker, slot, reprompt, buttons)
        if yes_no and value is not True:
            return {slot: False, **also_on_no}
        return await method(self, value, dispatcher, tracker, domain)

    return validate


def extract_answer(slot: str, read: ReadAnswer) -> Extract:
    """An extract_<slot> method: the latest message read by `read`, only if `slot` was asked."""

    async def extract(
        self: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        if not asked_for(tracker, slot):
            return {}
        reading = read(self, latest_turn(tracker), tracker)
        if inspect.isawaitable(reading):
            reading = await reading
        return filled(slot, reading)

    return extract


def extract_yes_no(slot: str, confirming: str) -> Extract:
    """An extract_<slot> method for a yes/no question (`confirming`: what Yes agrees to)."""
    return extract_answer(slot, lambda form, turn, tracker: read_yes_no_answer(turn, confirming))


def latest_turn(tracker: Tracker) -> Turn:
    """The client's latest message and its intent, for reading it as a form answer."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return Turn(
        str(message.get("text") or ""),
        intent.get("name"),
        float(intent.get("confidence") or 0.0),
    )


def asked_for(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot(slots.REQUESTED_SLOT) == slot


def filled(slot: str, reading: Reading) -> SlotValues:
    """An extract_<slot> result: the answer, the raw text to re-prompt on, or nothing.

    Nothing means the message is a question, a stop, a request for a person or an
    emergency: the form is rejected for this turn and the rules answer it.
    """
    if reading.kind is Kind.LEAVE:
        return {}
    return {slot: reading.value}


def count_failure(tracker: Tracker, key: str) -> tuple[int, dict[str, int]]:
    """One more miss for `key`: the new count and the FORM_FAILURES value to set."""
    failures = dict(tracker.get_slot(slots.FORM_FAILURES) or {})
    failures[key] = failures.get(key, 0) + 1
    return failures[key], failures


class ClinicFormValidation(FormValidationAction, ABC):
    """A form's validation action that survives the store failing (see the module docstring)."""

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>."""

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        try:
            return await super().run(dispatcher, tracker, domain)
        except (StoreUnavailable, KnowledgeNotLoaded) as error:
            apologise_for_store(dispatcher, self.name(), error)
            # Unvalidated values must not stay in the form: ask again once the store is back.
            return [SlotSet(name, None) for name in tracker.slots_to_validate()]

    async def failed(
        self,
        dispatcher: Dispatcher,
        tracker: Tracker,
        slot: str,
        reprompt: str,
        buttons: list[dict] | None = None,
    ) -> SlotValues:
        """Count an invalid answer; the first misses get a specific re-prompt.

        From the retry limit on, action_ask_<slot> says what was expected instead (no loops).
        """
        misses, failures = count_failure(tracker, slot)
        if misses < retry_limit():
            dispatcher.utter_message(text=reprompt, buttons=buttons or [])
        return {slot: None, slots.FORM_FAILURES: failures}
