"""Every answer the clinic's staff write is checked for claims the assistant must never make,
and for the honesty rules the answers have to keep (sources, urgent help, unconfirmed policies).

The checks read the knowledge files as they are, so they still hold after staff edit them."""

from __future__ import annotations

import re

import pytest

from bot.knowledge.loader import read_knowledge_dir
from bot.nlu.conditions import ConditionMatcher
from tests.stores import KNOWLEDGE_DIR

BANNED_CLAIMS = [
    r"\bno risks?\b",
    r"\brisk[- ]free\b",
    r"\bnon[- ]existent\b",
    r"\bdetox\w*",
    r"\btoxins?\b",
    r"\bcures?\b|\bcured\b",
    r"\bguarantee\w*",
    r"\bcompletely safe\b|\b100% safe\b|\bperfectly safe\b",
    r"\bno side[- ]effects?\b",
]
# A way it might work, or an effect on appearance, stated as fact (UK ASA/CAP advice on
# acupuncture: no improved appearance or anti-ageing claims without robust trial evidence).
UNSUPPORTED_EFFECTS = [
    r"\brepair response\b",
    r"\b(?:boosts?|stimulates?|increases?|builds?) (?:your )?collagen\b",
    r"(?<!said to )\b(?:reduces?|removes?|erases?|smooths?) (?:your )?(?:fine lines|wrinkles)\b",
    r"\bmakes? you look younger\b",
    r"\b(?:improves?|rejuvenates?) (?:your )?(?:skin|complexion|appearance)\b",
    r"\bfresher look\b",
    r"\bbetween the fourth and sixth session\b",
]
BUNDLE = read_knowledge_dir(KNOWLEDGE_DIR)
TOPICS = {t.key: t for t in BUNDLE.topics}
CONDITIONS = {c.key: c for c in BUNDLE.conditions}
ANSWERS = [(f"topic {t.key}", t.answer) for t in BUNDLE.topics if t.answer is not None] + [
    (f"condition {c.key}", c.advice) for c in BUNDLE.conditions
]
IDS = [where for where, _ in ANSWERS]
URGENT = "{urgent_advice_number}"
EMERGENCY = "{emergency_number}"


def _matcher() -> ConditionMatcher:
    return ConditionMatcher({c.key: c.synonyms for c in BUNDLE.conditions})


@pytest.mark.parametrize(("where", "text"), ANSWERS, ids=IDS)
def test_no_answer_makes_a_banned_claim(where, text):
    found = [pattern for pattern in BANNED_CLAIMS if re.search(pattern, text, re.IGNORECASE)]

    assert found == [], f"{where} says something the assistant must not claim: {found}"


@pytest.mark.parametrize(("where", "text"), ANSWERS, ids=IDS)
def test_no_answer_states_an_unproven_effect_as_fact(where, text):
    found = [p for p in UNSUPPORTED_EFFECTS if re.search(p, text, re.IGNORECASE)]

    assert found == [], f"{where} states an effect or mechanism as fact: {found}"


def test_the_effect_checks_catch_the_old_marketing_copy():
    old_copy = (
        "The tiny pricks prompt your skin's own repair response and boost collagen, so it "
        "reduces wrinkles and improves your skin; most see a change between the fourth and "
        "sixth session."
    )

    assert sum(bool(re.search(p, old_copy, re.IGNORECASE)) for p in UNSUPPORTED_EFFECTS) >= 4


def test_every_health_answer_has_a_source():
    unsourced = [t.key for t in BUNDLE.topics if t.health_claim and not t.sources] + [
        c.key for c in BUNDLE.conditions if not c.sources
    ]

    assert unsourced == []


def test_the_banned_claims_check_catches_the_old_marketing_copy():
    old_copy = "Facial acupuncture is risk-free: the risks are non-existent and it helps detox."

    assert sum(bool(re.search(p, old_copy, re.IGNORECASE)) for p in BANNED_CLAIMS) >= 3


def test_the_safety_answer_is_honest_about_bruising_tiredness_and_limited_evidence():
    safety = TOPICS["safety"].answer.lower()

    assert "bruis" in safety
    assert "drows" in safety and "drive" in safety
    assert "black eye" in safety
    assert "limited" in TOPICS["effectiveness"].answer or "small" in TOPICS["effectiveness"].answer


def test_the_evidence_answer_cites_the_pilot_study_and_the_systematic_review():
    sources = " ".join(TOPICS["effectiveness"].sources)

    assert "10.1155/2013/424313" in sources  # Yun et al. 2013
    assert "10.25056/JCM.2018.2.2.76" in sources  # Shin & Lim 2018


# --- care advice after a visit --------------------------------------------------------------


AFTER_VISIT = [t for t in BUNDLE.topics if t.category == "after_visit"]


@pytest.mark.parametrize("topic", AFTER_VISIT, ids=[t.key for t in AFTER_VISIT])
def test_after_visit_advice_says_when_to_get_urgent_help_and_never_sells(topic):
    assert URGENT in topic.answer or EMERGENCY in topic.answer
    assert topic.offer_booking is False


def test_there_is_after_visit_advice_to_check():
    assert len(AFTER_VISIT) >= 5


