"""Answers to a reminder ("1" keep it, "2" move it, "3" cancel it) and "move it" / "cancel
it" after one: they lead into the existing manage_booking_form with the reminded booking
already identified (bot/booking/reminders.py says why the conversation is enough)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.booking import clear_form_slots
from actions.common import apologise_for_store, in_thread
from bot.booking.reminders import RemindedBooking, reminded_booking, reminder_choice
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable

# The reminder (outbox row id) this conversation has answered: answered once, not again.
ANSWERED_SLOT = "reminder_answered"


def _when(reminded: RemindedBooking) -> str:
    start = reminded.start
    return f"{start:%A} {start.day} {start:%B} at {start:%H:%M}"


async def unanswered_reminder(tracker: Tracker) -> RemindedBooking | None:
    """The reminded booking of this conversation, unless its reminder was answered here."""
    reminded = await in_thread(reminded_booking, tracker.sender_id)
    if reminded is None or tracker.get_slot(ANSWERED_SLOT) == str(reminded.reminder_id):
        return None
    return reminded


async def reminder_if_any(tracker: Tracker) -> RemindedBooking | None:
    """unanswered_reminder, or None if the store cannot say (the usual questions follow)."""
    try:
        return await unanswered_reminder(tracker)
    except (StoreUnavailable, KnowledgeNotLoaded):
        return None


def manage_reminded(tracker: Tracker, reminded: RemindedBooking, action: str) -> list[EventType]:
    """Slots that start manage_booking_form on the reminded booking (it validates them)."""
    return [
        *clear_form_slots(tracker),
        SlotSet("manage_action", action),
        SlotSet("booking_ref", reminded.ref),
        SlotSet("booking_contact", reminded.contact),
        SlotSet(ANSWERED_SLOT, str(reminded.reminder_id)),
    ]


class ActionReminderReply(Action):
    """A short answer outside any form: a reply to a reminder, else out of context."""

    def name(self) -> str:
        return "action_reminder_reply"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
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
                text=f"Great, your booking {reminded.ref} stays as it is: {_when(reminded)} "
                f"with {reminded.practitioner}. See you then!"
            )
            return [SlotSet(ANSWERED_SLOT, str(reminded.reminder_id))]
        if choice == "move":
            dispatcher.utter_message(
                text=f"Let's find a new time for your booking {reminded.ref} "
                f"({_when(reminded)})."
            )
        action = "reschedule" if choice == "move" else "cancel"
        return [*manage_reminded(tracker, reminded, action), FollowupAction("manage_booking_form")]
