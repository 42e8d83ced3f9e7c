"""The booking form: name, contact, time wish, slot choice, consent, confirmation.

Parsing and rules live in bot.booking; this module only moves values between
Rasa slots and those functions. The booking is written when the client says
Yes to the summary (validate_booking_confirmed), so that a slot taken in the
meantime can send the form straight back to the slot choice.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    ANSWERS,
    OFFERED_SLOT,
    PENDING_SLOT,
    StoreAction,
    apologise_for_store,
    in_thread,
)
from bot.booking import messages
from bot.booking.availability import Slot
from bot.booking.choice import NONE_OF_THESE, is_option_number, parse_choice
from bot.booking.contact import Contact, ContactError, clean_name, parse_contact
from bot.booking.reading import (
    Kind,
    Reading,
    Turn,
    read_contact_answer,
    read_name,
    read_name_answer,
    read_strong_answer,
    read_yes_no_answer,
)
from bot.booking.service import (
    BookingRecord,
    BookingRequest,
    BookingService,
    InvalidBookingRequest,
    SlotUnavailable,
)
from bot.booking.wishes import NO_TIME, WishError, parse_wish
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable

BOOKINGS = BookingService()

# Every slot a booking conversation may leave behind; cleared when it ends.
FORM_SLOTS = (
    "client_name",
    "contact",
    "time_wish",
    "chosen_slot",
    "consent",
    "booking_confirmed",
    "booking_ref",
    "booking_contact",
    "cancel_confirmed",
    "wish_window",
    "offered_slots",
    "booking_result",
    "managed_booking",
    "manage_action",
    "form_failures",
)
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def clear_form_slots(tracker: Tracker) -> list[EventType]:
    """Unset the booking slots that hold a value (None events would be "validated" again)."""
    return [SlotSet(name, None) for name in FORM_SLOTS if tracker.get_slot(name) is not None]


def validator(method):
    """A validate_<slot> method that ignores slots merely cleared (set to None) by our actions."""
    slot = method.__name__.removeprefix("validate_")

    @functools.wraps(method)
    async def validate(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is None:
            return {slot: None}
        return await method(self, value, dispatcher, tracker, domain)

    return validate


def offered(tracker: Tracker) -> list[Slot]:
    return [Slot.from_dict(item) for item in tracker.get_slot("offered_slots") or []]


async def failed(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    reprompt: str,
    buttons: list[dict] | None = None,
) -> dict[str, Any]:
    """Count an invalid answer; the first miss gets a specific re-prompt.

    From the second miss on, action_ask_<slot> says what was expected instead (no loops).
    """
    failures = dict(tracker.get_slot("form_failures") or {})
    failures[slot] = failures.get(slot, 0) + 1
    if failures[slot] < messages.STUCK_AFTER:
        dispatcher.utter_message(text=reprompt, buttons=buttons or [])
    return {slot: None, "form_failures": failures}


def latest_turn(tracker: Tracker) -> Turn:
    """The client's latest message and its intent, for reading it as a form answer."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return Turn(
        str(message.get("text") or ""),
        intent.get("name"),
        float(intent.get("confidence") or 0.0),
    )


