"""Booking references are random, unambiguous, and recognised however clients type them."""

from __future__ import annotations

import re

import pytest

from bot.booking.refs import ALPHABET, new_reference, normalise_reference

REFERENCE = re.compile(r"FA-[0-9A-HJKMNP-TV-Z]{4}")


def test_alphabet_is_crockford_base32() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert set(ALPHABET) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert not set("ILOU") & set(ALPHABET)


def test_new_references_have_the_format_and_no_ambiguous_letters() -> None:
    refs = [new_reference() for _ in range(10_000)]
    assert all(REFERENCE.fullmatch(ref) for ref in refs)
    assert not any(set("ILOU") & set(ref[3:]) for ref in refs)
    # 32**4 codes: about 48 repeats are expected in 10,000 draws, 100 would be absurd.
    assert len(set(refs)) >= 9_900


def test_new_references_use_the_whole_alphabet() -> None:
    seen = {char for _ in range(2_000) for char in new_reference()[3:]}
    assert seen == set(ALPHABET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FA-7K3Q", "FA-7K3Q"),
        ("fa-7k3q", "FA-7K3Q"),
        ("fa 7k3q", "FA-7K3Q"),
        ("FA7K3Q", "FA-7K3Q"),
        ("my ref is FA7K3Q", "FA-7K3Q"),
        ("fa-7k3q.", "FA-7K3Q"),
        ("  FA - 7K3Q  ", "FA-7K3Q"),
        ("FA_7K3Q", "FA-7K3Q"),
        ("FA–7K3Q", "FA-7K3Q"),  # en dash from a phone keyboard
        ("It's (fa-7k3q), can I move it?", "FA-7K3Q"),
        ("ref:FA-7K3Q", "FA-7K3Q"),
        # Crockford decoding of letters that look like digits
        ("FA-7K3O", "FA-7K30"),
        ("fa-ioL0", "FA-1010"),
        ("FA-0000", "FA-0000"),
        # a run-together reference in capitals still counts without a digit
        ("FAKQRT", "FA-KQRT"),
        # the first real reference wins over ordinary words that start with "fa"
        ("about my family, booking fa-7k3q", "FA-7K3Q"),
    ],
)
def test_references_are_found_in_free_text(text: str, expected: str) -> None:
    assert normalise_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "FA-12",
        "hello",
        "",
        "FA-",
        "FA-7K3",
        "FA-7K3QX",  # five characters: not one of ours
        "XFA-7K3Q",
        "sofa 7k3q",
        "FA-7K3U",  # U is never used
        "FA-7K#Q",
        "7K3Q",
        # ordinary words, not references
        "my family",
        "fabric",
        "is it faster?",
        "what about my father",
    ],
)
def test_text_without_a_reference_gives_none(text: str) -> None:
    assert normalise_reference(text) is None


def test_new_references_round_trip_through_normalising() -> None:
    for _ in range(1_000):
        ref = new_reference()
        code = ref[3:]
        assert normalise_reference(ref) == ref
        assert normalise_reference(ref.lower()) == ref
        assert normalise_reference(f"my booking is fa {code.lower()} thanks") == ref
        assert normalise_reference(f"FA{code}") == ref
