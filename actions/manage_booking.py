"""Cancelling or moving an existing booking: reference and contact must both match.

One form, `manage_booking_form`, whose steps depend on what the client asked for
(`required_slots`). It shares the time and slot-choice steps with the booking form
(actions/time_choice.py) and the form base (actions/forms.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet

from actions import slots
from actions.asking import AskAction, YesNoAskAction
from actions.common import ANSWERS, BOOKINGS, Dispatcher, Domain, Events, in_thread
from actions.forms import (
    SlotValues,
    asked_for,
    clear_form_slots,
    count_failure,
    extract_yes_no,
    filled,
    latest_turn,
    validator,
    yes_no_validator,
)
from actions.reminders import manage_reminded, reminder_if_any
from actions.time_choice import TimeChoiceValidation
from bot.booking import messages
from bot.booking.availability import Slot
from bot.booking.guesses import ADDRESS_METADATA_KEY, Asker, TooManyGuesses
from bot.booking.reading import (
    Kind,
    find_contact,
    find_reference,
    read_contact_answer,
    read_reference_answer,
)
from bot.booking.service import BookingNotFound, BookingRecord, SlotUnavailable

# manage_action once the guess limit is reached: the form ends without asking more.
LOCKED = "locked"
# The key of FORM_FAILURES that counts wrong reference + contact pairs.
NOT_FOUND = "not_found"


def asker(tracker: Tracker) -> Asker:
    """Who checks a reference + contact pair (the channels put the address key in the
    metadata; clients cannot set metadata)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    key = metadata.get(ADDRESS_METADATA_KEY)
    return Asker(
        channel=tracker.get_latest_input_channel() or "unknown",
        conversation=tracker.sender_id,
        address_key=key if isinstance(key, str) and len(key) <= 64 else None,
    )


class ActionStartManageBooking(Action):
    """cancel_booking / reschedule_booking: remember which, then run manage_booking_form."""

    def name(self) -> str:
        return "action_start_manage_booking"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        intent = tracker.get_intent_of_latest_message()
        action = "cancel" if intent == "cancel_booking" else "reschedule"
        # Just reminded of a booking ("move it" to the reminder): that one, no ref needed.
        reminded = await reminder_if_any(tracker)
        if reminded is not None:
            return manage_reminded(tracker, reminded, action)
        return [*clear_form_slots(tracker), SlotSet(slots.MANAGE_ACTION, action)]


