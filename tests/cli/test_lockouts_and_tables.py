"""`clinic lockouts list` and the table cells every `clinic ... list` prints."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.booking.guesses import Asker, GuessLimiter
from bot.cli.output import cell
from tests.clinic_command import Result, run_clinic
from tests.content import CLINIC

# Summer time: the clinic's clock (Europe/London) is not UTC then.
WHEN = datetime(2026, 7, 15, 15, 30, tzinfo=timezone.utc)
PHONE_TRIED = "07911 120000"


@pytest.fixture
def clinic(capsys) -> Callable[..., Result]:
    return functools.partial(run_clinic, capsys)


def refuse_a_check(store_url: str, conversation: str = "rest:guesser") -> None:
    """One wrong reference + contact pair with a limit of one: the check is refused."""
    limiter = GuessLimiter(store_url, clock=lambda: WHEN, per_conversation=1)
    assert limiter.failed(Asker("rest", conversation), "FA-7K3Q", PHONE_TRIED, CLINIC.country)


def test_lockouts_list_says_so_when_there_are_none(clinic, store_url):
    result = clinic("lockouts", "list")
    assert (result.code, result.out.strip()) == (0, "No refused booking checks.")


def test_lockouts_list_shows_the_conversation_and_reference_in_the_clinics_time(
    clinic, store_url
):
    refuse_a_check(store_url)
    result = clinic("lockouts", "list")
    header, row = result.out.strip().splitlines()
    assert header.split("  ")[0] == "ID" and "REFERENCE TRIED" in header
    local = WHEN.astimezone(ZoneInfo(CLINIC.timezone)).strftime("%Y-%m-%d %H:%M")
    assert local in row and "rest:guesser" in row and "FA-7K3Q" in row
    assert "07911" not in result.out  # staff see who tried, never the contact tried


def test_lockouts_list_json_has_the_documented_fields(clinic, store_url):
    refuse_a_check(store_url)
    (record,) = json.loads(clinic("lockouts", "list", "--json").out)
    assert sorted(record) == ["channel", "created_at", "id", "ref", "sender_id"]
    assert (record["sender_id"], record["ref"]) == ("rest:guesser", "FA-7K3Q")


def test_a_table_cell_is_one_printable_line():
    assert cell("Ann\nsays\t hi\x1b[31m") == "Ann says hi?[31m"
    assert cell(None) == cell("") == "-"


def test_a_long_cell_is_cut_with_an_ellipsis_to_its_width():
    assert cell("x" * 60, 50) == "x" * 49 + "…"
    assert cell("x" * 50, 50) == "x" * 50
