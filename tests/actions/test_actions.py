"""Actions run with real rasa-sdk Trackers against a real temporary store."""

from __future__ import annotations

from pathlib import Path

from rasa_sdk.events import SlotSet

from actions.answers import ActionAnswerQuestion
from actions.booking import ActionCloseBookingOffer, ActionStartBooking
from actions.common import ANSWERS
from actions.front_desk import HANDOFFS, ActionEmergencyAdvice, ActionFrontDesk
from actions.slots import BOOKING_OFFER_PENDING, BOOKING_OFFERED, CLIENT_NAME, CONTACT
from actions.suitability import ActionCheckSuitability
from bot.store.session import get_engine
from tests.content import CLINIC, KNOWLEDGE, TREATMENTS, answer_start, price
from tests.rasa_harness import condition_entity, make_tracker, run


def test_pain_question_gets_the_stored_answer_and_one_booking_offer():
    messages, events = run(ActionAnswerQuestion(), make_tracker("ask_pain", "does it hurt"))

    assert answer_start("pain") in messages[0]["text"]
    assert "book a first session" in messages[1]["text"]
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/affirm", "/deny"]
    assert SlotSet(BOOKING_OFFERED, True) in events
    assert SlotSet(BOOKING_OFFER_PENDING, True) in events


def test_booking_offer_is_not_repeated_in_the_same_conversation():
    tracker = make_tracker("ask_safety", slots={BOOKING_OFFERED: True})

    messages, events = run(ActionAnswerQuestion(), tracker)

    assert len(messages) == 1
    assert events == []


def test_unanswered_offer_lapses_with_the_next_answer():
    tracker = make_tracker(
        "ask_frequency", slots={BOOKING_OFFERED: True, BOOKING_OFFER_PENDING: True}
    )

    _, events = run(ActionAnswerQuestion(), tracker)

    assert events == [SlotSet(BOOKING_OFFER_PENDING, False)]


def test_price_answer_lists_prices_from_the_store():
    messages, _ = run(ActionAnswerQuestion(), make_tracker("ask_price", "how much"))

    for treatment in TREATMENTS:
        assert price(treatment) in messages[0]["text"]


def test_answer_changes_when_staff_change_the_store(store_url: str):
    from sqlalchemy import update

    from bot.store.models import Topic
    from bot.store.session import session_scope

    with session_scope(store_url) as session:
        session.execute(
            update(Topic).where(Topic.key == "pain").values(answer="Edited by the front desk.")
        )

    messages, _ = run(ActionAnswerQuestion(), make_tracker("ask_pain"))

    assert messages[0]["text"] == "Edited by the front desk."


def test_warfarin_is_consult_first_never_a_blanket_yes():
    tracker = make_tracker(
        "ask_suitability", "im on warfarin", [condition_entity("anticoagulants", "warfarin")]
    )

    messages, _ = run(ActionCheckSuitability(), tracker)

    reply = messages[0]["text"]
    assert "talk to the practitioner" in reply
    assert "suitable" not in reply.lower()


def test_two_conditions_get_two_verdicts():
    tracker = make_tracker(
        "ask_suitability",
        "pregnant and had botox",
        [
            condition_entity("pregnancy", "pregnant"),
            condition_entity("recent_botox_fillers", "botox"),
        ],
    )

    messages, _ = run(ActionCheckSuitability(), tracker)

    paragraphs = messages[0]["text"].split("\n\n")
    assert len(paragraphs) == 3  # one per condition, then the practitioner check
    assert paragraphs[0].startswith("Pregnan")
    assert "talk to the practitioner" in paragraphs[0]


def test_suitability_without_a_condition_asks_which_one_and_makes_no_offer():
    messages, events = run(ActionCheckSuitability(), make_tracker("ask_suitability", "am i ok"))

    assert len(messages) == 1
    assert "Which condition" in messages[0]["text"]
    assert events == []


def test_starting_a_booking_closes_the_offer_and_clears_old_form_values():
    tracker = make_tracker(
        "affirm",
        slots={BOOKING_OFFERED: True, BOOKING_OFFER_PENDING: True, CLIENT_NAME: "Old"},
    )

    _, events = run(ActionStartBooking(), tracker)

    assert SlotSet(BOOKING_OFFER_PENDING, False) in events
    assert SlotSet(BOOKING_OFFERED, True) in events
    assert SlotSet(CLIENT_NAME, None) in events


def test_declined_offer_is_closed():
    _, events = run(ActionCloseBookingOffer(), make_tracker("deny"))

    assert events == [SlotSet(BOOKING_OFFER_PENDING, False)]


