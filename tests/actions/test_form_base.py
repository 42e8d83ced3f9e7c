"""The forms' base (actions/forms.py): store failures, the retry limit from the settings, and
the questions after answers that were not understood (actions/asking.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from actions import slots
from actions.booking import ActionAskContact, ValidateBookingForm
from actions.common import ANSWERS
from bot.booking import messages
from bot.settings import Settings
from tests.rasa_harness import form_tracker, run


def test_a_form_apologises_and_asks_again_when_the_store_is_down(
    use_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    use_settings(DATABASE_URL=f"sqlite:///{tmp_path}/missing/dir/clinic.db")

    result = run(ValidateBookingForm(), form_tracker("booking_form", slots.TIME_WISH, "tomorrow"))

    assert result.texts == [ANSWERS.unavailable()]
    assert result.slots == {slots.TIME_WISH: None}  # not kept unvalidated


@pytest.mark.parametrize(("limit", "reprompted"), [(2, False), (3, True)])
def test_the_second_miss_is_reprompted_only_under_a_higher_retry_limit(
    use_settings: Callable[..., Settings], limit: int, reprompted: bool
) -> None:
    use_settings(FORM_RETRY_LIMIT=str(limit))
    earlier = {slots.FORM_FAILURES: {slots.CONTACT: 1}}

    result = run(
        ValidateBookingForm(),
        form_tracker("booking_form", slots.CONTACT, "not telling", earlier),
    )

    assert result.slots[slots.FORM_FAILURES] == {slots.CONTACT: 2}
    assert bool(result.texts) is reprompted


def ask_contact_after(misses: int):
    tracker = form_tracker("booking_form", slots.FORM_FAILURES, {slots.CONTACT: misses})
    return run(ActionAskContact(), tracker)


def test_the_question_says_what_it_expects_from_the_retry_limit_on(
    use_settings: Callable[..., Settings],
) -> None:
    use_settings(FORM_RETRY_LIMIT="3")

    below, at_limit = ask_contact_after(2), ask_contact_after(3)

    assert below.texts == []  # the validation's re-prompt was the answer
    assert messages.EXPECTED[slots.CONTACT] in at_limit.texts[0]
    assert messages.PERSON_BUTTON in at_limit.messages[0]["buttons"]
