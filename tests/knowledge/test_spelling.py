"""Typos mended to words the FAQ index knows."""

from __future__ import annotations

from bot.knowledge import retrieval
from bot.knowledge.spelling import Speller
from bot.store.queries import FaqEntry

SPELLER = Speller("when will i see a difference acupuncture treatments address session".split())


def test_one_letter_dropped_added_changed_or_swapped_is_mended():
    assert SPELLER.word("diffrence") == "difference"  # dropped
    assert SPELLER.word("adddress") == "address"  # added
    assert SPELLER.word("sessiin") == "session"  # changed
    assert SPELLER.word("treatmnets") == "treatments"  # two swapped


def test_known_short_and_far_off_words_are_left_alone():
    assert SPELLER.word("session") == "session"
    assert SPELLER.word("wil") == "wil"  # too short to guess
    assert SPELLER.word("banana") == "banana"
    assert SPELLER.word("2024") == "2024"


def test_the_most_frequent_neighbour_wins():
    speller = Speller(["bruise", "bruise", "braise"])
    assert speller.word("bruuse") == "bruise"


def test_a_misspelt_keyword_finds_its_topic():
    parking = FaqEntry("parking", "Parking", None, ("is there parking",))
    voucher = FaqEntry("voucher", "Vouchers", None, ("do you sell vouchers",))
    for order in ([parking, voucher], [voucher, parking]):
        # Whole words only (no character n-grams): only the mended word can match.
        index = retrieval.FaqIndex(order, word_weight=1.0)
        assert index.rank("vouchrs?")[0].similarity > 0
        assert index.rank("vouchrs?")[0].key == "voucher"
        assert index.rank("parkign")[0].key == "parking"
