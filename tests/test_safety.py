"""Emergency detection must catch real emergencies and leave ordinary questions alone."""

from __future__ import annotations

import pytest

from bot.safety import Urgency, classify, emergency_advice, is_emergency

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
