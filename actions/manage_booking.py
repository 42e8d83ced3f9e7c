"""Cancelling or moving an existing booking: reference and contact must both match.

One form, `manage_booking_form`, whose steps depend on what the client asked for
(`required_slots`). It shares the time and slot-choice steps with the booking form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import EventType, SlotSet

from actions.booking import (
    BOOKINGS,
    YES_NO,
    AskAction,
    TimeChoiceValidation,
    asked_for,
    clear_form_slots,
    failed,
    filled,
    latest_turn,
    taken_meanwhile,
    validator,
)
from actions.common import ANSWERS, in_thread
from actions.reminders import manage_reminded, reminder_if_any
from bot.booking import messages
from bot.booking.availability import Slot
from bot.booking.guesses import ADDRESS_METADATA_KEY, Asker, TooManyGuesses
from bot.booking.reading import (
    Kind,
    find_contact,
    find_reference,
    read_contact_answer,
    read_reference_answer,
    read_yes_no_answer,
)
from bot.booking.service import BookingNotFound, SlotUnavailable

# manage_action once the guess limit is reached: the form ends without asking more.
LOCKED = "locked"


def asker(tracker) -> Asker:
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

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        intent = tracker.get_intent_of_latest_message()
        action = "cancel" if intent == "cancel_booking" else "reschedule"
        # Just reminded of a booking ("move it" to the reminder): that one, no ref needed.
        reminded = await reminder_if_any(tracker)
        if reminded is not None:
            return manage_reminded(tracker, reminded, action)
        return [*clear_form_slots(tracker), SlotSet("manage_action", action)]


class ValidateManageBookingForm(TimeChoiceValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_manage_booking_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if tracker.get_slot("manage_action") == LOCKED:
            return []  # the guess limit: nothing more to ask
        if tracker.get_slot("manage_action") == "cancel":
            return ["booking_ref", "booking_contact", "cancel_confirmed"]
        return ["booking_ref", "booking_contact", "time_wish", "chosen_slot", "booking_confirmed"]

    # --- reading answers. Say it once: a reference, phone or email in any message of
    # this conversation fills its slot; nothing else is read unless it was asked for. ---

    async def extract_booking_ref(self, dispatcher, tracker, domain) -> dict[str, Any]:
        turn = latest_turn(tracker)
        if not asked_for(tracker, "booking_ref"):
            ref = find_reference(turn.text)
            return {"booking_ref": ref} if ref and not tracker.get_slot("booking_ref") else {}
        reading = read_reference_answer(turn)
        if reading.kind is Kind.UNCLEAR and await self._contact_in(turn.text):
            return {}  # the contact came first: keep it, ask for the reference again
        return filled("booking_ref", reading)

    async def extract_booking_contact(self, dispatcher, tracker, domain) -> dict[str, Any]:
        turn = latest_turn(tracker)
        if not asked_for(tracker, "booking_contact"):
            contact = await self._contact_in(turn.text)
            if contact and not tracker.get_slot("booking_contact"):
                return {"booking_contact": contact}
            return {}
        region = (await in_thread(ANSWERS.clinic)).country
        return filled("booking_contact", read_contact_answer(turn, region))

    async def extract_cancel_confirmed(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "cancel_confirmed"):
            return {}
        return filled("cancel_confirmed", read_yes_no_answer(latest_turn(tracker), "cancel"))

    async def extract_booking_confirmed(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if not asked_for(tracker, "booking_confirmed"):
            return {}
        return filled("booking_confirmed", read_yes_no_answer(latest_turn(tracker), "move"))

    async def _contact_in(self, text: str) -> str | None:
        region = (await in_thread(ANSWERS.clinic)).country
        return find_contact(text, region)

    # --- validating ---

    @validator
    async def validate_booking_ref(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        ref = find_reference(str(value or ""))
        if ref is None:
            return await failed(
                dispatcher,
                tracker,
                "booking_ref",
                "That doesn't look like a booking reference - it looks like FA-7K3Q.",
            )
        contact = tracker.get_slot("booking_contact")
        if contact and "booking_contact" not in tracker.slots_to_validate():
            return await self._find(dispatcher, tracker, ref, contact)  # given earlier
        return {"booking_ref": ref}

    @validator
    async def validate_booking_contact(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        contact = await self._contact_in(str(value))
        if contact is None:
            return await failed(
                dispatcher,
                tracker,
                "booking_contact",
                "That doesn't look like a phone number or an email address - could you "
                "type the one you booked with?",
            )
        ref = tracker.get_slot("booking_ref")
        if not ref:
            return {"booking_contact": contact}  # said before the reference: kept for later
        return await self._find(dispatcher, tracker, ref, contact)

    async def _find(self, dispatcher, tracker, ref: str, contact: str) -> dict[str, Any]:
        try:
            record = await in_thread(BOOKINGS.find, ref, contact, asker(tracker))
        except TooManyGuesses:
            # Stop checking: say so, give the phone; the attempt is kept for staff.
            phone = (await in_thread(ANSWERS.clinic)).phone
            dispatcher.utter_message(text=messages.too_many_guesses(phone))
            return {"booking_ref": None, "booking_contact": None, "manage_action": LOCKED}
        except BookingNotFound:
            # The same answer for a wrong ref and a wrong contact: nothing to probe with.
            failures = dict(tracker.get_slot("form_failures") or {})
            failures["not_found"] = failures.get("not_found", 0) + 1
            phone = (await in_thread(ANSWERS.clinic)).phone
            dispatcher.utter_message(text=messages.not_found(failures["not_found"], phone))
            return {"booking_ref": None, "booking_contact": None, "form_failures": failures}
        return {"booking_ref": ref, "booking_contact": contact, "managed_booking": record.as_json()}

    @validator
    async def validate_cancel_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if not isinstance(value, bool):
            return await failed(
                dispatcher, tracker, "cancel_confirmed", messages.YES_NO_REPROMPT, YES_NO
            )
        if value is not True:
            return {"cancel_confirmed": False}
        try:
            record = await in_thread(
                BOOKINGS.cancel,
                tracker.get_slot("booking_ref"),
                tracker.get_slot("booking_contact"),
                tracker.sender_id,
            )
        except BookingNotFound:
            return {"cancel_confirmed": False}
        return {"cancel_confirmed": True, "booking_result": record.as_json()}

    @validator
    async def validate_booking_confirmed(
        self, value, dispatcher, tracker, domain
    ) -> dict[str, Any]:
        if not isinstance(value, bool):
            return await failed(
                dispatcher, tracker, "booking_confirmed", messages.YES_NO_REPROMPT, YES_NO
            )
        if value is not True:
            return {"booking_confirmed": False}
        slot = Slot.from_dict(tracker.get_slot("chosen_slot"))
        try:
            record = await in_thread(
                BOOKINGS.reschedule,
                tracker.get_slot("booking_ref"),
                tracker.get_slot("booking_contact"),
                slot,
                tracker.sender_id,
            )
        except SlotUnavailable:
            return await taken_meanwhile(dispatcher, tracker, slot)
        except BookingNotFound:
            return {"booking_confirmed": False}
        return {"booking_confirmed": True, "booking_result": record.as_json()}


class ActionAskCancelConfirmed(AskAction):
    slot = "cancel_confirmed"

    async def question(self, tracker) -> str:
        return f"Cancel your booking {messages.describe(tracker.get_slot('managed_booking'))}?"

    def buttons(self, tracker) -> list[dict]:
        return YES_NO


class ActionAskBookingRef(AskAction):
    slot = "booking_ref"


class ActionAskBookingContact(AskAction):
    slot = "booking_contact"


class ActionManageBookingDone(Action):
    def name(self) -> str:
        return "action_manage_booking_done"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        result = tracker.get_slot("booking_result")
        if tracker.get_slot("manage_action") == LOCKED:
            return clear_form_slots(tracker)  # the guess-limit message was the answer
        if not result:
            text = messages.kept(tracker.get_slot("managed_booking"))
        elif result["status"] == "cancelled":
            text = messages.cancelled(result["ref"])
        else:
            start = datetime.fromisoformat(result["start"])
            text = messages.moved(result["ref"], start, result["practitioner"])
        dispatcher.utter_message(text=text)
        return clear_form_slots(tracker)