def asked_for(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def filled(slot: str, reading: Reading) -> dict[str, Any]:
    """An extract_<slot> result: the answer, the raw text to re-prompt on, or nothing.

    Nothing means the message is a question, a stop, a request for a person or an
    emergency: the form is rejected for this turn and the rules answer it.
    """
    if reading.kind is Kind.LEAVE:
        return {}
    return {slot: reading.value}


async def suggest_for(wish_window: dict, exclude: tuple[datetime, ...] = ()):
    return await in_thread(
        lambda: BOOKINGS.suggest(
            datetime.fromisoformat(wish_window["earliest"]),
            datetime.fromisoformat(wish_window["latest"]),
            datetime.fromisoformat(wish_window["preferred"]) if wish_window["preferred"] else None,
            wish_window.get("part_of_day"),
            exclude=exclude,
        )
    )


if TYPE_CHECKING:  # a mixin for form validation actions; at run time the form supplies these
    from rasa_sdk import FormValidationAction as _ValidationBase
else:
    _ValidationBase = object


class TimeChoiceValidation(_ValidationBase):
    """time_wish and chosen_slot (shared by booking and rescheduling), and store failures."""

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except (StoreUnavailable, KnowledgeNotLoaded) as error:
            apologise_for_store(dispatcher, self.name(), error)
            # Unvalidated values must not stay in the form: ask again once the store is back.
            return [SlotSet(name, None) for name in tracker.slots_to_validate()]

    async def extract_time_wish(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "time_wish"):
            return {}
        turn = latest_turn(tracker)
        return filled("time_wish", read_strong_answer(turn, await self._reads_as_time(turn.text)))

    async def extract_chosen_slot(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "chosen_slot"):
            return {}
        turn = latest_turn(tracker)
        understood = parse_choice(turn.text, offered(tracker)) is not None
        if not understood and not is_option_number(turn.text):
            understood = await self._reads_as_time(turn.text)
        return filled("chosen_slot", read_strong_answer(turn, understood))

    async def _reads_as_time(self, text: str) -> bool:
        """A day or time is in the text (even one we cannot offer: that gets its own reply)."""
        clinic = await in_thread(ANSWERS.clinic)
        now = datetime.now(timezone.utc).astimezone(ZoneInfo(clinic.timezone))
        try:
            parse_wish(text, now, clinic.opening_hours)
        except WishError as error:
            return str(error) != NO_TIME
        return True

    @validator
    async def validate_time_wish(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        clinic = await in_thread(ANSWERS.clinic)
        now = datetime.now(timezone.utc).astimezone(ZoneInfo(clinic.timezone))
        try:
            wish = parse_wish(str(value or ""), now, clinic.opening_hours)
        except WishError as error:
            return await failed(dispatcher, tracker, "time_wish", str(error))
        window = {
            "earliest": wish.earliest.isoformat(),
            "latest": wish.latest.isoformat(),
            "preferred": wish.preferred.isoformat() if wish.preferred else None,
            "part_of_day": wish.part_of_day,
        }
        suggestion = await suggest_for(window)
        if not suggestion.slots:
            return await failed(
                dispatcher,
                tracker,
                "time_wish",
                messages.offer_text([], False, wish.description),
            )
        if not suggestion.matches_wish:
            dispatcher.utter_message(
                text=messages.offer_text(suggestion.slots, False, wish.description)
            )
        return {
            "time_wish": wish.description,
            "wish_window": window,
            "offered_slots": [slot.to_dict() for slot in suggestion.slots],
            "chosen_slot": None,
        }

    @validator
    async def validate_chosen_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, dict):  # already validated
            return {"chosen_slot": value}
        slots = offered(tracker)
        choice = parse_choice(str(value or ""), slots)
        if choice == NONE_OF_THESE:
            # action_ask_time_wish asks for another day (OTHER_TIME).
            return {"chosen_slot": None, "time_wish": None, "offered_slots": None}
        if isinstance(choice, int):
            return {"chosen_slot": slots[choice].to_dict()}
        # Maybe a new wish ("what about monday?"): try it as one before re-prompting.
        if is_option_number(str(value)):
            return await failed(
                dispatcher,
                tracker,
                "chosen_slot",
                messages.pick_reprompt(len(slots)),
                buttons=messages.offer_buttons(slots),
            )
        retry = await self.validate_time_wish(value, CollectingDispatcher(), tracker, domain)
        if retry.get("time_wish"):
            return retry
        return await failed(
            dispatcher,
            tracker,
            "chosen_slot",
            messages.pick_reprompt(len(slots)),
            buttons=messages.offer_buttons(slots),
        )


class ValidateBookingForm(TimeChoiceValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_form"

    # --- reading the answer to what was asked (the requested slot comes first) ---

    async def extract_client_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "client_name"):
            return {}
        return filled("client_name", read_name_answer(latest_turn(tracker)))

    async def extract_contact(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "contact"):
            return {}
        region = (await in_thread(ANSWERS.clinic)).country
        return filled("contact", read_contact_answer(latest_turn(tracker), region))

    async def extract_consent(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "consent"):
            return {}
        return filled("consent", read_yes_no_answer(latest_turn(tracker), "consent"))

    async def extract_booking_confirmed(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "booking_confirmed"):
            return {}
        return filled("booking_confirmed", read_yes_no_answer(latest_turn(tracker), "book"))

    @validator
    async def validate_client_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = read_name(str(value or ""))
        try:
            return {"client_name": clean_name(name or "")}
        except ContactError as error:
            return await failed(dispatcher, tracker, "client_name", str(error))

    @validator
    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        region = (await in_thread(ANSWERS.clinic)).country
        try:
            contact = parse_contact(str(value or ""), region)
        except ContactError as error:
            return await failed(dispatcher, tracker, "contact", str(error))
        return {"contact": contact.phone or contact.email}

    @validator
    async def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not isinstance(value, bool):
            return await failed(dispatcher, tracker, "consent", messages.YES_NO_REPROMPT, YES_NO)
        if value is True:
            return {"consent": True}
        # No consent, no booking: end the form without writing anything.
        return {"consent": False, "booking_confirmed": False}

    @validator
    async def validate_booking_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not isinstance(value, bool):
            return await failed(
                dispatcher, tracker, "booking_confirmed", messages.YES_NO_REPROMPT, YES_NO
            )
        if value is not True or tracker.get_slot("consent") is not True:
            return {"booking_confirmed": False}
        slot = Slot.from_dict(tracker.get_slot("chosen_slot"))
        contact = tracker.get_slot("contact")
        request = BookingRequest(
            name=tracker.get_slot("client_name"),
            contact=Contact.from_stored(contact),
            slot=slot,
            consent=True,
            channel=tracker.get_latest_input_channel() or "unknown",
            sender_id=tracker.sender_id,
        )
        try:
            record = await in_thread(BOOKINGS.book, request)
        except SlotUnavailable:
            return await taken_meanwhile(dispatcher, tracker, slot)
        except InvalidBookingRequest:
            # The store re-checks every value; one that fails it is asked for again.
            dispatcher.utter_message(
                text="Sorry, something in those details didn't look right. Let's check "
                "your name and contact again."
            )
            return {"booking_confirmed": None, "client_name": None, "contact": None}
        return {"booking_confirmed": True, "booking_result": record.as_json()}


async def taken_meanwhile(
    dispatcher: CollectingDispatcher, tracker: Tracker, taken: Slot
) -> dict[str, Any]:
    """The slot went while the client was confirming: offer the next free ones."""
    suggestion = await suggest_for(tracker.get_slot("wish_window"), exclude=(taken.start,))
    dispatcher.utter_message(
        text="Sorry, that time was just booked by someone else."
    )
    return {
        "booking_confirmed": None,
        "chosen_slot": None,
        "offered_slots": [slot.to_dict() for slot in suggestion.slots],
    }


def misses_this_turn(tracker: Tracker, slot: str) -> int:
    """How many answers to `slot` were not understood, if the latest one was not."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return 0
        if event.get("event") == "slot" and event.get("name") == "form_failures":
            return int((event.get("value") or {}).get(slot, 0))
    return 0


def set_this_turn(tracker: Tracker, slot: str, value: Any) -> bool:
    """Whether `slot` was set to `value` after the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value") == value
    return False


# Actions that run in a form turn without being an answer to something else.
_FORM_MACHINERY = {
    "action_listen",
    "action_extract_slots",
    "action_start_booking",
    "action_start_manage_booking",
    "booking_form",
    "manage_booking_form",
}


def answered_something_else(tracker: Tracker) -> bool:
    """Whether another action (an answer to a question) ran since the client's message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in _FORM_MACHINERY:
            return True
    return False


class AskAction(StoreAction):
    """action_ask_<slot>: the question; after a miss the validation's re-prompt stands in
    for it, and from the second miss in a row: what was expected, an example and a person."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def respond(self, dispatcher, tracker, domain) -> list[EventType]:
        misses = misses_this_turn(tracker, self.slot)
        if misses >= messages.STUCK_AFTER:
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


class ActionAskClientName(AskAction):
    slot = "client_name"


class ActionAskContact(AskAction):
    slot = "contact"


class ActionAskTimeWish(AskAction):
    slot = "time_wish"

    async def question(self, tracker) -> str:
        if set_this_turn(tracker, "offered_slots", None):  # "none of these"
            return messages.OTHER_TIME
        return await super().question(tracker)


class ActionAskConsent(AskAction):
    slot = "consent"

    def buttons(self, tracker: Tracker) -> list[dict]:
        return [{"title": "Yes, that's fine", "payload": "/affirm"}, YES_NO[1]]


class ActionAskChosenSlot(AskAction):
    """Show the offered slots as buttons (computed when the wish was validated)."""

    slot = "chosen_slot"

    async def question(self, tracker) -> str:
        return messages.offer_text(offered(tracker), True, None)

    def buttons(self, tracker: Tracker) -> list[dict]:
        return messages.offer_buttons(offered(tracker))


class ActionAskBookingConfirmed(AskAction):
    """The summary to confirm (a new booking, or moving an existing one)."""

    slot = "booking_confirmed"

    async def question(self, tracker) -> str:
        slot = Slot.from_dict(tracker.get_slot("chosen_slot"))
        existing = tracker.get_slot("managed_booking")
        if existing:
            text = (
                f"Move your booking {existing['ref']} to {slot.start:%A %d %B at %H:%M} "
                f"with {slot.practitioner_name}?"
            )
        else:
            minutes, price = await in_thread(ANSWERS.first_session_price)
            text = messages.summary(
                tracker.get_slot("client_name"),
                tracker.get_slot("contact"),
                slot,
                minutes,
                price,
            )
        return text

    def buttons(self, tracker: Tracker) -> list[dict]:
        return YES_NO


class ActionBookingDone(StoreAction):
    def name(self) -> str:
        return "action_booking_done"

    async def respond(self, dispatcher, tracker, domain) -> list[EventType]:
        result = tracker.get_slot("booking_result")
        if result:
            clinic = await in_thread(ANSWERS.clinic)
            record = BookingRecord.from_json(result)
            first_visit = await in_thread(ANSWERS.first_visit)
            dispatcher.utter_message(
                text=messages.confirmation(record, clinic.address, first_visit)
            )
        else:
            dispatcher.utter_message(text=messages.NOT_BOOKED)
        return clear_form_slots(tracker)


class ActionStartBooking(Action):
    """book_session or Yes to the offer: close the offer and start a clean form."""

    def name(self) -> str:
        return "action_start_booking"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        offer_closed = [SlotSet(OFFERED_SLOT, True), SlotSet(PENDING_SLOT, False)]
        return [*offer_closed, *clear_form_slots(tracker)]


class ActionStopBooking(Action):
    """Stop whichever booking form runs; nothing is written."""

    def name(self) -> str:
        return "action_stop_booking"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        if tracker.get_intent_of_latest_message() == "stop":
            dispatcher.utter_message(text=messages.stopped(tracker.get_slot("managed_booking")))
        return [ActiveLoop(None), SlotSet("requested_slot", None), *clear_form_slots(tracker)]


class ActionCloseBookingOffer(Action):
    """The offer was answered with No: a later "yes" must not count as accepting it."""

    def name(self) -> str:
        return "action_close_booking_offer"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        return [SlotSet(PENDING_SLOT, False)]
