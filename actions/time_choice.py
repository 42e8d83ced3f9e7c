"""The steps both forms share: the time wish and the choice among the free times offered."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.common import ANSWERS, BOOKINGS, Dispatcher, Domain, in_thread
from actions.forms import ClinicFormValidation, SlotValues, extract_answer, validator
from bot.booking import messages
from bot.booking.availability import Slot
from bot.booking.choice import NONE_OF_THESE, is_option_number, parse_choice
from bot.booking.reading import Reading, Turn, read_strong_answer
from bot.booking.service import Suggestion
from bot.booking.wishes import NO_TIME, TimeWish, WishError, parse_wish


def offered(tracker: Tracker) -> list[Slot]:
    return [Slot.from_dict(item) for item in tracker.get_slot(slots.OFFERED_SLOTS) or []]


async def suggest_for(wish_window: dict, exclude: tuple[datetime, ...] = ()) -> Suggestion:
    """Free times for a wish window as kept in WISH_WINDOW."""
    return await in_thread(
        lambda: BOOKINGS.suggest(
            datetime.fromisoformat(wish_window["earliest"]),
            datetime.fromisoformat(wish_window["latest"]),
            datetime.fromisoformat(wish_window["preferred"]) if wish_window["preferred"] else None,
            wish_window.get("part_of_day"),
            exclude=exclude,
        )
    )


async def read_wish(text: str) -> TimeWish:
    """The client's words as a window, as of now in the clinic's time zone (or WishError)."""
    clinic = await in_thread(ANSWERS.clinic)
    now = datetime.now(timezone.utc).astimezone(ZoneInfo(clinic.timezone))
    return parse_wish(text, now, clinic.opening_hours)


def _window(wish: TimeWish) -> dict[str, Any]:
    return {
        "earliest": wish.earliest.isoformat(),
        "latest": wish.latest.isoformat(),
        "preferred": wish.preferred.isoformat() if wish.preferred else None,
        "part_of_day": wish.part_of_day,
    }


class TimeChoiceValidation(ClinicFormValidation):
    """time_wish and chosen_slot, for booking and for rescheduling."""

    async def _time_wish_answer(self, turn: Turn, tracker: Tracker) -> Reading:
        return read_strong_answer(turn, await self._reads_as_time(turn.text))

    async def _chosen_slot_answer(self, turn: Turn, tracker: Tracker) -> Reading:
        understood = parse_choice(turn.text, offered(tracker)) is not None
        if not understood and not is_option_number(turn.text):
            understood = await self._reads_as_time(turn.text)
        return read_strong_answer(turn, understood)

    extract_time_wish = extract_answer(slots.TIME_WISH, _time_wish_answer)
    extract_chosen_slot = extract_answer(slots.CHOSEN_SLOT, _chosen_slot_answer)

    async def _reads_as_time(self, text: str) -> bool:
        """A day or time is in the text (even one we cannot offer: that gets its own reply)."""
        try:
            await read_wish(text)
        except WishError as error:
            return str(error) != NO_TIME
        return True

    @validator
    async def validate_time_wish(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        try:
            wish = await read_wish(str(value or ""))
        except WishError as error:
            return await self.failed(dispatcher, tracker, slots.TIME_WISH, str(error))
        window = _window(wish)
        suggestion = await suggest_for(window)
        if not suggestion.slots:
            text = messages.offer_text([], False, wish.description)
            return await self.failed(dispatcher, tracker, slots.TIME_WISH, text)
        if not suggestion.matches_wish:
            dispatcher.utter_message(
                text=messages.offer_text(suggestion.slots, False, wish.description)
            )
        return {
            slots.TIME_WISH: wish.description,
            slots.WISH_WINDOW: window,
            slots.OFFERED_SLOTS: [slot.to_dict() for slot in suggestion.slots],
            slots.CHOSEN_SLOT: None,
        }

    @validator
    async def validate_chosen_slot(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        if isinstance(value, dict):  # already validated
            return {slots.CHOSEN_SLOT: value}
        choices = offered(tracker)
        choice = parse_choice(str(value or ""), choices)
        if choice == NONE_OF_THESE:
            # action_ask_time_wish asks for another day (OTHER_TIME).
            return {slots.CHOSEN_SLOT: None, slots.TIME_WISH: None, slots.OFFERED_SLOTS: None}
        if isinstance(choice, int):
            return {slots.CHOSEN_SLOT: choices[choice].to_dict()}
        # Maybe a new wish ("what about monday?"): try it as one before re-prompting.
        if not is_option_number(str(value)):
            retry = await self.validate_time_wish(value, CollectingDispatcher(), tracker, domain)
            if retry.get(slots.TIME_WISH):
                return retry
        return await self.failed(
            dispatcher,
            tracker,
            slots.CHOSEN_SLOT,
            messages.pick_reprompt(len(choices)),
            buttons=messages.offer_buttons(choices),
        )

    async def taken_meanwhile(
        self, dispatcher: Dispatcher, tracker: Tracker, taken: Slot
    ) -> SlotValues:
        """The slot went while the client was confirming: offer the next free ones."""
        window = tracker.get_slot(slots.WISH_WINDOW)
        suggestion = await suggest_for(window, exclude=(taken.start,))
        dispatcher.utter_message(text=messages.TAKEN_MEANWHILE)
        return {
            slots.BOOKING_CONFIRMED: None,
            slots.CHOSEN_SLOT: None,
            slots.OFFERED_SLOTS: [slot.to_dict() for slot in suggestion.slots],
        }
