"""Property-based tests: validators and parsers take any text, fail only as documented."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.booking.contact import ContactError, clean_name, parse_contact
from bot.booking.refs import normalise_reference
from bot.booking.wishes import TimeWish, WishError, parse_wish
from bot.guard import MessageGuard, clean_text
from bot.store.queries import OpeningSpan

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
HOURS = tuple(OpeningSpan(day, time(9), time(18)) for day in range(5)) + (
    OpeningSpan(5, time(9, 30), time(14)),
)
TIME_WORDS = st.sampled_from(
    [
        "next",
        "friday",
        "tomorrow",
        "at",
        "10",
        "half past two",
        "morning",
        "afternoon",
        "week",
        "31",
        "february",
        "3000",
        "yesterday",
        "asap",
        "pm",
        "am",
        "monday",
        "the 4th",
    ]
)
WISHY = st.lists(st.one_of(TIME_WORDS, st.text(max_size=6)), max_size=6).map(" ".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=200))
def test_clean_name_returns_a_tidy_name_or_a_contact_error(text):
    try:
        name = clean_name(text)
    except ContactError as error:
        assert str(error)
        return
    assert name == name.strip() and 0 < len(name) <= 100
    assert not any(char.isdigit() for char in name)


@FAST
@given(st.text(max_size=200))
def test_parse_contact_returns_e164_or_an_email_or_a_contact_error(text):
    try:
        contact = parse_contact(text, "GB")
    except ContactError:
        return
    assert contact.phone or contact.email
    if contact.phone:
        assert contact.phone.startswith("+") and contact.phone[1:].isdigit()
    if contact.email:
        assert "@" in contact.email


@FAST
@given(WISHY)
def test_a_wish_is_a_future_window_inside_the_horizon_or_a_wish_error(text):
    try:
        wish = parse_wish(text, NOW, HOURS)
    except WishError as error:
        assert str(error)
        return
    assert isinstance(wish, TimeWish)
    assert NOW <= wish.earliest < wish.latest <= NOW + timedelta(days=91)
    if wish.preferred is not None:
        assert wish.earliest <= wish.preferred <= wish.latest


@FAST
@given(st.text(max_size=40))
def test_a_normalised_reference_always_has_the_canonical_form(text):
    ref = normalise_reference(text)
    assert ref is None or (len(ref) == 7 and ref.startswith("FA-"))


@FAST
@given(st.one_of(st.none(), st.text(max_size=3000), st.integers()))
def test_the_guard_passes_on_clean_bounded_text_or_answers_itself(raw):
    result = MessageGuard(max_chars=1000, per_sender_per_minute=10**9).check("s", "ip", raw)
    assert (result.text is None) != (result.reply is None)
    if result.text is not None:
        assert 0 < len(result.text) <= 1000
        assert result.text == clean_text(result.text)