class ValidateManageBookingForm(TimeChoiceValidation):
    def name(self) -> str:
        return "validate_manage_booking_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: Dispatcher,
        tracker: Tracker,
        domain: Domain,
    ) -> list[str]:
        action = tracker.get_slot(slots.MANAGE_ACTION)
        if action == LOCKED:
            return []  # the guess limit: nothing more to ask
        found = [slots.BOOKING_REF, slots.BOOKING_CONTACT]
        if action == "cancel":
            return [*found, slots.CANCEL_CONFIRMED]
        return [*found, slots.TIME_WISH, slots.CHOSEN_SLOT, slots.BOOKING_CONFIRMED]

    # --- reading answers. Say it once: a reference, phone or email in any message of
    # this conversation fills its slot; nothing else is read unless it was asked for. ---

    async def extract_booking_ref(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        turn = latest_turn(tracker)
        if not asked_for(tracker, slots.BOOKING_REF):
            ref = find_reference(turn.text)
            given = tracker.get_slot(slots.BOOKING_REF)
            return {slots.BOOKING_REF: ref} if ref and not given else {}
        reading = read_reference_answer(turn)
        if reading.kind is Kind.UNCLEAR and await self._contact_in(turn.text):
            return {}  # the contact came first: keep it, ask for the reference again
        return filled(slots.BOOKING_REF, reading)

    async def extract_booking_contact(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        turn = latest_turn(tracker)
        if not asked_for(tracker, slots.BOOKING_CONTACT):
            contact = await self._contact_in(turn.text)
            if contact and not tracker.get_slot(slots.BOOKING_CONTACT):
                return {slots.BOOKING_CONTACT: contact}
            return {}
        region = (await in_thread(ANSWERS.clinic)).country
        return filled(slots.BOOKING_CONTACT, read_contact_answer(turn, region))

    extract_cancel_confirmed = extract_yes_no(slots.CANCEL_CONFIRMED, "cancel")
    extract_booking_confirmed = extract_yes_no(slots.BOOKING_CONFIRMED, "move")

    async def _contact_in(self, text: str) -> str | None:
        region = (await in_thread(ANSWERS.clinic)).country
        return find_contact(text, region)

    # --- validating ---

    @validator
    async def validate_booking_ref(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        ref = find_reference(str(value or ""))
        if ref is None:
            return await self.failed(dispatcher, tracker, slots.BOOKING_REF, messages.REF_REPROMPT)
        contact = tracker.get_slot(slots.BOOKING_CONTACT)
        if contact and slots.BOOKING_CONTACT not in tracker.slots_to_validate():
            return await self._find(dispatcher, tracker, ref, contact)  # given earlier
        return {slots.BOOKING_REF: ref}

    @validator
    async def validate_booking_contact(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        contact = await self._contact_in(str(value))
        if contact is None:
            return await self.failed(
                dispatcher, tracker, slots.BOOKING_CONTACT, messages.CONTACT_REPROMPT
            )
        ref = tracker.get_slot(slots.BOOKING_REF)
        if not ref:
            return {slots.BOOKING_CONTACT: contact}  # said before the reference: kept for later
        return await self._find(dispatcher, tracker, ref, contact)

    async def _find(
        self, dispatcher: Dispatcher, tracker: Tracker, ref: str, contact: str
    ) -> SlotValues:
        forget = {slots.BOOKING_REF: None, slots.BOOKING_CONTACT: None}
        try:
            record = await in_thread(BOOKINGS.find, ref, contact, asker(tracker))
        except TooManyGuesses:
            # Stop checking: say so, give the phone; the attempt is kept for staff.
            phone = (await in_thread(ANSWERS.clinic)).phone
            dispatcher.utter_message(text=messages.too_many_guesses(phone))
            return {**forget, slots.MANAGE_ACTION: LOCKED}
        except BookingNotFound:
            # The same answer for a wrong ref and a wrong contact: nothing to probe with.
            misses, failures = count_failure(tracker, NOT_FOUND)
            phone = (await in_thread(ANSWERS.clinic)).phone
            dispatcher.utter_message(text=messages.not_found(misses, phone))
            return {**forget, slots.FORM_FAILURES: failures}
        return {
            slots.BOOKING_REF: ref,
            slots.BOOKING_CONTACT: contact,
            slots.MANAGED_BOOKING: record.as_json(),
        }

    @yes_no_validator()
    async def validate_cancel_confirmed(
        self, value: bool, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        return await self._change(tracker, slots.CANCEL_CONFIRMED, BOOKINGS.cancel)

    @yes_no_validator()
    async def validate_booking_confirmed(
        self, value: bool, dispatcher: Dispatcher, tracker: Tracker, domain: Domain
    ) -> SlotValues:
        slot = Slot.from_dict(tracker.get_slot(slots.CHOSEN_SLOT))
        try:
            return await self._change(tracker, slots.BOOKING_CONFIRMED, BOOKINGS.reschedule, slot)
        except SlotUnavailable:
            return await self.taken_meanwhile(dispatcher, tracker, slot)

    async def _change(
        self, tracker: Tracker, confirmed: str, change: Callable[..., BookingRecord], *args: Any
    ) -> SlotValues:
        """Cancel or move the booking found; its reference and contact are checked again."""
        ref, contact = tracker.get_slot(slots.BOOKING_REF), tracker.get_slot(slots.BOOKING_CONTACT)
        try:
            record = await in_thread(change, ref, contact, *args, tracker.sender_id)
        except BookingNotFound:
            return {confirmed: False}
        return {confirmed: True, slots.BOOKING_RESULT: record.as_json()}


class ActionAskCancelConfirmed(YesNoAskAction):
    slot = slots.CANCEL_CONFIRMED

    async def question(self, tracker: Tracker) -> str:
        return messages.cancel_question(tracker.get_slot(slots.MANAGED_BOOKING))


class ActionAskBookingRef(AskAction):
    slot = slots.BOOKING_REF


class ActionAskBookingContact(AskAction):
    slot = slots.BOOKING_CONTACT


class ActionManageBookingDone(Action):
    def name(self) -> str:
        return "action_manage_booking_done"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: Domain) -> Events:
        result = tracker.get_slot(slots.BOOKING_RESULT)
        if tracker.get_slot(slots.MANAGE_ACTION) == LOCKED:
            return clear_form_slots(tracker)  # the guess-limit message was the answer
        if not result:
            text = messages.kept(tracker.get_slot(slots.MANAGED_BOOKING))
        elif result["status"] == "cancelled":
            text = messages.cancelled(result["ref"])
        else:
            start = datetime.fromisoformat(result["start"])
            text = messages.moved(result["ref"], start, result["practitioner"])
        dispatcher.utter_message(text=text)
        return clear_form_slots(tracker)
