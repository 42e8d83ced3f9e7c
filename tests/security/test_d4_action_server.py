"""D4: `POST :5055/webhook` ran any action on a hand-made tracker, without authentication,
and a booking was written with a name like `<img src=x onerror=...>`.

Now the action server (bot.action_server, as `make run` starts it) refuses every call
without Rasa's shared secret with 401, and the booking service re-validates what it writes
(plain-text name within the limit, a real phone number or email address), whatever the
slots say - even for a caller that has the secret.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rasa.shared.core.domain import Domain

from bot.booking.availability import Slot
from bot.booking.contact import Contact
from bot.booking.service import BookingRequest, BookingService, InvalidBookingRequest
from bot.settings import PROJECT_ROOT
from tests.security.conftest import Stack, post_json
from tests.servers import ACTION_TOKEN

XSS_NAME = "<img src=x onerror=alert(document.cookie)>"


def a_free_slot(store_url: str) -> Slot:
    service = BookingService(store_url)
    for days in range(1, 30):
        slots = service.slots_on(date.today() + timedelta(days=days))
        if slots:
            return slots[-1]
    raise AssertionError("no free slot in the next 30 days")


def forged_confirmation(slot: Slot, name: str, contact: str) -> dict:
    """What Rasa would send to validate the booking form's Yes, with forged slot values."""
    sender = "rest:forger"
    slots = {
        "client_name": name,
        "contact": contact,
        "chosen_slot": slot.to_dict(),
        "consent": True,
        "booking_confirmed": True,
        "requested_slot": "booking_confirmed",
    }
    return {
        "next_action": "validate_booking_form",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": Domain.load(PROJECT_ROOT / "domain.yml").as_dict(),
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": []},
            "latest_event_time": 1790000000.0,
            "followup_action": None,
            "paused": False,
            "events": [
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": "yes", "parse_data": {"intent": {"name": "affirm"}},
                 "input_channel": "rest"},
                {"event": "slot", "name": "booking_confirmed", "value": True},
            ],
            "latest_input_channel": "rest",
            "active_loop": {"name": "booking_form"},
            "latest_action_name": "action_listen",
        },
    }


def bookings_named(store_url: str, name: str) -> list:
    return [b for b in BookingService(store_url).list_bookings() if b.name == name]


@pytest.mark.servers
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"},
                                     {"Authorization": ACTION_TOKEN}])
def test_the_action_server_refuses_calls_without_the_secret(stack: Stack, headers):
    call = forged_confirmation(a_free_slot(stack.store_url), "Ann Smith", "07911 123456")

    status, _ = post_json(f"{stack.actions_url}/webhook", call, headers)

    assert status == 401
    assert bookings_named(stack.store_url, "Ann Smith") == []


@pytest.mark.servers
def test_the_action_list_needs_the_secret_but_the_health_check_does_not(stack: Stack):
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{stack.actions_url}/health", timeout=10) as reply:
        assert reply.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.actions_url}/actions", timeout=10)
    assert refused.value.code == 401


@pytest.mark.servers
@pytest.mark.parametrize(
    ("name", "contact"),
    [(XSS_NAME, "+447911123456"), ("Ann Forged", "12345"), ("Ann Forged", "not a contact")],
)
def test_a_forged_tracker_with_the_secret_still_cannot_write_an_invalid_name_or_phone(
    stack: Stack, name, contact
):
    call = forged_confirmation(a_free_slot(stack.store_url), name, contact)

    status, reply = post_json(
        f"{stack.actions_url}/webhook", call, {"Authorization": f"Bearer {ACTION_TOKEN}"}
    )

    assert status == 200, reply  # authorised: the action ran, and refused the values
    assert bookings_named(stack.store_url, name) == []
    assert "didn't look right" in str(reply)


@pytest.mark.parametrize(
    ("name", "contact"),
    [
        (XSS_NAME, Contact("+447911123456", None)),
        ("A" * 101, Contact("+447911123456", None)),
        ("Ann Smith", Contact("07911 123456", None)),  # not E.164 as the form stores it
        ("Ann Smith", Contact("+44791112", None)),
        ("Ann Smith", Contact(None, "ann@@example")),
        ("Ann Smith", Contact(None, None)),
    ],
)
def test_the_booking_service_refuses_what_the_form_would_never_accept(store_url, name, contact):
    request = BookingRequest(name, contact, a_free_slot(store_url), True, "rest", "rest:x")

    with pytest.raises(InvalidBookingRequest):
        BookingService(store_url).book(request)

    assert BookingService(store_url).list_bookings() == []


def test_a_handoff_keeps_no_contact_that_is_not_one(store_url):
    from bot.handoff import HandoffQueue

    queue = HandoffQueue(store_url)
    queue.open("rest", "rest:x", [], contact=XSS_NAME)
    queue.open("rest", "rest:y", [], contact="07911 123456")

    assert [h.contact for h in queue.list()] == [None, "+447911123456"]
