"""Every dialogue in tests/dialogues/*.yml, end to end over REST against one server pair.

Each dialogue gets its own sender id and its own contact details; a dialogue that needs
an existing booking (`given: booking`) gets one in the store first. At the end the store
is read through `clinic bookings list --json` (the CLI itself, in this process).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from bot.booking.contact import Contact
from bot.booking.service import BookingRequest, BookingService
from tests.clinic_command import run_clinic
from tests.dialogues.dialogue_driver import (
    CONSTANTS,
    Dialogue,
    RestChat,
    find_loop,
    load_dialogues,
    matches,
    run_dialogue,
)

DIALOGUES = load_dialogues()
MIN_DIALOGUES = 60


# How this module's assistant runs (the `served` fixture, tests/conftest.py).
SERVED = {"RATE_LIMIT_PER_SENDER": "100000", "RATE_LIMIT_PER_IP": "100000"}


def listed_bookings(served_store: str, use_settings, capsys) -> list[dict]:
    """`clinic bookings list --json`, run in this process against the dialogues' store."""
    use_settings(DATABASE_URL=served_store)
    result = run_clinic(capsys, "bookings", "list", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def contact_values(index: int) -> dict[str, str]:
    """Contact details no other dialogue uses (valid UK mobile numbers)."""
    return {
        "phone": f"07911 1{index:05d}",
        "phone_tail": f"{index:05d}",
        "phone_e164": f"+4479111{index:05d}",
        "email": f"client{index}@example.com",
        "other_phone": f"07911 2{index:05d}",
    }


def given_booking(served_store: str, values: dict[str, str]) -> str:
    """An existing confirmed booking with the dialogue's phone, 3-30 days ahead."""
    service = BookingService(served_store)
    now = datetime.now(timezone.utc)
    slot = service.suggest(now + timedelta(days=3), now + timedelta(days=30)).slots[0]
    contact = Contact(phone=values["phone_e164"], email=None)
    request = BookingRequest("Ann Given", contact, slot, True, channel="rest", sender_id="x")
    return service.book(request).ref


def test_there_are_enough_dialogues():
    assert len(DIALOGUES) >= MIN_DIALOGUES


def test_loop_detector_catches_the_same_question_three_times_in_a_row():
    question = CONSTANTS["ask.client_name"]

    assert find_loop([[question], ["Sorry", question], [question]]) == question
    assert find_loop([[question], ["x"], [question], [question]]) is None


@pytest.mark.servers
@pytest.mark.parametrize(
    ("index", "dialogue"), list(enumerate(DIALOGUES)), ids=[d.name for d in DIALOGUES]
)
def test_dialogue(
    rasa_url: str,
    served_store: str,
    use_settings,
    capsys: pytest.CaptureFixture,
    index: int,
    dialogue: Dialogue,
):
    values = contact_values(index)
    if dialogue.given.get("booking"):
        values["ref"] = given_booking(served_store, values)
        values["ref_plain"] = values["ref"].replace("-", "").lower()
    before = {b["ref"] for b in listed_bookings(served_store, use_settings, capsys)}
    chat = RestChat(rasa_url, f"dialogue-{index}-{uuid.uuid4().hex[:8]}")

    problems = run_dialogue(dialogue, chat, values)

    after = listed_bookings(served_store, use_settings, capsys)
    expected = dialogue.store or {}
    created = [b for b in after if b["ref"] not in before]
    want_created = expected.get("created", [])
    all_values = {**CONSTANTS, **values}
    if len(created) != len(want_created) or not all(
        matches(got, want, all_values) for got, want in zip(created, want_created, strict=True)
    ):
        problems.append(f"store: created {created}, expected {want_created}")
    if "given" in expected:
        [existing] = [b for b in after if b["ref"] == values["ref"]]
        if not matches(existing, expected["given"], {**CONSTANTS, **values}):
            problems.append(f"store: the given booking is {existing}, expected {expected['given']}")
    assert not problems, f"{dialogue.source}: {dialogue.name}\n" + "\n".join(problems)
