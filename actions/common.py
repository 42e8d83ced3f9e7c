"""What every action shares: the store-backed answers and bookings, and polite failure
handling."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from bot.answers import Answers
from bot.booking.service import BookingService
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable

logger = logging.getLogger(__name__)

ANSWERS = Answers()
BOOKINGS = BookingService()

OFFER_BUTTONS = [
    {"title": "Yes, book a first session", "payload": "/affirm"},
    {"title": "No, thanks", "payload": "/deny"},
]

T = TypeVar("T")

# What every action's run() (and a form's extract_/validate_ methods) gets and returns.
Dispatcher: TypeAlias = CollectingDispatcher
Domain: TypeAlias = dict[str, Any]
Events: TypeAlias = list[EventType]


async def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run blocking store code off the event loop."""
    return await asyncio.to_thread(function, *args)


def apologise_for_store(dispatcher: Dispatcher, action: str, error: Exception) -> None:
    """Tell the client, log only the error type (messages and slots may hold health details)."""
    logger.warning("%s: store unavailable (%s)", action, type(error).__name__)
    dispatcher.utter_message(text=ANSWERS.unavailable())


class StoreAction(Action, ABC):
    """An action that reads the store; if the store fails, the client gets an apology."""

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        try:
            return await self.respond(dispatcher, tracker, domain)
        except (StoreUnavailable, KnowledgeNotLoaded) as error:
            apologise_for_store(dispatcher, self.name(), error)
            return []

    @abstractmethod
    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        """Send the reply and return the events."""


async def offer_booking_once(dispatcher: Dispatcher, tracker: Tracker) -> Events:
    """After an answer: offer a first session once per conversation.

    An offer that was left unanswered lapses with the next answer, so a later
    "yes" is not mistaken for accepting it.
    """
    if tracker.active_loop.get("name"):
        return []  # in the middle of a booking: no offer to book
    if not tracker.get_slot(slots.BOOKING_OFFERED):
        dispatcher.utter_message(text=await in_thread(ANSWERS.booking_offer), buttons=OFFER_BUTTONS)
        return [SlotSet(slots.BOOKING_OFFERED, True), SlotSet(slots.BOOKING_OFFER_PENDING, True)]
    if tracker.get_slot(slots.BOOKING_OFFER_PENDING):
        return [SlotSet(slots.BOOKING_OFFER_PENDING, False)]
    return []


async def after_answer(dispatcher: Dispatcher, tracker: Tracker, offer: bool) -> Events:
    """After an answer: the booking offer only where booking is the natural next step
    (the topic's `offer_booking`); otherwise an earlier unanswered offer lapses."""
    if offer:
        return await offer_booking_once(dispatcher, tracker)
    if tracker.get_slot(slots.BOOKING_OFFER_PENDING):
        return [SlotSet(slots.BOOKING_OFFER_PENDING, False)]
    return []
