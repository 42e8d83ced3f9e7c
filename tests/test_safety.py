"""Emergency detection must catch real emergencies and leave ordinary questions alone."""

from __future__ import annotations

import pytest

from bot.answers import Answers
from bot.safety import Advice, Urgency, advice_for, classify, emergency_advice, is_emergency

EMERGENCIES = [
    "been pressing on it for 20 mins and it's still bleeding",
    "the needle spot has been bleeding for 30 minutes",
    # breathing
    "I can't breathe",
    "i cant breathe properly after the needles",
    "I cant breath",
    "my friend is having trouble breathing",
    "Im struggling to breathe",
    "she's not breathing",
    "I'm short of breath and dizzy",
    "help i cant breathe",
    "is it bad that I can't breathe?",
    # lips, tongue, throat swelling
    "my lips are swelling up",
    "my lips r swelling up",
    "her tongue is swollen",
    "lips and tongue swelling",
    "my throat feels tight and I'm scared",
    "my throat is closing up",
    "HELP my throat is tight",
    "i feel like my throat is swelling",
    "I think I'm going into anaphylaxis",
    "where's my epipen",
    # an allergic reaction happening
    "I'm having an allergic reaction",
    "i think im having an allergic reaction right now",
    "my daughter is having an allergic reaction",
    "my face is swelling up",
    "my eyes are swelling up fast",
    # fainting, unconscious
    "she fainted after her session",
    "my mum passed out in the car park",
    "I passed out after my appointment",
    "i fainted twice today after acupuncture",
    "my husband has blacked out",
    "he's unconscious",
    "she is unresponsive",
    "she collapsed at home and wont wake up",
    # bleeding
    "the bleeding won't stop",
    "it keeps bleeding and wont stop",
    "been bleeding for 20 mins and it won't stop",
    "I can't stop the bleeding",
    "I'm bleeding heavily from where the needle went in",
    # chest pain
    "I have chest pain",
    "chest pains since this morning",
    "chest pain after acupuncture",
    "sharp pain in my chest",
    "I have a really bad pain in my chest",
    # seizure
    "he's having a seizure",
    "she had a fit",
    # infection with fever, spreading redness
    "the redness is spreading and I have a fever",
    "redness spreading down my neck and i feel feverish",
    "redness is spreading and i have a temperature of 39",
    "the needle spot looks infected and I have a fever",
    "i think its infected and ive got a temperature",
    "ive got a fever and the needle marks have pus",
    "I've got a high temperature and the needle marks are red and swollen",
    "call an ambulance",
    # realistic phrasings the rules miss today
    "difficulty breathing",
    "i can barely breathe",
    "cant catch my breath",
    "breathing is really hard",
    "my toung is swelling",
    "I can't swallow",
    "I'm having an allergic reacton",
    "alergic reaction happening now",
    "i think im having anaphalaxis",
    "my chest hurts",
    "my chest feels tight",
    "I think I'm having a heart attack",
    "he's having convulsions",
    "she's fitting",
    "he's not responding",
]

ORDINARY = [
    "will I be swollen after?",
    "is redness normal afterwards",
    "can you get an infection from the needles",
    "what if I faint",
    "does it bruise",
    "is it safe",
    "my face is a bit red today is that normal after acupuncture",
    "my cheek is a bit swollen today, is that normal?",
    "does it hurt",
    "how much is it",
    "can I have it if I'm pregnant",
    "what are the side effects",
    "could it cause an allergic reaction",
    "I'm allergic to nickel, can I still come",
    "can I come if I have a cold sore",
    "I take warfarin, is that ok",
    "what happens if I bleed",
    "will it make my skin red",
    "how long does swelling last",
    "do people pass out",
    "what if my lips swell",
    "I have a history of fainting",
    "I have epilepsy, is it ok",
    "is bruising common after facial acupuncture",
    "what are your opening hours",
    "I bruise easily",
    "I'm a bit nervous about needles",
    "is it normal to feel tired after",
    "my skin feels a bit tight after my session, normal?",
    "can acupuncture cause fever",
    "is there a risk of infection",
    "I've got a fever, can I still come tomorrow",
    "I have a headache today, should I still come",
    "my throat is a bit sore, can I still come",
    "I take aspirin for my heart",
    "I'm 70, is that ok",
    # past medical history, asked about before booking
    "I fainted once at the dentist, is that a problem?",
    "I passed out once during a blood test",
    "I had a seizure years ago, can I still have it",
    "I had a fit as a child, is acupuncture ok for me",
    "i had an allergic reaction to a face cream last year",
]


