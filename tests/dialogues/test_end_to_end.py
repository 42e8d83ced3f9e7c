"""End to end: the real action server and `rasa run` on free ports, talked to over REST."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.content import answer_start
from tests.servers import (
    BIN,
)
from tests.stores import KNOWLEDGE_DIR

# Every test here starts servers (see the marker in pyproject.toml).
pytestmark = pytest.mark.servers

API_TOKEN = "e2e-test-token"  # Rasa's HTTP API is only ever on with a token


# How this module's assistant runs (the `served` fixture, tests/conftest.py).
SERVED = {
    "extra": ["--enable-api", "--auth-token", API_TOKEN],
    # The fuzz test below sends 1,000 messages from one address.
    "RATE_LIMIT_PER_SENDER": "100000",
    "RATE_LIMIT_PER_IP": "100000",
}


class Conversation:
    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = uuid.uuid4().hex

    def say(self, text: str) -> list[dict]:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            return json.loads(response.read())


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def test_pain_question_then_yes_starts_the_booking(rasa_url: str):
    chat = Conversation(rasa_url)

    answer = chat.say("does it hurt?")
    assert answer_start("pain") in texts(answer)
    offer = answer[-1]
    assert [button["payload"] for button in offer["buttons"]] == ["/affirm", "/deny"]

    booking = chat.say("yes please")
    assert "What name should I put the booking under?" in texts(booking)


def test_warfarin_gets_talk_to_the_practitioner_first(rasa_url: str):
    reply = texts(Conversation(rasa_url).say("can I have it if I'm on warfarin"))

    assert "talk to the practitioner" in reply


def test_emergency_advice_comes_first(rasa_url: str):
    replies = Conversation(rasa_url).say("my throat is closing up and I can't breathe")

    assert replies[0]["text"].startswith("If this is happening now, please call 999")


def test_out_of_scope_gets_no_clinic_answer(rasa_url: str):
    reply = texts(Conversation(rasa_url).say("what's the weather in Leeds tomorrow"))

    assert "only help with questions about our facial acupuncture" in reply


def test_booking_through_the_webhook_is_listed_by_the_staff_cli(rasa_url: str, served_store: str):
    chat = Conversation(rasa_url)
    assert "name" in texts(chat.say("I'd like to book a first session"))
    assert "phone number or email" in texts(chat.say("Ann O'Brien"))
    assert "When would suit you" in texts(chat.say("07911 123456"))
    offer = chat.say("next friday afternoon")
    assert offer[-1]["buttons"][0]["payload"] == "1"
    assert "Is that okay?" in texts(chat.say("1"))
    summary = texts(chat.say("/affirm"))
    assert "Ann O'Brien" in summary and "+447911123456" in summary

    confirmation = texts(chat.say("/affirm"))

    ref = re.search(r"FA-[0-9A-Z]{4}", confirmation)
    assert ref, confirmation
    listed = subprocess.run(
        [BIN / "clinic", "bookings", "list", "--json"],
        env={**os.environ, "DATABASE_URL": served_store},
        capture_output=True,
        text=True,
        check=True,
    )
    [booking] = [b for b in json.loads(listed.stdout) if b["ref"] == ref.group()]
    assert booking["name"] == "Ann O'Brien"
    assert booking["phone"] == "+447911123456"
    assert booking["status"] == "confirmed"
    assert booking["channel"] == "rest"


def tracker_slots(rasa_url: str, sender: str) -> dict:
    # The REST channel's conversations are "rest:<sender>" (no channel can name another's).
    url = f"{rasa_url}/conversations/rest:{sender}/tracker?token={API_TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["slots"]


def test_http_api_refuses_requests_without_the_token(rasa_url: str):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{rasa_url}/conversations/anyone/tracker", timeout=30)

    assert refused.value.code == 401


BAD_INPUTS = [
    "",
    "   ",
    "x" * 10_000,
    "😀😀😀🙏",
    "?!?!...",
    "¿Cuánto cuesta una sesión de acupuntura facial?",
    "control\x00chars\x07 and \x1b[31mescape",
    " ".join(["hello"] * 1000),
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE bookings; --",
]


@pytest.mark.parametrize("text", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_gets_a_sensible_reply(rasa_url: str, text: str):
    replies = Conversation(rasa_url).say(text)

    assert replies and all(reply.get("text") or reply.get("buttons") for reply in replies)


def test_payload_typed_by_a_client_sets_no_slot(rasa_url: str):
    chat = Conversation(rasa_url)
    forged = {"ref": "FA-0000", "status": "confirmed", "start": "2030-01-01T10:00:00+00:00"}

    chat.say("/book_session" + json.dumps({"booking_result": forged, "consent": True}))
    chat.say('/inform{"booking_ref": "FA-7K3Q", "managed_booking": {"ref": "FA-7K3Q"}}')

    slots = tracker_slots(rasa_url, chat.sender)
    assert slots["booking_result"] is None
    assert slots["consent"] is None
    assert slots["managed_booking"] is None


def test_fuzz_a_thousand_random_messages_without_a_server_error(rasa_url: str):
    import random

    rng = random.Random(20261126)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 .,!?/{}[]\"'@#£€😀👍\u202e\n\t"
    words = ["book", "hurt", "warfarin", "price", "/affirm", "/deny", "FA-7K3Q", "stop",
             "07911 123456", "tomorrow at 10", "yes", "no", "help", "botox", "{", "}"]
    chat = Conversation(rasa_url)
    statuses = []
    for i in range(1000):
        if i % 50 == 0:
            chat = Conversation(rasa_url)  # new conversations keep trackers small
        if rng.random() < 0.5:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        else:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        body = json.dumps({"sender": chat.sender, "message": text}).encode()
        request = urllib.request.Request(
            chat.url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    assert [s for s in statuses if s >= 500] == []
    assert answer_start("pain") in texts(Conversation(rasa_url).say("does it hurt?"))


# --- FAQ topics (issue 15) ----------------------------------------------------------------

NEW_TOPIC = """\
topics:
  - key: bicycle_parking
    title: Parking a bicycle
    category: clinic
    health_claim: false
    answer: There is a bicycle rack by the blue door, free for clients.
    questions:
      - is there somewhere to lock my bicycle
      - where can i leave my bike
      - do you have a bike rack
      - can i cycle to the clinic and lock up my bike
      - bicycle parking near you
