"""Contact details and names typed by clients are validated, normalised and masked."""

from __future__ import annotations

import random
import re
import unicodedata

import phonenumbers
import pytest

from bot.booking.contact import (
    Contact,
    ContactError,
    clean_name,
    mask_contact,
    parse_contact,
    parse_email,
    parse_phone,
)
from tests.refusals import refusal

PHONE_ERROR = "That doesn't look like a phone number - could you type it with the area code?"
EMAIL_ERROR = "That email address doesn't look right - could you check it?"
GENERAL_ERROR = (
    "Could you give me a phone number or an email address so we can reach you "
    "about the appointment?"
)
NAME_ERROR = "Could you tell me your name as you'd like it on the booking?"

BRISTOL_LANDLINE = "+441174960123"
MOBILE = "+447400123456"

# --- phone numbers ---------------------------------------------------------------------

VALID_PHONES = [
    # UK mobiles
    ("07400 123456", MOBILE),
    ("07400123456", MOBILE),
    ("+44 7400 123456", MOBILE),
    ("+447400123456", MOBILE),
    ("0044 7400 123456", MOBILE),
    ("+44 (0)7400 123456", MOBILE),
    ("07400-123-456", MOBILE),
    ("  07400 123456\n", MOBILE),
    # UK landlines
    ("0117 496 0123", BRISTOL_LANDLINE),
    ("(0117) 4960123", BRISTOL_LANDLINE),
    ("01174960123", BRISTOL_LANDLINE),
    ("00441174960123", BRISTOL_LANDLINE),
    ("+44 117 496 0123", BRISTOL_LANDLINE),
    ("0117-496-0123", BRISTOL_LANDLINE),
    ("020 7946 0123", "+442079460123"),
    # abroad, written with + so the default region does not apply
    ("+1 650 253 0000", "+16502530000"),
    ("+33 1 42 68 53 00", "+33142685300"),
    ("+353 1 234 5678", "+35312345678"),
]

INVALID_PHONES = [
    "12345",
    "0000000000",
    "call me",
    "07700 9001234567",  # too long
    "",
    "   ",
    "+44",
    "0117 496",
    "++44 117 496 0123 0000 0000",
    # Ofcom's fictional "drama" mobile range: libphonenumber treats it as unassigned.
    "07700 900123",
    # Letters would become keypad digits ("thanks" -> 842657): refused, not guessed at.
    "07400 123456 thanks",
]


@pytest.mark.parametrize(("text", "expected"), VALID_PHONES)
def test_phone_numbers_in_common_formats_become_e164(text: str, expected: str) -> None:
    assert parse_phone(text, "GB") == expected


@pytest.mark.parametrize("text", INVALID_PHONES)
def test_invalid_phone_numbers_are_refused_with_a_phone_reprompt(text: str) -> None:
    assert refusal(lambda: parse_phone(text, "GB"), ContactError) == PHONE_ERROR


def test_national_numbers_are_read_in_the_default_region() -> None:
    assert parse_phone("(650) 253-0000", "US") == "+16502530000"
    assert parse_phone("01 42 68 53 00", "fr") == "+33142685300"


def test_a_national_number_with_an_unknown_region_is_refused_not_crashed() -> None:
    with pytest.raises(ContactError):
        parse_phone("0117 496 0123", "XX")


# --- email addresses -------------------------------------------------------------------

VALID_EMAILS = [
    ("jo@example.com", "jo@example.com"),
    ("Jo@Example.COM", "Jo@example.com"),  # domain lower-cased, mailbox left alone
    ("  jo.smith+clinic@mail.example.co.uk \n", "jo.smith+clinic@mail.example.co.uk"),
    ("zoë@example.com", "zoë@example.com"),
]

INVALID_EMAILS = [
    "jo@example.com.",  # trailing dot
    "jo@",  # missing domain
    "@example.com",
    "jo@example",  # no dot in the domain
    "jo @example.com",  # spaces
    "jo@exa mple.com",
    "jo..smith@example.com",
    "jo@@example.com",
    "jo",
    "",
    "   ",
]


