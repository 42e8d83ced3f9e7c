"""Texts of the booking conversation, built from records (pure functions).

Every word the booking and managing actions (actions/booking.py, actions/manage_booking.py,
actions/reminders.py) send to a client is here, with the buttons they show.
"""

from __future__ import annotations

from datetime import datetime

from bot.booking.availability import Slot
from bot.booking.choice import slot_label
from bot.booking.records import BookingRecord
from bot.settings import get_settings

# The form's questions (action_ask_<slot>).
ASK = {
    "client_name": "What name should I put the booking under?",
    "contact": "What's the best phone number or email address to reach you about the appointment?",
    "time_wish": (
        "When would suit you? You can say something like 'next Friday afternoon' "
        "or 'tomorrow at 10'."
    ),
    "consent": (
        "To book, we keep your name and contact details only to manage this appointment "
        "(see our privacy notice on the website). Is that okay?"
    ),
    "booking_ref": "What's your booking reference? It looks like FA-7K3Q.",
    "booking_contact": "And the phone number or email address you booked with?",
}
# What each question expects, with an example, for when an answer was not understood twice.
EXPECTED = {
    "client_name": "your name as you'd like it on the booking, for example 'Sam Clarke'",
    "contact": (
        "a phone number or an email address, for example '07911 123456' or 'sam@example.com'"
    ),
    "time_wish": "a day and a time, for example 'next Friday afternoon' or 'tomorrow at 10'",
    "chosen_slot": "the number of one of the times, for example '1', or 'none of these'",
    "consent": "a yes or a no",
    "booking_confirmed": "a yes or a no",
    "cancel_confirmed": "a yes or a no",
    "booking_ref": "your booking reference from your confirmation, for example 'FA-7K3Q'",
    "booking_contact": (
        "the phone number or email address you booked with, for example '07911 123456'"
    ),
}
FREE_TIMES = "These times are free - which suits you?"
SUMMARY_TITLE = "Please check your booking:"
BOOKED = "You're booked! Your reference is"
NOT_BOOKED = "Okay, I haven't booked anything. If you'd like to book later, just say so."
CANCELLED = "is cancelled. We hope to see you another time."
MOVED = "Done: booking"
OTHER_TIME = "No problem. What other day or time would suit you?"
YES_NO_REPROMPT = "Sorry, I didn't catch that - please answer yes or no."
REF_REPROMPT = "That doesn't look like a booking reference - it looks like FA-7K3Q."
CONTACT_REPROMPT = (
    "That doesn't look like a phone number or an email address - could you "
    "type the one you booked with?"
)
CHECK_DETAILS_AGAIN = (
    "Sorry, something in those details didn't look right. Let's check "
    "your name and contact again."
)
TAKEN_MEANWHILE = "Sorry, that time was just booked by someone else."
PERSON_BUTTON = {"title": "Talk to a person", "payload": "/request_human"}
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
CONSENT_BUTTONS = [{"title": "Yes, that's fine", "payload": "/affirm"}, YES_NO[1]]


def when(start: datetime) -> str:
    """'Friday 04 December at 10:00': how a booking's time is written in the conversation."""
    return f"{start:%A %d %B at %H:%M}"


def offer_text(slots: list[Slot], matches_wish: bool, wish_description: str | None) -> str:
    if not slots:
        return (
            "Sorry, I can't find a free time for a first session in the next few weeks. "
            "Could you try another day, or ask to speak to a person?"
        )
    if matches_wish:
        return FREE_TIMES
    wished = f" ({wish_description})" if wish_description else ""
    return f"Sorry, nothing is free at the time you asked for{wished}, but there are times nearby."


def offer_buttons(slots: list[Slot]) -> list[dict[str, str]]:
    buttons = [{"title": slot_label(slot), "payload": str(i + 1)} for i, slot in enumerate(slots)]
    return [*buttons, {"title": "None of these", "payload": "none of these"}]


def summary(name: str, contact: str, slot: Slot, duration_minutes: int, price: str) -> str:
    return (
        f"{SUMMARY_TITLE}\n"
        f"- First session ({duration_minutes} min, {price}) with {slot.practitioner_name}\n"
        f"- {when(slot.start)}\n"
        f"- Name: {name}\n"
        f"- Contact: {contact}\n"
        "Shall I book it?"
    )


def confirmation(record: BookingRecord, address: str, first_visit: str | None) -> str:
    lines = [
        f"{BOOKED} {record.ref}.",
        f"{when(record.start)} with {record.practitioner}, at {address}.",
    ]
    if first_visit:
        lines.append(first_visit.strip())
    lines.append(
        "To change or cancel, just tell me (you'll need the reference and the phone or email "
        "you booked with)."
    )
    return "\n".join(lines)


