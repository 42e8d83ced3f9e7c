"""Is the treatment suitable for me? Verdicts per condition from the store."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.common import (
    ANSWERS,
    Dispatcher,
    Domain,
    Events,
    StoreAction,
    after_answer,
    in_thread,
    offer_booking_once,
)

CONDITION_ENTITY = "condition"


def condition_keys(tracker: Tracker) -> list[str]:
    """Canonical condition keys found in the latest message, in order, without repeats."""
    entities = tracker.latest_message.get("entities") or []
    keys = [e["value"] for e in entities if e.get("entity") == CONDITION_ENTITY and e.get("value")]
    return list(dict.fromkeys(keys))


class ActionCheckSuitability(StoreAction):
    def name(self) -> str:
        return "action_check_suitability"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        keys = condition_keys(tracker)
        if not keys:
            # "Can men have it?": a FAQ topic; "I use tretinoin cream": something we have no
            # notes on, answered honestly with a call offer rather than "which condition?".
            text = tracker.latest_message.get("text") or ""
            reply = await in_thread(ANSWERS.without_known_condition, text)
            if reply is not None:
                dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
                if reply.talk_first:
                    return await offer_consultation(dispatcher, tracker)
                return await after_answer(dispatcher, tracker, offer=reply.offer_booking)
        text, bookable = await in_thread(ANSWERS.suitability_verdict, keys)
        dispatcher.utter_message(text=text)
        if bookable is None:
            # We asked which condition: an offer now would talk over the question.
            return await after_answer(dispatcher, tracker, offer=False)
        if not bookable:
            return await offer_consultation(dispatcher, tracker)
        return await offer_booking_once(dispatcher, tracker)


async def offer_consultation(dispatcher: Dispatcher, tracker: Tracker) -> Events:
    """After "talk to the practitioner first": a call with them, never a book-now button."""
    offer = await in_thread(ANSWERS.consultation_offer)
    dispatcher.utter_message(text=offer.text, buttons=offer.buttons)
    return await after_answer(dispatcher, tracker, offer=False)
