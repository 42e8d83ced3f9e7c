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
    TimeChoiceValidation,
    clear_form_slots,
    failed,
    taken_meanwhile,
    validator,
)
from actions.common import in_thread
from actions.reminders import manage_reminded, reminder_if_any
from bot.booking.availability import Slot
from bot.booking.refs import normalise_reference
from bot.booking.service import BookingNotFound, SlotUnavailable


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
        if tracker.get_slot("manage_action") == "cancel":
            return ["booking_ref", "booking_contact", "cancel_confirmed"]
        return ["booking_ref", "booking_contact", "time_wish", "chosen_slot", "booking_confirmed"]

    @validator
    async def validate_booking_ref(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        ref = normalise_reference(str(value or ""))
        if ref is None:
            return await failed(
                dispatcher,
                tracker,
                "booking_ref",
                "That doesn't look like a booking reference - it looks like FA-7K3Q.",
            )
        return {"booking_ref": ref}

    @validator
    async def validate_booking_contact(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        try:
            record = await in_thread(BOOKINGS.find, tracker.get_slot("booking_ref"), str(value))
        except BookingNotFound:
            # The same answer for a wrong ref and a wrong contact: nothing to probe with.
            reply = await failed(
                dispatcher,
                tracker,
                "booking_contact",
                "I couldn't find a booking with that reference and contact. Please check both.",
            )
            return {**reply, "booking_ref": None}
        return {"booking_contact": str(value), "managed_booking": record.as_json()}

    @validator
    async def validate_cancel_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
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


class ActionAskCancelConfirmed(Action):
    def name(self) -> str:
        return "action_ask_cancel_confirmed"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        booking = tracker.get_slot("managed_booking") or {}
        start = datetime.fromisoformat(booking["start"]) if booking else None
        when = f" on {start:%A %d %B at %H:%M}" if start else ""
        dispatcher.utter_message(
            text=f"Cancel your booking {booking.get('ref', '')}{when}?", buttons=YES_NO
        )
        return []


class ActionManageBookingDone(Action):
    def name(self) -> str:
        return "action_manage_booking_done"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        result = tracker.get_slot("booking_result")
        if not result:
            text = "Okay, I've left your booking as it is."
        elif result["status"] == "cancelled":
            text = f"Your booking {result['ref']} is cancelled. We hope to see you another time."
        else:
            start = datetime.fromisoformat(result["start"])
            text = (
                f"Done: booking {result['ref']} is now on {start:%A %d %B at %H:%M} "
                f"with {result['practitioner']}."
            )
        dispatcher.utter_message(text=text)
        return clear_form_slots(tracker)
