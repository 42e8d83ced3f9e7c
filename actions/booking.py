"""Booking a first session (for now: how to book with the front desk)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import ANSWERS, OFFERED_SLOT, PENDING_SLOT, StoreAction, in_thread


class ActionBookSession(StoreAction):
    def name(self) -> str:
        return "action_book_session"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text=await in_thread(ANSWERS.booking_contact))
        # They asked to book: no need to offer it again.
        return [SlotSet(OFFERED_SLOT, True), SlotSet(PENDING_SLOT, False)]


class ActionCloseBookingOffer(Action):
    """The offer was answered with No: a later "yes" must not count as accepting it."""

    def name(self) -> str:
        return "action_close_booking_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SlotSet(PENDING_SLOT, False)]