# What the front desk does for someone who calls: book it, or sort out an existing booking.
BOOK_IT = "book it with you"
SORT_IT_OUT = "sort out your booking with you"
# The managing form's steps: the front desk sorts out the booking rather than booking one.
MANAGING_SLOTS = frozenset({"booking_ref", "booking_contact", "cancel_confirmed"})


def too_many_guesses(phone: str | None) -> str:
    """The guess limit is reached: no more reference + contact checks in this chat."""
    call = f"please call us on {phone}" if phone else "please call the clinic"
    return (
        "Sorry, I still couldn't match that reference and contact, and to keep bookings safe "
        f"I can't check any more here for now. To change or cancel your booking, {call} "
        "and we'll sort it out with you."
    )


def stuck(slot: str, failures: int, phone: str | None) -> str:
    """Not understood twice in a row: what was expected, an example, and a person.

    The wording alternates, so the same words are never sent three times in a row.
    """
    expected = EXPECTED[slot]
    offer = SORT_IT_OUT if slot in MANAGING_SLOTS else BOOK_IT
    call = f"call the front desk on {phone} and we'll {offer}, or " if phone else ""
    if failures % 2 == 0:
        return (
            f"Sorry, I still can't read that. I need {expected}. If it's easier, {call}"
            "tap 'Talk to a person' and someone from the front desk will get back to you."
        )
    return (
        f"Let's try once more - I'm looking for {expected}. You can also say 'stop', "
        f"or {call}ask for a person."
    )


def describe(booking: dict | None) -> str:
    """'FA-7K3Q on Friday 04 December at 10:00' for a booking found by the managing form."""
    if not booking:
        return ""
    return f"{booking['ref']} on {when(datetime.fromisoformat(booking['start']))}"


def kept(booking: dict | None) -> str:
    """No (or stop) when asked to cancel or move: say what stays."""
    if not booking:
        return "Okay, I've left your booking as it is."
    return f"Okay, I've kept your booking {describe(booking)} as it is."


STOPPED = "Okay, I've stopped. Nothing was booked or changed."


def stopped(booking: dict | None) -> str:
    """Stop in the middle of booking or changing a booking."""
    stays = f" Your booking {describe(booking)} stays as it is." if booking else ""
    return f"{STOPPED}{stays} Anything else I can help with?"


def cancelled(ref: str) -> str:
    return f"Your booking {ref} {CANCELLED}"


def moved(ref: str, start: datetime, practitioner: str) -> str:
    return f"{MOVED} {ref} is now on {when(start)} with {practitioner}."


def pick_reprompt(count: int) -> str:
    if count == 1:
        return "Please tap the time if it suits you, or say 'none of these'."
    return f"Please pick one of the times (1 to {count}), or say 'none of these'."


def back_to_it(question: str) -> str:
    """The form's question again after answering something else, in other words."""
    return f"Back to your booking - {question[:1].lower()}{question[1:]}"


NOT_FOUND = "I couldn't find a booking with that reference and contact. Please check both."


def not_found(times: int, phone: str | None, retry_limit: int | None = None) -> str:
    """A wrong reference/contact pair (the same words for either); a person once the misses
    reach the retry limit (FORM_RETRY_LIMIT unless given)."""
    limit = get_settings().form_retry_limit if retry_limit is None else retry_limit
    if times >= limit and phone:
        return (
            f"{NOT_FOUND} If you can't find them, call the front desk on {phone} or ask "
            "for a person."
        )
    return NOT_FOUND


def move_summary(ref: str, slot: Slot) -> str:
    """The question before moving a booking (the managing form's booking_confirmed)."""
    return f"Move your booking {ref} to {when(slot.start)} with {slot.practitioner_name}?"


def cancel_question(booking: dict | None) -> str:
    return f"Cancel your booking {describe(booking)}?"


# --- answers to a reminder (actions/reminders.py) ---


def reminded_when(start: datetime) -> str:
    """'Friday 4 December at 10:00', as the reminder itself wrote it (bot/outbox/bookings.py)."""
    return f"{start:%A} {start.day} {start:%B} at {start:%H:%M}"


def reminder_kept(ref: str, start: datetime, practitioner: str) -> str:
    return (
        f"Great, your booking {ref} stays as it is: {reminded_when(start)} "
        f"with {practitioner}. See you then!"
    )


def reminder_move(ref: str, start: datetime) -> str:
    return f"Let's find a new time for your booking {ref} ({reminded_when(start)})."