@pytest.mark.parametrize(("text", "expected"), VALID_EMAILS)
def test_valid_email_addresses_are_normalised(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize("text", INVALID_EMAILS)
def test_invalid_email_addresses_are_refused_with_an_email_reprompt(text: str) -> None:
    assert refusal(lambda: parse_email(text), ContactError) == EMAIL_ERROR


# --- parse_contact ---------------------------------------------------------------------

CONTACTS = [
    ("07400 123456", Contact(phone=MOBILE, email=None)),
    ("0117 496 0123", Contact(phone=BRISTOL_LANDLINE, email=None)),
    ("jo@example.com", Contact(phone=None, email="jo@example.com")),
    # inside sentences
    ("it's 07400 123456 thanks", Contact(phone=MOBILE, email=None)),
    ("call me on +44 117 496 0123 please", Contact(phone=BRISTOL_LANDLINE, email=None)),
    ("my number is (0117) 4960123.", Contact(phone=BRISTOL_LANDLINE, email=None)),
    ("Ring 07400 123456, any time after 5", Contact(phone=MOBILE, email=None)),
    ("tel:+441174960123", Contact(phone=BRISTOL_LANDLINE, email=None)),
    ("0117 496 0123 or 07400 123456", Contact(phone=BRISTOL_LANDLINE, email=None)),
    ("my email is Jo@Example.com", Contact(phone=None, email="Jo@example.com")),
    ("email me at jo@example.com.", Contact(phone=None, email="jo@example.com")),
    ("<jo@example.com>", Contact(phone=None, email="jo@example.com")),
    ("it's (jo@example.com), thanks!", Contact(phone=None, email="jo@example.com")),
]


@pytest.mark.parametrize(("text", "expected"), CONTACTS)
def test_contact_is_found_alone_or_inside_a_sentence(text: str, expected: Contact) -> None:
    assert parse_contact(text, "GB") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12345", PHONE_ERROR),
        ("0000000000", PHONE_ERROR),
        ("my number is 07700 9001234567", PHONE_ERROR),
        ("0117 496", PHONE_ERROR),
        ("jo@", EMAIL_ERROR),
        ("my email is jo@example", EMAIL_ERROR),
        ("jo @ example.com", EMAIL_ERROR),
        ("@", EMAIL_ERROR),
        ("call me", GENERAL_ERROR),
        ("", GENERAL_ERROR),
        ("   ", GENERAL_ERROR),
        ("tomorrow at 10", GENERAL_ERROR),
        ("no thanks", GENERAL_ERROR),
        ("x" * 1000, GENERAL_ERROR),
    ],
)
def test_unusable_contact_gets_a_reprompt_for_what_it_looks_like(text: str, message: str) -> None:
    assert refusal(lambda: parse_contact(text, "GB"), ContactError) == message


def test_contact_describe_gives_whichever_detail_is_present() -> None:
    assert Contact(phone=MOBILE, email=None).describe() == MOBILE
    assert Contact(phone=None, email="jo@example.com").describe() == "jo@example.com"
    assert MOBILE in Contact(phone=MOBILE, email="jo@example.com").describe()


def test_contact_error_is_a_value_error() -> None:
    assert issubclass(ContactError, ValueError)


# --- names -----------------------------------------------------------------------------

NAMES = [
    ("O'Brien", "O'Brien"),
    ("Seán O’Connor", "Seán O’Connor"),
    ("Zoë", "Zoë"),
    ("José-María", "José-María"),
    ("Nguyễn Văn An", "Nguyễn Văn An"),
    # the same name with combining accents (NFD) is kept byte for byte, not recomposed
    (unicodedata.normalize("NFD", "Nguyễn"), unicodedata.normalize("NFD", "Nguyễn")),
    ("Anne-Marie d'Arcy", "Anne-Marie d'Arcy"),
    ("王小明", "王小明"),
    ("  Ann   \t Smith \n", "Ann Smith"),
    ("my name is Ann Smith", "Ann Smith"),
    ("My Name Is  O'Brien", "O'Brien"),
    ("I'm Zoë", "Zoë"),
    ("i’m José-María", "José-María"),
    ("it's Ann", "Ann"),
    ("this is Dr. Ann Smith", "Dr. Ann Smith"),
    ("This Isabel", "This Isabel"),  # only a whole-word lead-in is removed
    ("Itsuki", "Itsuki"),
    ("Ann 😀", "Ann 😀"),
    ("A" * 100, "A" * 100),
]

BAD_NAMES = [
    "",
    "   ",
    "\t\n",
    "Ann2",
    "R2-D2",
    "07400 123456",
    "A" * 101,
    "!!!",
    "😀😀",
    "-'-",
    "Ann\x00",
    "\x00",
    "Ann\x1bSmith",
    "Ann\u202eSmith",  # right-to-left override would disguise the stored name
    "my name is",
    "I'm",
    "it's   ",
    # plain text only: no markup or symbols a page or a spreadsheet could act on
    "<b>Ann</b>",
    "<img src=x onerror=alert()>",
    "Robert'); DROP TABLE bookings;--",
    "=HYPERLINK(Ann)",
]


