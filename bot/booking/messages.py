"""Texts of the booking conversation, built from records (pure functions)."""

from __future__ import annotations

from bot.booking.availability import Slot
from bot.booking.choice import slot_label
from bot.booking.service import BookingRecord

MAX_FAILURES = 3


def offer_text(slots: list[Slot], matches_wish: bool, wish_description: str | None) -> str:
    if not slots:
        return (
            "Sorry, I can't find a free time for a first session in the next few weeks. "
            "Could you try another day, or ask to speak to a person?"
        )
    if matches_wish:
        return "These times are free - which suits you?"
    wished = f" ({wish_description})" if wish_description else ""
    return f"Sorry, nothing is free at the time you asked for{wished}, but there are times nearby."


def offer_buttons(slots: list[Slot]) -> list[dict[str, str]]:
    buttons = [{"title": slot_label(slot), "payload": str(i + 1)} for i, slot in enumerate(slots)]
    return [*buttons, {"title": "None of these", "payload": "none of these"}]


def summary(name: str, contact: str, slot: Slot, duration_minutes: int, price: str) -> str:
    return (
        "Please check your booking:\n"
        f"- First session ({duration_minutes} min, {price}) with {slot.practitioner_name}\n"
        f"- {slot.start:%A %d %B at %H:%M}\n"
        f"- Name: {name}\n"
        f"- Contact: {contact}\n"
        "Shall I book it?"
    )


def confirmation(record: BookingRecord, address: str, first_visit: str | None) -> str:
    lines = [
        f"You're booked! Your reference is {record.ref}.",
        f"{record.start:%A %d %B at %H:%M} with {record.practitioner}, at {address}.",
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


def with_phone_after_failures(
    reprompt: str, failures: int, phone: str | None, offer: str = BOOK_IT
) -> str:
    """After repeated failures, offer a person instead of asking forever."""
    if failures >= MAX_FAILURES and phone:
        return f"{reprompt} If it's easier, call us on {phone} and we'll {offer}."
    return reprompt


def too_many_guesses(phone: str | None) -> str:
    """The guess limit is reached: no more reference + contact checks in this chat."""
    call = f"please call us on {phone}" if phone else "please call the clinic"
    return (
        "Sorry, I still couldn't match that reference and contact, and to keep bookings safe "
        f"I can't check any more here for now. To change or cancel your booking, {call} "
        "and we'll sort it out with you."
    )
