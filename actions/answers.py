"""Answers to questions about the treatment, read from the knowledge store."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import ANSWERS, StoreAction, in_thread, offer_booking_once


class ActionAnswerQuestion(StoreAction):
    """Answers what_is / pain / safety / frequency / effectiveness / price questions."""

    def name(self) -> str:
        return "action_answer_question"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        answer = await in_thread(ANSWERS.topic, intent) if intent else None
        if answer is None:
            dispatcher.utter_message(text=ANSWERS.no_answer_yet())
            return []
        dispatcher.utter_message(text=answer)
        return await offer_booking_once(dispatcher, tracker)