@pytest.mark.parametrize(("text", "expected"), NAMES)
def test_names_are_kept_exactly_apart_from_whitespace_and_lead_in(text: str, expected: str) -> None:
    assert clean_name(text) == expected


@pytest.mark.parametrize("text", BAD_NAMES)
def test_unusable_names_are_refused_with_a_name_reprompt(text: str) -> None:
    assert refusal(lambda: clean_name(text), ContactError) == NAME_ERROR


# --- masking ---------------------------------------------------------------------------


MASKED = [
    ("+441174960123", "+44*******123"),
    ("+447400123456", "+44*******456"),
    ("jo@example.com", "j*@example.com"),
    ("Jo.Smith@example.co.uk", "J*******@example.co.uk"),
    ("a@example.com", "*@example.com"),
    ("", ""),
]


@pytest.mark.parametrize(("value", "expected"), MASKED)
def test_contact_details_are_masked_for_logs(value: str, expected: str) -> None:
    assert mask_contact(value) == expected


@pytest.mark.parametrize("value", ["+16502530000", "+441174960123", "12345", "123", "+1"])
def test_masked_phone_shows_at_most_first_three_and_last_three(value: str) -> None:
    masked = mask_contact(value)
    assert len(masked) == len(value)
    shown = [i for i, char in enumerate(masked) if char != "*"]
    assert all(i < 3 or i >= len(value) - 3 for i in shown)
    assert all(masked[i] == value[i] for i in shown)
    # short values keep at least half hidden, so they are never revealed whole
    assert masked.count("*") >= len(value) / 2


@pytest.mark.parametrize("local", ["jo", "joanna.smith", "x1", "Ann-Marie"])
def test_masked_email_shows_only_the_first_letter_of_the_mailbox(local: str) -> None:
    masked = mask_contact(f"{local}@example.com")
    masked_local, _, domain = masked.partition("@")
    assert domain == "example.com"
    assert masked_local == local[0] + "*" * (len(local) - 1)


# --- fuzz ------------------------------------------------------------------------------

_ALPHABETS = (
    "0123456789 +-()." * 3,
    "abcdefghijklmnopqrstuvwxyz ABCXYZ@.'-_",
    "\x00\x01\x07\x1b\x1f\x7f\x85\t\n\r\u200b\u200d\u202e\ufeff",
    "éüñøßçØÆŻżễăờĐ王明日本語한국어العربية०१२٣٤",
    '😀👍🏽🇬🇧\u0301\u0308!?;:,"<>[]{}\\/|`~#$%^&*=',
    "０１２３４５６７８９＋＠",
)


def _random_text(rng: random.Random) -> str:
    """Mostly small strings mixing digits, letters, symbols, unicode and controls."""
    pool = "".join(rng.sample(_ALPHABETS, k=rng.randint(1, len(_ALPHABETS))))
    if rng.random() < 0.1:
        pool += "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(20))
    text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
    if rng.random() < 0.2:
        seed = rng.choice(["07400 123456", "jo@example.com", "my name is ", "+44 117 496 0123"])
        cut = rng.randint(0, len(text))
        text = text[:cut] + seed + text[cut:]
    return text


def test_fuzzed_input_gives_a_valid_value_or_a_contact_error_only() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        text = _random_text(rng)
        try:
            contact = parse_contact(text, "GB")
        except ContactError as error:
            assert str(error) in {PHONE_ERROR, EMAIL_ERROR, GENERAL_ERROR}, repr(text)
        else:
            assert (contact.phone is None) != (contact.email is None), repr(text)
            if contact.phone is not None:
                assert re.fullmatch(r"\+[1-9]\d{6,14}", contact.phone), repr(text)
                assert phonenumbers.is_valid_number(phonenumbers.parse(contact.phone))
            if contact.email is not None:
                assert parse_email(contact.email) == contact.email, repr(text)
            assert mask_contact(contact.describe())

        try:
            name = clean_name(text)
        except ContactError as error:
            assert str(error) == NAME_ERROR, repr(text)
        else:
            assert name == name.strip() and "  " not in name, repr(text)
            assert 0 < len(name) <= 100, repr(text)
            assert not any(char.isdigit() for char in name), repr(text)
            assert any(char.isalpha() for char in name), repr(text)
            assert not any(unicodedata.category(char) == "Cc" for char in name), repr(text)
