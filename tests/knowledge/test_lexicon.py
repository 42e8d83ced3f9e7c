"""The retrieval lexicon: words for the same kind of thing find the same topic."""

from __future__ import annotations

from bot.knowledge import lexicon, retrieval
from bot.store.queries import FaqEntry


def test_a_word_of_a_group_adds_the_group_name_once():
    text = lexicon.with_groups("can i wear mascara and foundation after")
    assert text.startswith("can i wear mascara and foundation after")
    assert text.split().count("lexmakeup") == 1


def test_a_phrase_counts_as_a_whole_and_unrelated_text_is_unchanged():
    assert "lexaccess" in lexicon.with_groups("my mum uses a walking frame")
    assert lexicon.with_groups("does it hurt") == "does it hurt"
    # Whole words only: "sunday" is not sun, "mens" is, "manage" is not.
    assert lexicon.with_groups("are you open on sunday") == "are you open on sunday"
    assert "lexmen" not in lexicon.with_groups("can i manage my booking")


def test_no_word_is_in_two_groups():
    seen: dict[str, str] = {}
    for name, words in lexicon.GROUPS.items():
        for word in words:
            assert word not in seen, (word, name, seen.get(word))
            assert word == retrieval.normalise(word), word  # written as the index sees it
            seen[word] = name


def test_a_question_finds_a_topic_whose_questions_never_used_its_word():
    makeup = FaqEntry("makeup", "Make-up", None, ("is makeup ok after",))
    gym = FaqEntry("gym", "Exercise", None, ("is the gym ok after",))
    # Without the lexicon "eyeliner" would land on the gym (it shares more characters).
    for order in ([gym, makeup], [makeup, gym]):
        assert retrieval.FaqIndex(order).rank("is eyeliner ok after")[0].key == "makeup"
        assert retrieval.FaqIndex(order).rank("is pilates ok after")[0].key == "gym"
