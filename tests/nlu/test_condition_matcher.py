"""Condition mentions found with spaCy rules built from the knowledge files' synonyms."""

from __future__ import annotations

import pytest

from bot.knowledge.loader import read_knowledge_dir
from bot.nlu.conditions import ConditionMatcher, ConditionMention
from tests.stores import KNOWLEDGE_DIR


@pytest.fixture(scope="module")
def matcher() -> ConditionMatcher:
    bundle = read_knowledge_dir(KNOWLEDGE_DIR)
    return ConditionMatcher({c.key: c.synonyms for c in bundle.conditions})


def keys(matcher: ConditionMatcher, text: str) -> list[str]:
    return [mention.key for mention in matcher.find(text)]


@pytest.mark.parametrize(
    "text",
    [
        "I take warfarin",
        "I'm on apixaban",
        "I take Eliquis every morning",
        "I have an aspirin a day",
        "WARFARIN",
        "i take blood thinners",
    ],
)
def test_blood_thinners_map_to_anticoagulants(matcher, text):
    assert keys(matcher, text) == ["anticoagulants"]


def test_warfarin_maps_to_anticoagulants(matcher):
    assert matcher.find("I take warfarin") == [
        ConditionMention(start=7, end=15, text="warfarin", key="anticoagulants")
    ]


def test_matching_ignores_case_but_reports_the_text_as_typed(matcher):
    (mention,) = matcher.find("I TAKE WARFARIN DAILY")

    assert mention.key == "anticoagulants"
    assert mention.text == "WARFARIN"


def test_pregnant_maps_to_pregnancy(matcher):
    assert keys(matcher, "I'm pregnant, can I still come?") == ["pregnancy"]


def test_recent_botox_maps_to_recent_botox_fillers(matcher):
    assert keys(matcher, "had botox two weeks ago") == ["recent_botox_fillers"]


def test_rosacea_is_recognised(matcher):
    assert keys(matcher, "I have rosacea on my cheeks") == ["rosacea"]


def test_eczema_is_recognised(matcher):
    assert keys(matcher, "my eczema is bad at the moment") == ["eczema"]


@pytest.mark.parametrize(
    "text",
    ["I'm 16", "i'm 16", "im 17", "I am 15 years old", "my daughter is 16", "my son turned 15",
     "do you treat teenagers?"],
)
def test_teenage_age_maps_to_under_18(matcher, text):
    assert keys(matcher, text) == ["under_18"]


@pytest.mark.parametrize(
    "text", ["i am 70", "I'm 65", "she's 70", "I'm 60 years old", "my mum's 72", "my dad is 80"]
)
def test_age_of_sixty_or_more_maps_to_older_adult(matcher, text):
    assert keys(matcher, text) == ["older_adult"]


@pytest.mark.parametrize(
    "text", ["16 year old daughter", "my mum is 72 yrs old", "65 yo", "a 15-year-old"]
)
def test_an_age_stated_with_years_old_is_read(matcher, text):
    assert keys(matcher, text) in (["under_18"], ["older_adult"])


@pytest.mark.parametrize("text", ["my friend is 30", "my sister is 5 weeks pregnant"])
def test_an_adult_relative_or_a_span_of_time_is_no_age_condition(matcher, text):
    assert "under_18" not in keys(matcher, text) and "older_adult" not in keys(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "my last seizure was 3 years ago",
        "I had botox about 4 yrs back",
        "I've had eczema for 10 years",
        "every 2 years or so",
    ],
)
def test_a_span_of_years_is_not_an_age(matcher, text):
    assert "under_18" not in keys(matcher, text)


@pytest.mark.parametrize("text", ["I'm 30", "I am 18", "i am 59", "I'm 0"])
def test_adult_age_under_sixty_maps_to_nothing(matcher, text):
    assert matcher.find(text) == []


def test_weeks_pregnant_is_pregnancy_not_an_age(matcher):
    assert keys(matcher, "I'm 5 weeks pregnant") == ["pregnancy"]


def test_two_conditions_are_returned_in_message_order(matcher):
    assert keys(matcher, "I'm pregnant and I take warfarin") == ["pregnancy", "anticoagulants"]
    assert keys(matcher, "I take warfarin and I'm pregnant") == ["anticoagulants", "pregnancy"]


def test_age_and_condition_together_are_both_found_in_order(matcher):
    assert keys(matcher, "i'm 70 and on warfarin") == ["older_adult", "anticoagulants"]


def test_character_offsets_point_at_the_mention_in_the_text(matcher):
    text = "Hi, I'm 16 and had lip fillers, also on Apixaban."

    mentions = matcher.find(text)

    assert [m.key for m in mentions] == ["under_18", "recent_botox_fillers", "anticoagulants"]
    assert [m.text for m in mentions] == ["16", "lip fillers", "Apixaban"]
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    ("text", "longest"),
    [
        ("I'm 5 weeks pregnant", "weeks pregnant"),
        ("I have type 2 diabetes", "type 2 diabetes"),
        ("I had lip fillers last month", "lip fillers"),
        ("my eczema flare is back", "eczema flare"),
    ],
)
def test_longest_synonym_wins_over_a_shorter_one_inside_it(matcher, text, longest):
    (mention,) = matcher.find(text)

    assert mention.text == longest


@pytest.mark.parametrize(
    "text", ["does it hurt", "how much is a first session?", "what are your opening hours", ""]
)
def test_plain_message_has_no_conditions(matcher, text):
    assert matcher.find(text) == []


# --- independent of the YAML ------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_matcher() -> ConditionMatcher:
    return ConditionMatcher(
        {"citrus": ["lemon", "lemon curd"], "berries": ["blueberry", "strawberry jam"]}
    )


def test_synthetic_synonyms_map_to_their_keys(tiny_matcher):
    text = "Lemon curd or Strawberry Jam?"

    mentions = tiny_matcher.find(text)

    assert mentions == [
        ConditionMention(0, 10, "Lemon curd", "citrus"),
        ConditionMention(14, 28, "Strawberry Jam", "berries"),
    ]


def test_synthetic_matcher_without_age_keys_ignores_ages(tiny_matcher):
    assert tiny_matcher.find("I'm 16 and I'm 70, and I like blueberry") == [
        ConditionMention(30, 39, "blueberry", "berries")
    ]