# Issue 15: stroke (FAST), eye injury or changed vision, sepsis, fainting with no recovery, and
# spreading redness, pus or a growing bruise - with the advice each one needs.
NEW_EMERGENCIES = [
    ("my dad's face is drooping on one side", Advice.STROKE),
    ("her smile has gone lopsided all of a sudden", Advice.STROKE),
    ("he can't lift his left arm", Advice.STROKE),
    ("my arm has gone weak and my speech is slurred", Advice.STROKE),
    ("she's slurring her words", Advice.STROKE),
    ("I think my mum is having a stroke", Advice.STROKE),
    ("one side of my face has gone numb", Advice.STROKE),
    ("i cant speak properly and my face feels strange", Advice.STROKE),
    ("the needle went into my eye", Advice.EYE),
    ("my vision has gone blurry since the treatment", Advice.EYE),
    ("I've got double vision", Advice.EYE),
    ("I can't see properly out of my left eye", Advice.EYE),
    ("my eye is bleeding", Advice.EYE),
    ("blood in my eye after the session", Advice.EYE),
    ("I think I have sepsis", Advice.SEPSIS),
    ("the needle spot is infected and I'm confused and shivering uncontrollably", Advice.SEPSIS),
    ("redness spreading on my cheek and my heart is racing", Advice.SEPSIS),
    ("my lips have gone blue", Advice.SEPSIS),
    ("she has a rash that doesn't fade under a glass", Advice.SEPSIS),
    ("I feel like I'm going to die", Advice.SEPSIS),
    ("she fainted and hasn't come round", Advice.FAINT),
    ("he passed out and isn't coming round", Advice.FAINT),
    ("I nearly fainted", Advice.FAINT),
    ("i feel really faint right now", Advice.FAINT),
    ("there's pus coming out of the needle mark", Advice.SKIN),
    ("the bruise keeps getting bigger", Advice.SKIN),
    ("my bruise is getting bigger and bigger", Advice.SKIN),
    ("is it normal that my bruise keeps getting bigger?", Advice.SKIN),
    ("the swelling on my cheek is spreading", Advice.SKIN),
    ("the redness is spreading across my face", Advice.SKIN),
    ("my face is hot and swollen where the needles were", Advice.SKIN),
    ("he's been fitting for two minutes", Advice.GENERAL),
    ("I fainted and now my chest hurts", Advice.GENERAL),
    # a knock to the head with a warning sign: A&E now, 999 for the red flags (NHS)
    ("fainted after my session and hit my head, now I feel sick and a bit confused",
     Advice.HEAD_INJURY),
    ("banged my head on the car door after the treatment and I've been sick twice",
     Advice.HEAD_INJURY),
    ("my mum bumped her head when she fainted and she's really drowsy", Advice.HEAD_INJURY),
    ("I knocked my head and now I can't remember getting home", Advice.HEAD_INJURY),
    # Written blind for the development set (bench/judge/messages_dev.yml) and missed before.
    ("since my session this afternoon the vision in my right eye has gone blurry and there's "
     "a dark patch. its not getting better", Advice.EYE),
    ("now the left side of my face feels numb and my mouth droops when I try to smile, and my "
     "arm feels a bit weak. Is this from the needles?", Advice.STROKE),
    ("my mum's face has dropped on the right and she's talking funny", Advice.STROKE),
    ("he can't move his arm properly and his words are coming out wrong", Advice.STROKE),
    ("my eye is really painful since a needle went near it and things look blurry", Advice.EYE),
    ("there's a dark shadow over part of my vision", Advice.EYE),
    ("can't see out of my left eye properly since the session", Advice.EYE),
]

NEW_ORDINARY = [
    "can it help with headaches",
    "I hit my head last year, is acupuncture ok for me?",
    "will I bruise?",
    "can it help puffy eyes",
    "does it affect vision of my skin",
    "can facial acupuncture help droopy eyelids",
    "my face looks droopy and tired, can it help",
    "can it help a lopsided smile",
    "does it help with sagging skin on one side",
    "is it normal for a bruise to go yellow",
    "what if a bruise gets bigger",
    "the bruise is fading nicely",
    "I have a black eye from the needles, how long will it last",
    "can acupuncture cause a stroke",
    "I had a stroke years ago, is it safe for me",
    "my mum had a stroke last year, can she have facial acupuncture",
    "does it affect your eyesight",
    "will my vision be affected",
    "can i come if i get migraines with flashing lights",
    "I get migraines with flashing lights, can I have it",
    "I can't talk right now, can you email me",
    "I can't see the booking button",
    "is pus normal after acupuncture",
    "I have a spot with pus on my chin, can I still come?",
    "could I get sepsis from acupuncture",
    "what are the signs of infection after acupuncture",
    "my arm feels a bit numb where the needle was",
    "my lips are a bit dry after the session",
    "my skin looks blotchy after the session",
    "I'm confused about which session to book",
    "my heart was racing before the session because I was nervous",
    "I nearly fainted at my last session, should I eat first",
    "I felt a bit faint yesterday after my session",
    "what should I do if I feel faint",
    "i had a bit of a bruise yesterday, is that normal",
    "does facial acupuncture help with eye bags",
    "can't wait for my session",
    "can it affect your vision?",
    "will my mouth droop after?",
]


