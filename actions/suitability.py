"""Is the treatment suitable for me? Verdicts per condition from the store."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import ANSWERS, StoreAction, in_thread, offer_booking_once

CONDITION_ENTITY = "condition"


def condition_keys(tracker: Tracker) -> list[str]:
    """Canonical condition keys found in the latest message, in order, without repeats."""
    entities = tracker.latest_message.get("entities") or []
    keys = [e["value"] for e in entities if e.get("entity") == CONDITION_ENTITY and e.get("value")]
    return list(dict.fromkeys(keys))


class ActionCheckSuitability(StoreAction):
    def name(self) -> str:
        return "action_check_suitability"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        keys = condition_keys(tracker)
        dispatcher.utter_message(text=await in_thread(ANSWERS.suitability, keys))
        if not keys:
            # We asked which condition: an offer now would talk over the question.
            return []
        return await offer_booking_once(dispatcher, tracker)
