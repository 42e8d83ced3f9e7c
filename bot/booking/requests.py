"""A booking request as the store may keep it: every value re-checked before it is written.

The form validates each answer, but what reaches the service comes from slots, which a
forged tracker (or any future caller) can fill with anything: the name must be plain
text within the limit, the contact a valid phone number (E.164) or email address, the
ids plain and short. Checked in the service so every writer is covered.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.booking.contact import Contact, ContactError, clean_name, parse_email, parse_phone
from bot.booking.records import BookingRequest, InvalidBookingRequest

MAX_SENDER_ID_CHARS = 255
MAX_CHANNEL_CHARS = 32


def validated(request: BookingRequest, region: Callable[[], str]) -> BookingRequest:
    """The request with a clean name and contact, or InvalidBookingRequest.

    `region` gives the clinic's country for national phone numbers (asked only for a phone).
    """
    try:
        name = clean_name(request.name if isinstance(request.name, str) else "")
        contact = request.contact
        phone = parse_phone(contact.phone, region()) if contact.phone else None
        email = parse_email(contact.email) if contact.email else None
    except ContactError:
        raise InvalidBookingRequest("the name or contact is not valid") from None
    if not (phone or email):
        raise InvalidBookingRequest("a phone number or an email address is needed")
    if phone and contact.phone != phone:
        raise InvalidBookingRequest("the phone number is not in E.164 form")
    channel = request.channel if isinstance(request.channel, str) else ""
    sender = request.sender_id
    if not channel or len(channel) > MAX_CHANNEL_CHARS or not channel.isprintable():
        raise InvalidBookingRequest("the channel name is not valid")
    if sender is not None and (
        not isinstance(sender, str)
        or len(sender) > MAX_SENDER_ID_CHARS
        or not sender.isprintable()
    ):
        raise InvalidBookingRequest("the conversation id is not valid")
    return BookingRequest(
        name=name,
        contact=Contact(phone=phone, email=email),
        slot=request.slot,
        consent=request.consent,
        channel=channel,
        sender_id=sender,
    )