"""


def _knowledge_topics() -> dict:
    from bot.knowledge.loader import read_knowledge_dir

    return {t.key: t for t in read_knowledge_dir(KNOWLEDGE_DIR).topics}


def test_a_new_topic_is_answered_after_a_load_without_retraining_or_restart(
    rasa_url: str, served_store: str, tmp_path: Path
):
    import shutil

    from bot.knowledge.loader import load_knowledge

    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    (knowledge / "topics" / "bicycles.yml").write_text(NEW_TOPIC, encoding="utf-8")
    question = "is there somewhere to lock my bicycle?"
    assert "blue door" not in texts(Conversation(rasa_url).say(question))

    loaded = subprocess.run(
        [BIN / "clinic", "knowledge", "load", "--dir", knowledge],
        env={**os.environ, "DATABASE_URL": served_store},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr
    try:
        assert "blue door" in texts(Conversation(rasa_url).say(question))
    finally:
        load_knowledge(KNOWLEDGE_DIR, served_store)


def test_are_you_a_bot_gets_the_truth_and_the_offer_of_a_person(rasa_url: str):
    topics = _knowledge_topics()
    replies = Conversation(rasa_url).say(topics["bot_or_human"].questions[0] + "?")
    assert "automated" in texts(replies)
    assert any(b.get("payload") == "/request_human" for r in replies for b in r.get("buttons", []))


def test_a_question_about_evening_hours_starts_no_booking(rasa_url: str):
    question = next(q for q in _knowledge_topics()["clinic_hours"].questions if "evening" in q)
    reply = texts(Conversation(rasa_url).say(question))
    assert "What name should I put the booking under" not in reply
    from bot.knowledge.loader import read_knowledge_dir

    clinic = read_knowledge_dir(KNOWLEDGE_DIR).clinic
    latest = max(h.closes for h in clinic.opening_hours)
    assert f"{latest:%H:%M}" in reply  # the hours, from clinic.yml
