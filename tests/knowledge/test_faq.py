"""FAQ topics: retrieval over the topics' questions, clinic facts from the YAML, policies
the clinic has not confirmed, which answers may be followed by a booking offer, and the
"Do you mean" buttons. Content is read from data/knowledge, never typed here."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.answers import ActionAnswerQuestion, ActionOutOfScope
from actions.common import ANSWERS
from actions.front_desk import ActionFallback, ActionFrontDesk
from actions.suitability import ActionCheckSuitability
from bot.answers import (
    BOT_TOPIC,
    OTHER_HALF_INTRO,
    TOPIC_ENTITY,
    UNLISTED_CONDITION,
    Answers,
)
from bot.cli import main as clinic_main
from bot.guard import neutralise_payload
from bot.handoff import HandoffQueue
from bot.knowledge import facts, retrieval
from bot.knowledge.loader import load_knowledge, problems, read_knowledge_dir
from bot.store.models import Verdict
from bot.store.queries import FaqEntry
from tests import content
from tests.rasa_harness import condition_entity, make_tracker, run
from tests.stores import KNOWLEDGE_DIR

KNOWLEDGE = read_knowledge_dir(KNOWLEDGE_DIR)
TOPICS = {topic.key: topic for topic in KNOWLEDGE.topics}
CLINIC = KNOWLEDGE.clinic
LONDON = ZoneInfo(CLINIC.timezone)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def entries() -> list[FaqEntry]:
    return [
        FaqEntry(t.key, t.title, t.intent, tuple(t.questions), t.fact) for t in KNOWLEDGE.topics
    ]


INDEX = retrieval.FaqIndex(entries())


def tracker(
    intent: str, text: str, entities: list[dict] | None = None, slots: dict | None = None
) -> Tracker:
    return make_tracker(intent, text, entities, slots, confidence=0.9, sender_id="faq-test")


def button(key: str) -> dict:
    return {"entity": TOPIC_ENTITY, "value": key}


def offers_booking(messages: list[dict]) -> bool:
    return any(
        [b.get("payload") for b in m.get("buttons") or []] == ["/affirm", "/deny"]
        for m in messages
    )


# --- the knowledge files ---------------------------------------------------------------


def test_the_knowledge_files_pass_the_check():
    assert [str(problem) for problem in problems(KNOWLEDGE)] == []


def test_every_topic_has_questions_and_a_category():
    assert all(t.questions for t in KNOWLEDGE.topics)
    assert all(t.category for t in KNOWLEDGE.topics)


def test_care_advice_is_never_followed_by_a_booking_offer():
    care = [t for t in KNOWLEDGE.topics if t.category in {"aftercare", "after_visit"}]
    assert care and not any(t.offer_booking for t in care)


# --- retrieval -------------------------------------------------------------------------


def test_each_title_finds_its_own_topic():
    wrong = [t.key for t in KNOWLEDGE.topics if INDEX.rank(t.title)[0].key != t.key]
    assert wrong == []


def test_each_question_finds_its_own_topic_when_it_is_in_the_index():
    wrong = [
        (t.key, q) for t in KNOWLEDGE.topics for q in t.questions if INDEX.rank(q)[0].key != t.key
    ]
    assert len(wrong) <= 0.02 * sum(len(t.questions) for t in KNOWLEDGE.topics), wrong


def test_typing_like_people_still_finds_the_topic():
    question = TOPICS["aftercare_makeup"].questions[0]
    typo = question.upper().replace("MAKE", "MAKE-") + "??"
    assert INDEX.rank(typo)[0].key == "aftercare_makeup"


def test_off_topic_messages_get_no_answer():
    for message in ("what's the weather in Leeds tomorrow", "tell me a joke", "asdfgh"):
        assert INDEX.decide(message).answer is None, message


def test_two_close_topics_are_offered_not_guessed():
    ranked = [retrieval.Ranked("a", "A", 0.6), retrieval.Ranked("b", "B", 0.6 - 0.01)]
    decision = retrieval.decide(ranked)
    assert decision.answer is None
    assert [r.key for r in decision.suggestions] == ["a", "b"]


def test_a_choice_with_a_clear_favourite_names_it_as_the_likely_topic():
    below = retrieval.ANSWER_THRESHOLD - 0.05  # in play, not close enough to answer
    ranked = [
        retrieval.Ranked("a", "A", below),
        retrieval.Ranked("b", "B", below - retrieval.LIKELY_MARGIN - 0.01),
    ]
    decision = retrieval.decide(ranked)
    assert decision.answer is None
    assert decision.likely is not None and decision.likely.key == "a"


def test_a_close_call_has_no_likely_topic():
    below = retrieval.ANSWER_THRESHOLD - 0.05
    ranked = [
        retrieval.Ranked("a", "A", below),
        retrieval.Ranked("b", "B", below - retrieval.LIKELY_MARGIN + 0.01),
    ]
    assert retrieval.decide(ranked).likely is None


def test_a_clear_winner_is_answered():
    top = retrieval.ANSWER_THRESHOLD + 0.05
    ranked = [
        retrieval.Ranked("a", "A", top),
        retrieval.Ranked("b", "B", top - retrieval.MARGIN - 0.01),
    ]
    assert retrieval.decide(ranked).answer.key == "a"


def test_the_store_index_follows_a_load_without_restart(knowledge_dir: Path, empty_store_url):
    load_knowledge(knowledge_dir, empty_store_url)
    retriever = retrieval.FaqRetriever(empty_store_url)
    asked = "do you have a parking space for bicycles"
    assert retriever.decide(asked).answer is None or retriever.decide(asked).answer.key != (
        "bike_parking"
    )
    (knowledge_dir / "topics" / "extra.yml").write_text(
        textwrap.dedent(
            """\
            topics:
              - key: bike_parking
                title: Parking a bicycle
                category: clinic
                health_claim: false
                answer: There is a bike rack by the door.
                questions:
                  - do you have a parking space for bicycles
                  - where can i leave my bike
                  - is there a bike rack
                  - can i cycle to the clinic and lock my bike
                  - bicycle parking
            """
        ),
        encoding="utf-8",
    )

    load_knowledge(knowledge_dir, empty_store_url)

    assert retriever.decide(asked).answer.key == "bike_parking"


# --- clinic facts ------------------------------------------------------------------------


def _hours(day: int) -> str | None:
    spans = {WEEKDAYS.index(h.day): h for h in CLINIC.opening_hours}
    span = spans.get(day)
    return f"{span.opens:%H:%M}-{span.closes:%H:%M}" if span else None


@pytest.mark.parametrize("day", range(7))
def test_hours_for_a_named_day_come_from_clinic_yml(day):
    reply = ANSWERS.topic_reply("clinic_hours", f"are you open on {WEEKDAYS[day]}?")
    expected = _hours(day)
    assert (expected in reply.text) if expected else ("closed" in reply.text)
    assert WEEKDAYS[day].capitalize() in reply.text


def test_hours_today_and_tomorrow_use_the_clinic_time_zone():
    # 23:30 UTC on a Sunday in summer is already Monday in London.
    now = datetime(2026, 7, 5, 23, 30, tzinfo=timezone.utc)
    local = now.astimezone(LONDON)
    today = ANSWERS.topic_reply("clinic_hours", "are you open today", now).text
    tomorrow = ANSWERS.topic_reply("clinic_hours", "what about tomorrow", now).text
    for text, day in ((today, local.weekday()), (tomorrow, (local.weekday() + 1) % 7)):
        assert WEEKDAYS[day].capitalize() in text
        assert (_hours(day) or "closed") in text


def test_evenings_and_weekends_from_clinic_yml():
    late = [h for h in CLINIC.opening_hours if h.closes > facts.EVENING_STARTS]
    evening = ANSWERS.topic_reply("clinic_hours", "do you do evening appointments").text
    for span in late:
        assert span.day.capitalize() in evening and f"{span.closes:%H:%M}" in evening
    weekend = ANSWERS.topic_reply("clinic_hours", "are you open at the weekend").text
    for day in (5, 6):
        assert (_hours(day) or "closed") in weekend


@pytest.mark.parametrize(
    "message", ["open saturdays? and what about weekdays", "what are your hours mon-fri"]
)
def test_a_question_about_the_working_week_gets_every_day(message):
    text = ANSWERS.topic_reply("clinic_hours", message).text
    for day in range(7):
        assert WEEKDAYS[day].capitalize() in text
        assert (_hours(day) or "closed") in text


def test_address_phone_email_and_practitioners_come_from_the_yaml():
    address = ANSWERS.topic_reply("clinic_address").text
    assert CLINIC.address in address and facts.map_link(CLINIC.address) in address
    assert CLINIC.phone in ANSWERS.topic_reply("clinic_phone").text
    assert CLINIC.email in ANSWERS.topic_reply("clinic_email").text
    team = ANSWERS.topic_reply("clinic_practitioners").text
    for practitioner in KNOWLEDGE.practitioners:
        assert practitioner.name in team
        for hours in practitioner.working_hours:
            assert hours.day.capitalize() in team


def test_who_works_on_a_named_day():
    for day in range(7):
        text = ANSWERS.topic_reply("clinic_practitioners", f"who works on {WEEKDAYS[day]}").text
        for practitioner in KNOWLEDGE.practitioners:
            works = any(WEEKDAYS.index(h.day) == day for h in practitioner.working_hours)
            assert (practitioner.name in text) == works


# Ways of asking for a clinic fact (written from public clinic FAQ and contact pages), and
# questions that only look like one.
FACT_WORDINGS = {
    "hours": [
        "what time do you close on thursday",
        "wat time u open til",
        "do you do evening appointments?",
        "are you open bank holiday monday",
        "r u open sundays",
        "is the clinic closed on mondays",
        "what's the latest appointment",
        "do you work saturdays",
        "whats ur opening times",
        "do you do lunchtime appointments",
        "christmas opening hours?",
        "can i come after work on thursday",
        "latest appointment after work?",
        "open over christmas?",
        "are you shut at lunchtime",
    ],
    "phone": [
        "what's your phone number",
        "whats the number to ring",
        "how do i contact you",
        "can i call you to book",
        "number?",
        "best way to get hold of you?",
        "have you got a landline i could ring",
        "is there a direct line for the clinic",
    ],
    "email": [
        "can i email you",
        "what is your email",
        "the clinic email?",
        "e-mail address pls",
        "i'd rather email, what's the address for that?",
        "give me ur email so i can send a photo",
    ],
    "address": [
        "what's your address",
        "where are you based",
        "how do i get there",
        "are you in the city centre",
        "what is the postcode",
        "where abouts are you",
        "is there a bus stop near you",
        "where do i actually need to go for my appointment",
        "whats ur addy",
        "which bus stop is closest to you",
    ],
    "practitioners": [
        "who will treat me",
        "who works on tuesdays",
        "who is the practitioner",
        "who runs the clinic",
        "who'll be doing my treatment",
        "can i ask for a female practitioner",
        "so who does the acupuncture, a man or a woman?",
        "who's in on mondays",
        "names of staff?",
    ],
}
NOT_FACTS = [
    "where do the needles go on my face",
    "what time should i get there",
    "are your practitioners qualified",
    "who are your practitioners qualified with",
    "what number of sessions do i need",
    "how many hours does it take",
    "will you email me a confirmation",
    "where do i go after the session",
    "is it open to men",
    "can you call me back",
    "i want you to forget my phone number",
    "will you text my mobile number",
    "do you open a fresh pack of needles for every client",
    "i'd like to complain about my last appointment",
    "is the gym open on bank holidays",
    "what do they call u",
    "the monday slot",
    "pass me on to someone who works there",
    "who would be doing my acupuncture, are they qualified",
    "my last appointment was a bit rushed",
    "book me the earliest slot",
    "can i speak to someone",
]


@pytest.mark.parametrize(
    "fact, message", [(f, m) for f, wordings in FACT_WORDINGS.items() for m in wordings]
)
def test_a_plain_clinic_fact_question_is_answered_from_the_yaml(fact, message):
    assert facts.fact_asked(message) == fact
    reply = ANSWERS.respond("ask_question", message)
    assert reply is not None and TOPICS[reply.topic].fact == fact, reply


@pytest.mark.parametrize("message", NOT_FACTS)
def test_questions_that_only_look_like_a_clinic_fact_are_not_one(message):
    assert facts.fact_asked(message) is None


# --- answers: placeholders, policies, booking offers ------------------------------------


def test_placeholders_are_filled_from_clinic_yml():
    with_placeholders = [t for t in KNOWLEDGE.topics if t.answer and "{" in t.answer]
    for topic in with_placeholders:
        text = ANSWERS.topic_reply(topic.key).text
        assert "{" not in text, topic.key
    if any("{phone}" in (t.answer or "") for t in with_placeholders):
        key = next(t.key for t in with_placeholders if "{phone}" in t.answer)
        assert CLINIC.phone in ANSWERS.topic_reply(key).text


def test_an_unconfirmed_policy_says_so_and_gives_the_phone(knowledge_dir: Path, empty_store_url):
    (knowledge_dir / "topics" / "unconfirmed.yml").write_text(
        textwrap.dedent(
            """\
            topics:
              - key: parking_policy
                title: Parking
                category: policy
                health_claim: false
                confirmed: false
                answer: There may be parking nearby.
                questions: [can i park at the clinic, is there parking, where do i park]
            """
        ),
        encoding="utf-8",
    )
    load_knowledge(knowledge_dir, empty_store_url)

    reply = Answers(empty_store_url).topic_reply("parking_policy")

    assert "hasn't confirmed" in reply.text and CLINIC.phone in reply.text
    assert reply.offer_booking is False


def test_after_visit_answers_never_offer_a_booking():
    after = [t for t in KNOWLEDGE.topics if t.category == "after_visit"]
    for topic in after:
        messages, events = run(
            ActionAnswerQuestion(), tracker("ask_question", "x", [button(topic.key)])
        )
        assert not offers_booking(messages), topic.key
        assert SlotSet("booking_offered", True) not in events


def test_a_topic_that_offers_booking_is_followed_by_the_offer():
    key = next(t.key for t in KNOWLEDGE.topics if t.offer_booking)
    messages, _ = run(ActionAnswerQuestion(), tracker("ask_question", "x", [button(key)]))
    assert offers_booking(messages)


def test_an_unknown_topic_button_changes_nothing():
    messages, events = run(
        ActionAnswerQuestion(), tracker("ask_question", "x", [button("no_such_topic")])
    )
    assert "don't have a vetted answer" in messages[0]["text"]
    assert events == []


def test_close_topics_come_as_buttons_the_guard_lets_through(monkeypatch):
    choice = retrieval.Decision(
        None,
        (
            retrieval.Ranked("aftercare", TOPICS["aftercare"].title, 0.5),
            retrieval.Ranked("bruising_event", TOPICS["bruising_event"].title, 0.49),
        ),
        (),
    )
    monkeypatch.setattr(ANSWERS, "search", lambda message: choice)

    messages, _ = run(ActionAnswerQuestion(), tracker("ask_question", "bruise after?"))

    buttons = messages[0]["buttons"]
    assert [b["title"] for b in buttons[:2]] == [
        TOPICS["aftercare"].title,
        TOPICS["bruising_event"].title,
    ]
    for b in buttons:
        assert neutralise_payload(b["payload"]) == b["payload"]


def likely_choice(likely: str, other: str) -> retrieval.Decision:
    first = retrieval.Ranked(likely, TOPICS[likely].title, 0.4)
    second = retrieval.Ranked(other, TOPICS[other].title, 0.1)
    return retrieval.Decision(None, (first, second), (first, second), first)


def test_a_likely_topic_is_answered_as_a_guess_with_the_other_as_a_button(monkeypatch):
    key = next(t.key for t in KNOWLEDGE.topics if t.offer_booking and not t.fact)
    monkeypatch.setattr(ANSWERS, "search", lambda message: likely_choice(key, "aftercare"))

    messages, events = run(ActionAnswerQuestion(), tracker("ask_question", "hmm?"))

    text = messages[0]["text"]
    assert TOPICS[key].title in text
    assert content.answer_start(key) in text
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles[0] == TOPICS["aftercare"].title and TOPICS[key].title not in titles
    # A guess is not sure enough for a sales pitch, even on a topic that offers booking.
    assert not offers_booking(messages)
    assert SlotSet("booking_offered", True) not in events


def test_a_topic_intent_gives_way_to_a_more_specific_topic_as_a_guess(monkeypatch):
    """ "how big are the needles" reads as ask_pain; retrieval's (not clear) pick is the
    needles topic, and pain is not among its close ones: needles answered, pain a button."""
    pain = next(t for t in KNOWLEDGE.topics if t.intent == "ask_pain")
    needles = retrieval.Ranked("needles", TOPICS["needles"].title, 0.3)
    monkeypatch.setattr(
        ANSWERS, "search", lambda message: retrieval.Decision(None, (needles,), (needles,))
    )

    messages, _ = run(ActionAnswerQuestion(), tracker("ask_pain", "how big are the needles"))

    assert content.answer_start("needles") in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]][0] == pain.title


def test_a_sure_off_topic_message_does_not_take_a_guess(monkeypatch):
    monkeypatch.setattr(ANSWERS, "search", lambda message: likely_choice("aftercare", "safety"))
    messages, _ = run(ActionOutOfScope(), tracker("out_of_scope", "tell me a joke"))
    assert messages[0].get("response") == "utter_out_of_scope"


@pytest.mark.parametrize(
    "message, confidence, advised",
    [
        # An unsure "off-topic" health worry: care advice beats "I can only help with...".
        ("bit tender round my cheekbone today, should i be worried", 0.6, True),
        # A sure one is plainly about something else.
        ("how do i sew on a button with a needle", 0.95, False),
    ],
)
def test_an_off_topic_health_worry_gets_care_advice_only_when_unsure(
    monkeypatch, message, confidence, advised
):
    key = next(t.key for t in KNOWLEDGE.topics if t.category == "after_visit")
    monkeypatch.setattr(ANSWERS, "search", lambda text: likely_choice(key, "safety"))
    turn = tracker("out_of_scope", message)
    turn.latest_message["intent"]["confidence"] = confidence

    messages, _ = run(ActionOutOfScope(), turn)

    assert (content.answer_start(key) in (messages[0].get("text") or "")) is advised
    assert (messages[0].get("response") == "utter_out_of_scope") is not advised


def test_a_typed_payload_that_sets_anything_else_is_plain_text():
    for typed in (
        '/ask_question{"faq_topic":"price","client_name":"x"}',
        '/ask_question{"client_name":"x"}',
        '/book_session{"faq_topic":"price"}',
        '/ask_question{"faq_topic":"../etc"}',
    ):
        assert not neutralise_payload(typed).startswith("/")


def test_something_the_store_has_no_notes_on_gets_an_honest_answer_and_a_call_offer():
    message = "can I have this if I use tretinoin cream"
    messages, _ = run(ActionCheckSuitability(), tracker("ask_suitability", message))

    assert messages[0]["text"] == UNLISTED_CONDITION
    assert "which condition" not in messages[0]["text"].lower()
    assert CLINIC.phone in messages[1]["text"]  # the consultation call, with the phone
    assert not offers_booking(messages)


def test_a_suitability_question_naming_nothing_still_asks_which_condition():
    messages, _ = run(ActionCheckSuitability(), tracker("ask_suitability", "is it ok for me?"))
    assert messages[0]["text"] == ANSWERS.suitability([])


@pytest.mark.parametrize(
    "intent, message, keys",
    [
        ("ask_question", "does it hurt? and how much is it", ("pain", "price")),
        ("ask_pain", "does it hurt and can i drive home afterwards", ("pain", "driving")),
    ],
)
def test_a_message_with_two_clear_questions_gets_both_answers(intent, message, keys):
    reply = ANSWERS.respond(intent, message)
    for key in keys:
        assert ANSWERS.topic_reply(key).text[:60] in reply.text, key


def test_the_clear_half_of_a_two_part_message_is_answered_and_the_other_offered(monkeypatch):
    clear, unclear = "how long does a session take", "something about needles and skin"
    clear_key = ANSWERS.search(clear).answer.key
    close = (
        retrieval.Ranked("aftercare", TOPICS["aftercare"].title, 0.5),
        retrieval.Ranked("bruising_event", TOPICS["bruising_event"].title, 0.49),
    )
    real_search = ANSWERS.search

    def search(message: str) -> retrieval.Decision:
        if message.strip() == unclear or message == f"{clear}? {unclear}":
            return retrieval.Decision(None, close, close)
        return real_search(message)

    monkeypatch.setattr(ANSWERS, "search", search)
    reply = ANSWERS.respond("ask_question", f"{clear}? {unclear}")

    assert reply.text.startswith(ANSWERS.topic_reply(clear_key).text)
    assert reply.text.endswith(OTHER_HALF_INTRO)
    assert [b["title"] for b in reply.buttons][:2] == [r.title for r in close]


def test_talk_to_the_practitioner_first_offers_a_call_not_booking():
    consult = [c for c in KNOWLEDGE.conditions if c.verdict == Verdict.CONSULT_FIRST][0]
    entity = condition_entity(consult.key)
    messages, events = run(
        ActionCheckSuitability(), tracker("ask_suitability", consult.synonyms[0], [entity])
    )
    assert not offers_booking(messages)
    assert CLINIC.phone in messages[-1]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]][0] == "/request_human"
    assert SlotSet("booking_offered", True) not in events


@pytest.mark.parametrize(
    "verdict, guess_shown",
    [
        # "Talk to the practitioner first", then the consultation offer: a guess is noise.
        (Verdict.CONSULT_FIRST, False),
        # "With some care": the guess may be the answer ("is it as good as botox?").
        (Verdict.CAUTION, True),
    ],
)
def test_a_guess_beside_a_verdict_stays_only_if_booking_may_follow(
    monkeypatch, verdict, guess_shown
):
    condition = [c for c in KNOWLEDGE.conditions if c.verdict == verdict][0]
    monkeypatch.setattr(
        ANSWERS, "search", lambda message: likely_choice("vs_botox_fillers", "safety")
    )
    message = f"I have {condition.synonyms[0]}, is it as good as botox?"

    messages, _ = run(
        ActionAnswerQuestion(),
        tracker("ask_question", message, [condition_entity(condition.key)]),
    )

    texts = " ".join(m.get("text") or "" for m in messages)
    assert (content.answer_start("vs_botox_fillers") in texts) is guess_shown
    if not guess_shown:
        assert CLINIC.phone in messages[-1]["text"]  # the consultation offer still follows


def test_a_worry_after_a_visit_gets_care_advice_not_a_with_some_care_verdict(monkeypatch):
    caution = [c for c in KNOWLEDGE.conditions if c.verdict == Verdict.CAUTION][0]
    key = next(t.key for t in KNOWLEDGE.topics if t.category == "after_visit")
    monkeypatch.setattr(ANSWERS, "search", lambda message: likely_choice(key, "safety"))
    message = f"my {caution.synonyms[0]} has flared since my session yesterday, is that normal?"

    messages, _ = run(
        ActionAnswerQuestion(),
        tracker("ask_question", message, [condition_entity(caution.key)]),
    )

    texts = " ".join(m.get("text") or "" for m in messages)
    assert content.answer_start(key) in texts
    assert content.condition(caution.key).advice.strip()[:40] not in texts
    assert not offers_booking(messages)


def test_an_ok_verdict_still_offers_booking():
    ok = [c for c in KNOWLEDGE.conditions if c.verdict == Verdict.OK]
    if not ok:
        pytest.skip("no condition with verdict ok in conditions.yml")
    entity = condition_entity(ok[0].key)
    messages, _ = run(
        ActionCheckSuitability(), tracker("ask_suitability", ok[0].synonyms[0], [entity])
    )
    assert offers_booking(messages)


def test_are_you_a_bot_says_so_and_offers_a_person(store_url):
    question = TOPICS[BOT_TOPIC].questions[0]
    before = len(HandoffQueue(store_url).list())

    messages, _ = run(ActionFrontDesk(), tracker("request_human", question))

    assert messages[0]["text"].startswith(
        ANSWERS.topic_reply(BOT_TOPIC).text[:40]
    ), messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/request_human"]
    assert len(HandoffQueue(store_url).list()) == before  # no handoff until they say so


def test_asking_for_the_phone_number_gives_the_number_not_a_handoff(store_url):
    before = len(HandoffQueue(store_url).list())
    messages, _ = run(ActionFrontDesk(), tracker("request_human", "what's your phone number?"))
    assert CLINIC.phone in messages[0]["text"]
    assert len(HandoffQueue(store_url).list()) == before


def test_asking_for_a_person_still_hands_off(store_url):
    before = len(HandoffQueue(store_url).list())
    run(ActionFrontDesk(), tracker("request_human", "/request_human"))
    assert len(HandoffQueue(store_url).list()) == before + 1


def test_fallback_asks_the_faq_first():
    question = TOPICS["clinic_email"].questions[0]
    messages, _ = run(ActionFallback(), tracker("nlu_fallback", question))
    assert CLINIC.email in messages[0]["text"]


def test_a_message_not_understood_that_names_a_condition_gets_its_verdict():
    young = content.condition("under_18")
    messages, _ = run(
        ActionFallback(),
        tracker("nlu_fallback", "my daughter is 16, hmm?", [condition_entity(young.key)]),
    )
    assert young.advice.strip().split(".")[0] in " ".join(m.get("text") or "" for m in messages)
    assert all(m.get("response") != "utter_please_rephrase" for m in messages)


def test_out_of_scope_stays_out_of_scope_without_a_clear_answer():
    messages, _ = run(ActionOutOfScope(), tracker("out_of_scope", "tell me a joke"))
    assert messages[0].get("response") == "utter_out_of_scope"


# --- clinic knowledge check --------------------------------------------------------------


def check_with_topic(knowledge_dir: Path, capsys, key: str, fields: str) -> tuple[int, str]:
    """`clinic knowledge check` after adding topics/<key>.yml with one topic; (code, stderr)."""
    (knowledge_dir / "topics" / f"{key}.yml").write_text(
        f"topics:\n  - key: {key}\n    title: {key.title()}\n{fields}", encoding="utf-8"
    )
    code = clinic_main(["knowledge", "check", "--dir", str(knowledge_dir)])
    return code, capsys.readouterr().err


def test_check_reports_a_topic_without_questions(knowledge_dir: Path, capsys):
    code, err = check_with_topic(
        knowledge_dir, capsys, "bare", "    health_claim: false\n    answer: Nothing to ask.\n"
    )
    assert code == 1
    assert "'bare' has no 'questions:'" in err


def test_check_reports_a_health_claim_without_a_source(knowledge_dir: Path, capsys):
    code, err = check_with_topic(
        knowledge_dir, capsys, "claim",
        "    health_claim: true\n    answer: It helps.\n    questions: [does it help]\n",
    )
    assert code == 1
    assert "needs at least one entry under 'sources'" in err


def test_check_lists_the_answers_waiting_for_the_clinic(knowledge_dir: Path, capsys):
    code = clinic_main(["knowledge", "check", "--dir", str(knowledge_dir)])
    out = capsys.readouterr().out
    assert code == 0
    waiting = [t for t in KNOWLEDGE.topics if not t.confirmed]
    assert waiting and f"{len(waiting)} answers wait for the clinic" in out
    for topic in KNOWLEDGE.topics:
        assert (f"  {topic.key}: " in out) is (not topic.confirmed), topic.key
