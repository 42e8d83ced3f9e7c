"""The booking form: name, contact, time wish, slot choice, consent, confirmation.

Parsing and rules live in bot.booking; this module only moves values between
Rasa slots and those functions. The booking is written when the client says
Yes to the summary (validate_booking_confirmed), so that a slot taken in the
meantime can send the form straight back to the slot choice. What the two forms
share is in actions/forms.py (the base), actions/time_choice.py and actions/asking.py.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet

from actions import slots
from actions.asking import AskAction, YesNoAskAction, set_this_turn
from actions.common import ANSWERS, BOOKINGS, Dispatcher, Domain, Events, StoreAction, in_thread
from actions.forms import FORM_SLOTS as FORM_SLOTS  # tests/actions/test_booking_form.py's name
from actions.forms import (
    SlotValues,
    clear_form_slots,
    extract_answer,
    extract_yes_no,
    validator,
    yes_no_validator,
)
from actions.time_choice import TimeChoiceValidation, offered
from bot.booking import messages
from bot.booking.availability import Slot
from bot.booking.contact import Contact, ContactError, clean_name, parse_contact
from bot.booking.reading import Reading, Turn, read_contact_answer, read_name, read_name_answer
from bot.booking.service import (
    BookingRecord,
    BookingRequest,
    InvalidBookingRequest,
    SlotUnavailable,
)


class ValidateBookingForm(TimeChoiceValidation):
    def name(self) -> str:
        return "validate_booking_form"

    # --- reading the answer to what was asked (the requested slot comes first) ---

    async def _contact_answer(self, turn: Turn, tracker: Tracker) -> Reading:
        return read_contact_answer(turn, (await in_thread(ANSWERS.clinic)).country)

    extract_client_name = extract_answer(
        slots.CLIENT_NAME, lambda form, turn, tracker: read_name_answer(turn)
    )
    extract_contact = extract_answer(slots.CONTACT, _contact_answer)
    extract_consent = extract_yes_no(slots.CONSENT, "consent")
    extract_booking_confirmed = extract_yes_no(slots.BOOKING_CONFIRMED, "book")

    # --- validating ---

    @validator
    async def validate_client_name(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        name = read_name(str(value or ""))
        try:
            return {slots.CLIENT_NAME: clean_name(name or "")}
        except ContactError as error:
            return await self.failed(dispatcher, tracker, slots.CLIENT_NAME, str(error))

    @validator
    async def validate_contact(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        region = (await in_thread(ANSWERS.clinic)).country
        try:
            contact = parse_contact(str(value or ""), region)
        except ContactError as error:
            return await self.failed(dispatcher, tracker, slots.CONTACT, str(error))
        return {slots.CONTACT: contact.phone or contact.email}

    # No consent, no booking: the form ends without writing anything.
    @yes_no_validator(also_on_no={slots.BOOKING_CONFIRMED: False})
    async def validate_consent(
        self, value: bool, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        return {slots.CONSENT: True}

    @yes_no_validator()
    async def validate_booking_confirmed(
        self, value: bool, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        if tracker.get_slot(slots.CONSENT) is not True:
            return {slots.BOOKING_CONFIRMED: False}
        slot = Slot.from_dict(tracker.get_slot(slots.CHOSEN_SLOT))
        request = BookingRequest(
            name=tracker.get_slot(slots.CLIENT_NAME),
            contact=Contact.from_stored(tracker.get_slot(slots.CONTACT)),
            slot=slot,
            consent=True,
            channel=tracker.get_latest_input_channel() or "unknown",
            sender_id=tracker.sender_id,
        )
        try:
            record = await in_thread(BOOKINGS.book, request)
        except SlotUnavailable:
            return await self.taken_meanwhile(dispatcher, tracker, slot)
        except InvalidBookingRequest:
            # The store re-checks every value; one that fails it is asked for again.
            dispatcher.utter_message(text=messages.CHECK_DETAILS_AGAIN)
            return {slots.BOOKING_CONFIRMED: None, slots.CLIENT_NAME: None, slots.CONTACT: None}
        return {slots.BOOKING_CONFIRMED: True, slots.BOOKING_RESULT: record.as_json()}


# --- the questions (action_ask_<slot>) ---


class ActionAskClientName(AskAction):
    slot = slots.CLIENT_NAME


class ActionAskContact(AskAction):
    slot = slots.CONTACT


class ActionAskTimeWish(AskAction):
    slot = slots.TIME_WISH

    async def question(self, tracker: Tracker) -> str:
        if set_this_turn(tracker, slots.OFFERED_SLOTS, None):  # "none of these"
            return messages.OTHER_TIME
        return await super().question(tracker)


class ActionAskConsent(AskAction):
    slot = slots.CONSENT

    def buttons(self, tracker: Tracker) -> list[dict]:
        return messages.CONSENT_BUTTONS


class ActionAskChosenSlot(AskAction):
    """Show the offered slots as buttons (computed when the wish was validated)."""

    slot = slots.CHOSEN_SLOT

    async def question(self, tracker: Tracker) -> str:
        return messages.offer_text(offered(tracker), True, None)

    def buttons(self, tracker: Tracker) -> list[dict]:
        return messages.offer_buttons(offered(tracker))


class ActionAskBookingConfirmed(YesNoAskAction):
    """The summary to confirm (a new booking, or moving an existing one)."""

    slot = slots.BOOKING_CONFIRMED

    async def question(self, tracker: Tracker) -> str:
        slot = Slot.from_dict(tracker.get_slot(slots.CHOSEN_SLOT))
        existing = tracker.get_slot(slots.MANAGED_BOOKING)
        if existing:
            return messages.move_summary(existing["ref"], slot)
        minutes, price = await in_thread(ANSWERS.first_session_price)
        return messages.summary(
            tracker.get_slot(slots.CLIENT_NAME),
            tracker.get_slot(slots.CONTACT),
            slot,
            minutes,
            price,
        )


# --- starting and ending ---


class ActionBookingDone(StoreAction):
    def name(self) -> str:
        return "action_booking_done"

    async def respond(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        result = tracker.get_slot(slots.BOOKING_RESULT)
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

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        offer_closed = [
            SlotSet(slots.BOOKING_OFFERED, True),
            SlotSet(slots.BOOKING_OFFER_PENDING, False),
        ]
        return [*offer_closed, *clear_form_slots(tracker)]


class ActionStopBooking(Action):
    """Stop whichever booking form runs; nothing is written."""

    def name(self) -> str:
        return "action_stop_booking"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        if tracker.get_intent_of_latest_message() == "stop":
            dispatcher.utter_message(text=messages.stopped(tracker.get_slot(slots.MANAGED_BOOKING)))
        return [ActiveLoop(None), SlotSet(slots.REQUESTED_SLOT, None), *clear_form_slots(tracker)]


class ActionCloseBookingOffer(Action):
    """The offer was answered with No: a later "yes" must not count as accepting it."""

    def name(self) -> str:
        return "action_close_booking_offer"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        return [SlotSet(slots.BOOKING_OFFER_PENDING, False)]