def test_asking_for_a_person_queues_a_handoff_with_the_transcript():
    tracker = make_tracker(
        "request_human", "can i talk to a person", slots={CONTACT: "+447911123456"}
    )
    tracker.events = [
        {"event": "user", "text": "does it hurt"},
        {"event": "bot", "text": "A small pinch."},
        {"event": "user", "text": "can i talk to a person"},
    ]

    messages, _ = run(ActionFrontDesk(), tracker)

    assert CLINIC.email in messages[0]["text"]
    [handoff] = HANDOFFS.list(only_open=True)
    assert handoff.sender_id == "test-user"
    assert handoff.contact == "+447911123456"
    assert handoff.transcript[0] == {"from": "client", "text": "does it hurt"}
    assert handoff.transcript[-1]["text"] == "can i talk to a person"


def test_emergency_advice_starts_with_the_emergency_number():
    messages, _ = run(ActionEmergencyAdvice(), make_tracker("emergency", "i cant breathe"))

    assert messages[0]["text"].startswith("If this is happening now, please call 999")


def test_store_down_gives_an_apology_with_the_last_known_phone(use_settings, tmp_path):
    run(ActionAnswerQuestion(), make_tracker("ask_pain"))  # the store was reachable once
    use_settings(DATABASE_URL=f"sqlite:///{tmp_path}/missing/dir/clinic.db")

    messages, events = run(ActionAnswerQuestion(), make_tracker("ask_pain"))

    assert "can't look that up right now" in messages[0]["text"]
    assert CLINIC.phone in messages[0]["text"]
    assert events == []


def test_assistant_recovers_by_itself_when_the_store_comes_back(store_url: str):
    database = Path(store_url.removeprefix("sqlite:///"))
    hidden = database.with_suffix(".away")
    get_engine(store_url).dispose()  # close pooled connections: WAL folded into the file
    database.rename(hidden)  # the store disappears...
    try:
        down, _ = run(ActionAnswerQuestion(), make_tracker("ask_pain"))
    finally:
        hidden.rename(database)  # ...and comes back

    back, _ = run(ActionAnswerQuestion(), make_tracker("ask_pain"))

    assert "can't look that up right now" in down[0]["text"]
    assert answer_start("pain") in back[0]["text"]


def test_postgres_connections_give_up_within_the_connect_timeout():
    from bot.store.session import _connect_args

    assert _connect_args("postgresql://u@db/clinic", 2.0) == {"connect_timeout": 2}
    assert _connect_args("sqlite:///x.db", 2.0)["timeout"] == 2.0


def test_unreachable_postgres_gives_the_apology(use_settings):
    use_settings(DATABASE_URL="postgresql://nobody@127.0.0.1:1/clinic")

    messages, _ = run(ActionAnswerQuestion(), make_tracker("ask_pain"))

    assert "can't look that up right now" in messages[0]["text"]


def ask_naming_a_condition(verdicts: set[str], intent: str, question: str):
    """Ask `question` (with "{}" for the condition's words) about the first condition of the
    knowledge files with one of `verdicts`; (its verdict text, bookable, Result)."""
    spec = next(c for c in KNOWLEDGE.conditions if c.verdict.value in verdicts)
    words = spec.synonyms[0]
    verdict, bookable = ANSWERS.suitability_verdict([spec.key])
    tracker = make_tracker(intent, question.format(words), [condition_entity(spec.key, words)])
    return verdict, bookable, run(ActionAnswerQuestion(), tracker)


def test_a_safety_question_naming_a_talk_first_condition_gets_its_verdict_and_no_booking():
    verdict, bookable, (messages, events) = ask_naming_a_condition(
        {"consult_first", "not_now"}, "ask_safety", "is it safe if {}"
    )

    assert bookable is False
    assert messages[0]["text"] == verdict
    offer = ANSWERS.consultation_offer()
    assert messages[-1]["text"] == offer.text
    payloads = [b["payload"] for m in messages for b in (m.get("buttons") or [])]
    assert "/affirm" not in payloads
    assert SlotSet(BOOKING_OFFERED, True) not in events


def test_a_question_naming_a_condition_that_allows_booking_still_gives_its_advice_first():
    verdict, bookable, (messages, _) = ask_naming_a_condition(
        {"caution", "ok"}, "ask_pain", "does it hurt with {}"
    )

    assert bookable is True
    assert messages[0]["text"] == verdict
    assert messages[1]["text"] == ANSWERS.topic("ask_pain")
