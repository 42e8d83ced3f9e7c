"""Handing over to a person, and urgent-care advice."""

from __future__ import annotations

from rasa_sdk import Action, Tracker

from actions import slots
from actions.common import ANSWERS, Dispatcher, Domain, Events, StoreAction, after_answer, in_thread
from actions.suitability import ActionCheckSuitability, condition_keys
from bot.handoff import HandoffQueue, last_turns
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable

HANDOFFS = HandoffQueue()


class ActionFrontDesk(StoreAction):
    """Queue a handoff request for the front desk and say when someone will get back."""

    def name(self) -> str:
        return "action_front_desk"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        text = tracker.latest_message.get("text") or ""
        # "Are you a bot?" gets the truth and the choice of a person, "what's your phone
        # number" the number: neither is a request for a person.
        reply = await in_thread(ANSWERS.instead_of_handoff, text)
        if reply is not None:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
            return []
        await in_thread(
            HANDOFFS.open,
            tracker.get_latest_input_channel() or "unknown",
            tracker.sender_id,
            last_turns(tracker.events),
            tracker.get_slot(slots.CONTACT) or tracker.get_slot(slots.BOOKING_CONTACT),
        )
        dispatcher.utter_message(text=await in_thread(ANSWERS.front_desk))
        return []


class ActionEmergencyAdvice(Action):
    """Emergency number first; works even when the store is down."""

    def name(self) -> str:
        return "action_emergency_advice"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        text = tracker.latest_message.get("text")
        dispatcher.utter_message(text=await in_thread(ANSWERS.emergency, text))
        return []


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one."""
    user_events = [event for event in tracker.events if event.get("event") == "user"]
    if len(user_events) < 2:
        return None
    return ((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name")


class ActionFallback(Action):
    """Not understood: ask to rephrase; the second time in a row, offer a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        if condition_keys(tracker):
            # Not understood, but it names a condition, a medicine or an age ("do you treat
            # teenagers? my daughter is 16"): that verdict is the answer, never "rephrase".
            return await ActionCheckSuitability().run(dispatcher, tracker, domain)
        try:
            reply = await in_thread(ANSWERS.from_search, tracker.latest_message.get("text") or "")
        except (StoreUnavailable, KnowledgeNotLoaded):
            reply = None  # the rephrase request below still helps
        if reply is not None:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
            return await after_answer(dispatcher, tracker, offer=reply.offer_booking)
        if previous_user_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(response="utter_please_rephrase")
        return []