@pytest.mark.parametrize("where", ["aftercare", "after_redness", "after_ache"])
def test_spreading_redness_gets_111_now_and_999_with_a_fever(where):
    answer = TOPICS[where].answer

    assert re.search(r"spread", answer, re.IGNORECASE)
    assert URGENT in answer and EMERGENCY in answer
    assert answer.index(URGENT) < answer.rindex(EMERGENCY)
    assert re.search(r"fever", answer, re.IGNORECASE)


def test_skin_infection_advice_sends_spreading_redness_to_111_and_999():
    advice = CONDITIONS["skin_infection"].advice

    assert "spread" in advice
    assert URGENT in advice and EMERGENCY in advice and "fever" in advice


def test_first_aid_for_feeling_faint_comes_before_the_999_line():
    answer = TOPICS["after_faint"].answer.lower()
    first_aid = answer[: answer.index(EMERGENCY)]

    assert re.search(r"\blie down\b|\bsit\b", first_aid)
    assert re.search(r"\beat\b|\bdrink\b", first_aid)
    assert "tell someone" in first_aid


# --- policies: never invented ---------------------------------------------------------------


UNCONFIRMED = [t for t in BUNDLE.topics if not t.confirmed]
# Amounts, fees and periods ("48 hours' notice", "a £20 fee", "valid for six months").
INVENTED_TERMS = (
    r"\d|£|%|\b(?:a|an|one|two|three|four|five|six|seven|eight|twelve|twenty[- ]four|"
    r"forty[- ]eight)\s+(?:full\s+)?(?:hours?|days?|weeks?|months?)\b|\bfree of charge\b"
)


@pytest.mark.parametrize("topic", UNCONFIRMED, ids=[t.key for t in UNCONFIRMED])
def test_an_unconfirmed_policy_states_no_numbers_and_points_to_the_front_desk(topic):
    # No notice periods, fees or voucher validity the clinic has not confirmed.
    without_placeholders = re.sub(r"\{\w+\}", "", topic.answer)

    assert not re.search(INVENTED_TERMS, without_placeholders, re.IGNORECASE), topic.key
    assert "{phone}" in topic.answer


def test_the_policies_the_clinic_has_not_confirmed_are_marked_so():
    assert {"cancellation_policy", "gift_vouchers", "accessibility"} <= {t.key for t in UNCONFIRMED}


def test_the_assistant_says_it_is_automated_and_offers_a_person():
    answer = TOPICS["bot_or_human"].answer.lower()

    assert "automated" in answer
    assert "person" in answer


# --- conditions -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["acne", "eczema"])
def test_acne_and_eczema_need_care_but_do_not_rule_treatment_out(key):
    assert CONDITIONS[key].verdict == "caution"


def test_only_infected_or_inflamed_skin_is_not_now():
    assert CONDITIONS["skin_infection"].verdict == "not_now"


@pytest.mark.parametrize(
    "text", ["I'm on Roaccutane", "im taking accutane at the moment", "on isotretinoin"]
)
def test_roaccutane_is_not_read_as_an_acne_flare(text):
    keys = [m.key for m in _matcher().find(text)]

    assert keys and "acne" not in keys
    assert all(CONDITIONS[key].verdict != "not_now" for key in keys)


@pytest.mark.parametrize(
    "text",
    [
        "I take dipyridamole",
        "on ticagrelor since my stent",
        "I'm on prasugrel",
        "I inject clexane every day",
        "enoxaparin injections",
        "I'm on fragmin",
        "dalteparin",
    ],
)
def test_more_blood_thinners_are_recognised(text):
    keys = [m.key for m in _matcher().find(text)]

    assert keys == ["anticoagulants"]
    assert CONDITIONS["anticoagulants"].verdict == "consult_first"


@pytest.mark.parametrize(
    ("text", "verdicts"),
    [
        ("my blood pressure is really high at the moment", {"consult_first"}),
        ("I had a chemical peel last week", {"caution", "consult_first"}),
        ("I had a facelift in the summer", {"caution", "consult_first"}),
        ("I've got a bad cold", {"not_now"}),
        ("I have the flu, should I still come?", {"not_now"}),
    ],
)
def test_missing_conditions_are_now_recognised(text, verdicts):
    mentions = _matcher().find(text)

    assert mentions, text
    assert {CONDITIONS[m.key].verdict for m in mentions} <= verdicts


@pytest.mark.parametrize(
    "text",
    ["is it a natural facelift", "where can i get my flu jab", "best thing for hay fever?"],
)
def test_everyday_words_near_a_condition_name_no_condition(text):
    assert _matcher().find(text) == []


def test_a_cold_sore_is_still_broken_skin_not_a_cold():
    assert [m.key for m in _matcher().find("I've got a cold sore on my lip")] == ["skin_infection"]


# --- what clients actually read ---------------------------------------------------------------


def test_every_condition_reply_is_sent_with_its_placeholders_filled(store_url):
    from bot.answers import Answers

    answers = Answers(store_url)
    unfilled = {
        key: reply
        for key in CONDITIONS
        if re.search(r"\{\w+\}", reply := answers.suitability([key]))
    }

    assert unfilled == {}
