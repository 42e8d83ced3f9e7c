"""Answers to a reminder ("1" keep it, "2" move it, "3" cancel it) and "move it" / "cancel
it" after one: they lead into the existing manage_booking_form with the reminded booking
already identified (bot/booking/reminders.py says why the conversation is enough)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions import slots
from actions.common import Events, apologise_for_store, in_thread
from actions.forms import clear_form_slots
from bot.booking import messages
from bot.booking.reminders import RemindedBooking, reminded_booking, reminder_choice
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable


async def unanswered_reminder(tracker: Tracker) -> RemindedBooking | None:
    """The reminded booking of this conversation, unless its reminder was answered here."""
    reminded = await in_thread(reminded_booking, tracker.sender_id)
    if reminded is None or tracker.get_slot(slots.REMINDER_ANSWERED) == str(reminded.reminder_id):
        return None
    return reminded


async def reminder_if_any(tracker: Tracker) -> RemindedBooking | None:
    """unanswered_reminder, or None if the store cannot say (the usual questions follow)."""
    try:
        return await unanswered_reminder(tracker)
    except (StoreUnavailable, KnowledgeNotLoaded):
        return None


def manage_reminded(tracker: Tracker, reminded: RemindedBooking, action: str) -> Events:
    """Slots that start manage_booking_form on the reminded booking (it validates them)."""
    return [
        *clear_form_slots(tracker),
        SlotSet(slots.MANAGE_ACTION, action),
        SlotSet(slots.BOOKING_REF, reminded.ref),
        SlotSet(slots.BOOKING_CONTACT, reminded.contact),
        SlotSet(slots.REMINDER_ANSWERED, str(reminded.reminder_id)),
    ]


class ActionReminderReply(Action):
    """A short answer outside any form: a reply to a reminder, else out of context."""

    def name(self) -> str:
        return "action_reminder_reply"

    async def run(self, dispatcher, tracker, domain) -> Events:
        choice = reminder_choice((tracker.latest_message or {}).get("text"))
        reminded = None
        if choice is not None:
            try:
                reminded = await unanswered_reminder(tracker)
            except (StoreUnavailable, KnowledgeNotLoaded) as error:
                apologise_for_store(dispatcher, self.name(), error)
                return []
        if reminded is None:
            dispatcher.utter_message(response="utter_please_rephrase")
            return []
        if choice == "keep":
            dispatcher.utter_message(
                text=messages.reminder_kept(reminded.ref, reminded.start, reminded.practitioner)
            )
            return [SlotSet(slots.REMINDER_ANSWERED, str(reminded.reminder_id))]
        if choice == "move":
            dispatcher.utter_message(text=messages.reminder_move(reminded.ref, reminded.start))
        action = "reschedule" if choice == "move" else "cancel"
        return [*manage_reminded(tracker, reminded, action), FollowupAction("manage_booking_form")]