def test_tables_are_big_enough():
    assert len(EMERGENCIES) >= 35
    assert len(ORDINARY) >= 25


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergency_phrasing_is_classified_as_emergency(text):
    assert classify(text) is Urgency.EMERGENCY


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_question_is_not_an_emergency(text):
    assert classify(text) is not Urgency.EMERGENCY
    assert not is_emergency(text)


@pytest.mark.parametrize(
    "text",
    ["will I be swollen after?", "is redness normal afterwards", "what if I faint"],
)
def test_question_about_a_side_effect_is_hypothetical(text):
    assert classify(text) is Urgency.HYPOTHETICAL


def test_present_tense_marker_turns_a_question_into_an_emergency():
    assert classify("is it normal to have fainted? help she fainted just now") is Urgency.EMERGENCY


def test_emergency_advice_gives_the_emergency_number_before_the_clinic_phone():
    advice = emergency_advice("999", "111", "+44 117 496 0123")

    assert advice.startswith("If this is happening now, please call 999")
    assert advice.index("999") < advice.index("111") < advice.index("+44 117 496 0123")


def test_emergency_advice_without_urgent_line_or_phone_still_gives_the_emergency_number():
    advice = emergency_advice("112", None, None)

    assert "call 112 straight away" in advice
    assert "medical advice" not in advice
    assert "let us know" not in advice


def test_new_tables_are_big_enough():
    assert len(NEW_EMERGENCIES) + len(NEW_ORDINARY) >= 60


@pytest.mark.parametrize(("text", "kind"), NEW_EMERGENCIES, ids=[t for t, _ in NEW_EMERGENCIES])
def test_new_emergency_is_classified_and_gets_the_advice_it_needs(text, kind):
    assert classify(text) is Urgency.EMERGENCY
    assert advice_for(text) is kind


@pytest.mark.parametrize("text", NEW_ORDINARY)
def test_new_ordinary_question_is_not_an_emergency(text):
    assert classify(text) is not Urgency.EMERGENCY


ADVICE = {
    text: emergency_advice("999", "111", "+44 117 496 0123", text=text)
    for text in [
        "my dad's face is drooping on one side",
        "the needle went into my eye",
        "I think I have sepsis",
        "I nearly fainted",
        "the redness is spreading across my face",
        "my lips are swelling and I can't breathe",
        "I have chest pain",
        "I fainted and hit my head, now I feel sick and confused",
    ]
}


@pytest.mark.parametrize("text", ["my lips are swelling and I can't breathe", "I have chest pain"])
def test_anaphylaxis_and_chest_pain_are_told_to_call_999_not_to_go_to_a_and_e(text):
    advice = ADVICE[text]

    assert advice.startswith("If this is happening now, please call 999 straight away")
    assert "A&E" not in advice


def test_a_stroke_is_told_to_call_999_at_once():
    advice = ADVICE["my dad's face is drooping on one side"]

    assert advice.startswith("If this is happening now, please call 999 straight away")
    assert "stroke" in advice


def test_an_eye_injury_goes_to_a_and_e_or_999_without_driving():
    advice = ADVICE["the needle went into my eye"]

    assert "A&E" in advice and "999" in advice
    assert "Don't drive" in advice


def test_sepsis_is_told_to_call_999():
    assert ADVICE["I think I have sepsis"].startswith("If this is happening now, please call 999")


def test_nearly_fainting_gets_first_aid_and_when_to_call_999():
    advice = ADVICE["I nearly fainted"].lower()

    assert "lie down" in advice
    assert "drink" in advice and "eat" in advice
    assert "tell someone" in advice
    assert "999" in advice and "within a minute" in advice


def test_a_head_injury_with_warning_signs_goes_to_a_and_e_now_without_driving():
    advice = ADVICE["I fainted and hit my head, now I feel sick and confused"]

    assert advice.index("A&E now") < advice.index("999")
    assert "don't drive" in advice
    assert "lie down" not in advice  # not the faint first aid: this needs checking today


def test_spreading_redness_gets_111_now_and_999_with_a_fever():
    advice = ADVICE["the redness is spreading across my face"]

    assert advice.index("call 111") < advice.index("999")
    assert "fever" in advice
    assert "now" in advice


def test_spreading_redness_without_an_urgent_line_still_says_get_advice_now():
    advice = emergency_advice("112", None, None, text="the redness is spreading")

    assert "advice now" in advice and "112" in advice


def test_general_advice_without_the_message_covers_every_new_sign():
    advice = emergency_advice("999", "111", None)

    for sign in ["stroke", "vision", "A&E", "don't drive", "lie down", "bruise", "call 111"]:
        assert sign in advice, sign
    assert "or go to your nearest A&E" not in advice


def test_the_111_line_stays_when_the_clinic_urgent_number_is_unknown_for_999():
    assert "call 111" in emergency_advice("999", None, "+44 117 496 0123")


def test_the_111_line_stays_when_the_store_is_down(tmp_path):
    advice = Answers(f"sqlite:///{tmp_path}/missing/dir/clinic.db").emergency()

    assert advice.startswith("If this is happening now, please call 999 straight away")
    assert "call 111" in advice
