"""Answers to questions, read from the knowledge store (FAQ retrieval picks the topic)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.common import ANSWERS, Dispatcher, Domain, Events, StoreAction, after_answer, in_thread
from actions.suitability import condition_keys, offer_consultation
from bot.answers import TOPIC_ENTITY
from bot.reply import beside_verdict, taken_off_topic


def chosen_topic(tracker: Tracker) -> str | None:
    """The topic key a "Do you mean" button sent (checked against the store by the lookup)."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == TOPIC_ENTITY and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


class ActionAnswerQuestion(StoreAction):
    """Answers questions: the intent's topic, or the topic FAQ retrieval finds."""

    def name(self) -> str:
        return "action_answer_question"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        reply = await in_thread(
            ANSWERS.respond, intent, message.get("text") or "", chosen_topic(tracker)
        )
        # A question that names a condition ("is it safe when you're pregnant?") gets that
        # condition's verdict first: the general answer alone would read as a blanket yes.
        keys = condition_keys(tracker)
        bookable = None
        if keys:
            verdict, bookable = await in_thread(ANSWERS.suitability_verdict, keys)
            bookable, reply = beside_verdict(reply, bookable)
            if bookable is not None:
                dispatcher.utter_message(text=verdict)
        if reply is None:
            if bookable is None:
                dispatcher.utter_message(text=ANSWERS.no_answer_yet())
        else:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        if bookable is False:
            return await offer_consultation(dispatcher, tracker)
        offer = reply is not None and reply.offer_booking
        return await after_answer(dispatcher, tracker, offer=offer)


class ActionOutOfScope(StoreAction):
    """Off-topic by the NLU: still answered when the FAQ clearly has it."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        message = tracker.latest_message
        confidence = (message.get("intent") or {}).get("confidence") or 0.0
        reply = await in_thread(ANSWERS.from_search, message.get("text") or "")
        if reply is not None and taken_off_topic(reply, confidence):
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
            return await after_answer(dispatcher, tracker, offer=reply.offer_booking)
        dispatcher.utter_message(response="utter_out_of_scope")
        return await after_answer(dispatcher, tracker, offer=False)
