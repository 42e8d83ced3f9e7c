"""action_ask_<slot>: a form's question, and what it says after answers it did not understand.

After one miss the validation's specific re-prompt stands in for the question; from the
retry limit on (actions/forms.py), the question says what was expected, with an example
and a person to ask.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker

from actions import slots
from actions.common import ANSWERS, Dispatcher, Domain, Events, StoreAction, in_thread
from actions.forms import retry_limit
from bot.booking import messages

# Actions that run in a form turn without being an answer to something else.
_FORM_MACHINERY = {
    "action_listen",
    "action_extract_slots",
    "action_start_booking",
    "action_start_manage_booking",
    "booking_form",
    "manage_booking_form",
}


def _events_this_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The events after the client's latest message, latest first."""
    found = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        found.append(event)
    return found


def _latest_set_this_turn(tracker: Tracker, slot: str) -> dict[str, Any] | None:
    for event in _events_this_turn(tracker):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event
    return None


def misses_this_turn(tracker: Tracker, slot: str) -> int:
    """How many answers to `slot` were not understood, if the latest one was not."""
    event = _latest_set_this_turn(tracker, slots.FORM_FAILURES)
    return int(((event or {}).get("value") or {}).get(slot, 0))


def set_this_turn(tracker: Tracker, slot: str, value: Any) -> bool:
    """Whether `slot` was set to `value` after the latest user message."""
    event = _latest_set_this_turn(tracker, slot)
    return event is not None and event.get("value") == value


def answered_something_else(tracker: Tracker) -> bool:
    """Whether another action (an answer to a question) ran since the client's message."""
    return any(
        event.get("event") == "action" and event.get("name") not in _FORM_MACHINERY
        for event in _events_this_turn(tracker)
    )


class AskAction(StoreAction):
    """action_ask_<slot>: the question; after a miss the validation's re-prompt stands in
    for it, and from the retry limit in a row: what was expected, an example and a person."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot asked for (a subclass sets it as a class attribute)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        misses = misses_this_turn(tracker, self.slot)
        if misses >= retry_limit():
            phone = (await in_thread(ANSWERS.clinic)).phone
            dispatcher.utter_message(
                text=messages.stuck(self.slot, misses, phone),
                buttons=[*self.buttons(tracker), messages.PERSON_BUTTON],
            )
        elif misses == 0:
            text = await self.question(tracker)
            if answered_something_else(tracker):
                text = messages.back_to_it(text)  # not the same words again after a question
            dispatcher.utter_message(text=text, buttons=self.buttons(tracker))
        return []

    async def question(self, tracker: Tracker) -> str:
        return messages.ASK[self.slot]

    def buttons(self, tracker: Tracker) -> list[dict]:
        return []


class YesNoAskAction(AskAction):
    """A question answered with Yes or No (buttons for both)."""

    def buttons(self, tracker: Tracker) -> list[dict]:
        return messages.YES_NO
