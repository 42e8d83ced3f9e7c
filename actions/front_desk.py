"""Handing over to a person, and urgent-care advice."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import ANSWERS, StoreAction, in_thread


class ActionFrontDesk(StoreAction):
    """How to reach a person now (the handoff queue comes with the booking work)."""

    def name(self) -> str:
        return "action_front_desk"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text=await in_thread(ANSWERS.front_desk))
        return []


class ActionEmergencyAdvice(Action):
    """Emergency number first; works even when the store is down."""

    def name(self) -> str:
        return "action_emergency_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text=await in_thread(ANSWERS.emergency))
        return []
