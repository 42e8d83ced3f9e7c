"""The `clinic` staff command: bookings, handoffs, slots and `ask`, against a real store."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.answers import Answers
from bot.booking.contact import Contact
from bot.booking.service import BookingRequest, BookingService
from bot.handoff import HandoffQueue
from bot.settings import PROJECT_ROOT
from tests.clinic_command import Result, help_description, run_clinic, usage_error
from tests.content import CLINIC
from tests.stores import KNOWLEDGE_DIR

LONDON = ZoneInfo("Europe/London")
# Wednesday 25 November 2026, 10:00 in Bristol: when the test bookings are made.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 30)
ANN = Contact(phone="+447911123456", email=None)
BEA = Contact(phone=None, email="bea@example.com")
MODEL = PROJECT_ROOT / "models" / "clinic.tar.gz"
BOOKING_FIELDS = [
    "ref",
    "name",
    "phone",
    "email",
    "practitioner",
    "start",
    "end",
    "status",
    "channel",
    "created_at",
]
SLOT_LINE = re.compile(r"^\d\d:\d\d-\d\d:\d\d  \S.*$")


@pytest.fixture
def clinic(capsys) -> Callable[..., Result]:
    """Run `clinic ARGS...` in-process against the test store."""
    return functools.partial(run_clinic, capsys)


def service(url: str) -> BookingService:
    return BookingService(url, clock=lambda: NOW.astimezone(timezone.utc))


def book(url: str, day: date, name: str = "Ann O'Brien", contact: Contact = ANN, index: int = 0):
    svc = service(url)
    slot = svc.slots_on(day)[index]
    return svc.book(BookingRequest(name, contact, slot, True, channel="rest", sender_id="s1"))


def queue(url: str) -> HandoffQueue:
    return HandoffQueue(url, clock=lambda: NOW.astimezone(timezone.utc))


def a_friday_next_week() -> date:
    """A working day in the future (the CLI uses the real clock for free slots)."""
    day = datetime.now(LONDON).date() + timedelta(days=7)
    return day + timedelta(days=(4 - day.weekday()) % 7)


# --- help and usage --------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["bookings", "list"],
        ["bookings", "cancel"],
        ["handoffs", "list"],
        ["handoffs", "close"],
        ["slots", "show"],
        ["ask"],
    ],
)
def test_every_command_explains_itself_in_help(command, capsys):
    description = help_description(capsys, *command).strip()

    assert description and "\n" not in description


def test_bookings_list_help_says_contact_details_are_shown_in_full(capsys):
    with pytest.raises(SystemExit):
        cli.main(["bookings", "list", "--help"])

    assert "full contact details" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["bookings", "list"], ["slots", "show"]])
@pytest.mark.parametrize("text", ["27/11/2026", "2026-02-30", "tomorrow"])
def test_an_invalid_date_is_a_usage_error(command, text, capsys):
    err = usage_error(capsys, *command, "--date", text)

    assert "not a valid date" in err and "YYYY-MM-DD" in err


# --- bookings --------------------------------------------------------------------------


def test_bookings_list_says_so_when_there_are_none(clinic):
    table = clinic("bookings", "list")
    as_json = clinic("bookings", "list", "--json")

    assert (table.code, table.out) == (0, "No bookings.\n")
    assert as_json.code == 0 and json.loads(as_json.out) == []


def test_bookings_list_shows_each_booking_with_full_contact_details(clinic, store_url):
    ann = book(store_url, FRIDAY)
    bea = book(store_url, FRIDAY, name="Bea Smith", contact=BEA, index=1)

    result = clinic("bookings", "list")

    assert result.code == 0
    header, *rows = result.out.splitlines()
    assert header.split() == ["REF", "START", "PRACTITIONER", "NAME", "CONTACT", "STATUS"]
    assert len(rows) == 2
    assert ann.ref in rows[0] and bea.ref in rows[1]
    assert "2026-11-27 09:00" in rows[0]  # local (Bristol) time
    assert "Sarah Okafor" in rows[0]
    assert "Ann O'Brien" in rows[0] and "+447911123456" in rows[0]
    assert "Bea Smith" in rows[1] and "bea@example.com" in rows[1]
    assert all(row.rstrip().endswith("confirmed") for row in rows)


def test_bookings_list_json_has_exactly_the_documented_fields(clinic, store_url):
    record = book(store_url, FRIDAY)

    result = clinic("bookings", "list", "--json")

    assert result.code == 0
    [booking] = json.loads(result.out)
    assert list(booking) == BOOKING_FIELDS
    assert booking == record.as_json()
    assert booking["phone"] == "+447911123456"
    assert booking["start"] == "2026-11-27T09:00:00+00:00"


def test_bookings_list_date_shows_only_that_days_bookings(clinic, store_url):
    friday = book(store_url, FRIDAY)
    monday = book(store_url, MONDAY, name="Bea Smith", contact=BEA)

    on_monday = clinic("bookings", "list", "--date", "2026-11-30", "--json")
    on_friday = clinic("bookings", "list", "--date", "2026-11-27")
    on_sunday = clinic("bookings", "list", "--date", "2026-11-29")

    assert [b["ref"] for b in json.loads(on_monday.out)] == [monday.ref]
    assert friday.ref in on_friday.out and monday.ref not in on_friday.out
    assert on_sunday.out == "No bookings on 2026-11-29.\n"


def test_cancel_cancels_a_confirmed_booking(clinic, store_url):
    record = book(store_url, FRIDAY)

    result = clinic("bookings", "cancel", record.ref.lower())

    assert result.code == 0
    assert f"Cancelled {record.ref}" in result.out
    assert [b.status for b in service(store_url).list_bookings()] == ["cancelled"]


def test_cancel_of_an_unknown_reference_fails_with_exit_1(clinic):
    result = clinic("bookings", "cancel", "FA-0000")

    assert result.code == 1
    assert result.out == ""
    assert "FA-0000" in result.err and len(result.err.splitlines()) == 1


def test_cancel_of_an_already_cancelled_booking_fails_with_exit_1(clinic, store_url):
    record = book(store_url, FRIDAY)
    service(store_url).cancel_by_staff(record.ref)

    result = clinic("bookings", "cancel", record.ref)

    assert result.code == 1 and "already cancelled" in result.err


# --- handoffs --------------------------------------------------------------------------


@pytest.fixture
def two_handoffs(store_url):
    """An open request from a client who left a phone number, and a closed one."""
    handoffs = queue(store_url)
    waiting = handoffs.open(
        "rest",
        "client-1",
        [
            {"from": "client", "text": "hello"},
            {"from": "assistant", "text": "Hi! How can I help?"},
            {"from": "client", "text": "Can a person call me back about my rosacea please?"},
            {"from": "assistant", "text": "I've passed this on."},
        ],
        contact="+447911123456",
    )
    done = handoffs.open("rest", "client-2", [{"from": "client", "text": "human please"}])
    return waiting, handoffs.close(done.id)


def test_handoffs_list_shows_every_request(clinic, two_handoffs):
    waiting, done = two_handoffs

    result = clinic("handoffs", "list")

    assert result.code == 0
    header, first, second = result.out.splitlines()
    assert header.split()[:5] == ["ID", "CREATED", "CHANNEL", "CONTACT", "STATUS"]
    assert first.startswith(str(waiting.id)) and second.startswith(str(done.id))
    assert "2026-11-25 10:00" in first  # local (Bristol) time
    assert "+447911123456" in first and "open" in first
    assert "closed" in second and "human please" in second


def test_handoffs_list_shows_the_last_client_message_shortened_on_one_line(clinic, store_url):
    long_message = "Please call me.\n\x1b[31mI have a question " + "about needles " * 10
    queue(store_url).open("rest", "client-3", [{"from": "client", "text": long_message}])

    result = clinic("handoffs", "list")

    row = result.out.splitlines()[1]
    assert "Please call me. ?[31mI have a question about" in row
    assert row.endswith("…")
    assert "\x1b" not in result.out
    assert len(row.split("Please call me.")[1]) < len(long_message)


def test_handoffs_list_open_leaves_out_closed_requests(clinic, two_handoffs):
    waiting, done = two_handoffs

    result = clinic("handoffs", "list", "--open", "--json")

    assert [h["id"] for h in json.loads(result.out)] == [waiting.id]


def test_handoffs_list_json_gives_the_full_records(clinic, two_handoffs):
    result = clinic("handoffs", "list", "--json")

    assert json.loads(result.out) == [handoff.as_json() for handoff in two_handoffs]


def test_handoffs_list_says_so_when_nothing_is_open(clinic):
    assert clinic("handoffs", "list", "--open").out == "No open handoff requests.\n"
    assert json.loads(clinic("handoffs", "list", "--json").out) == []


def test_handoffs_close_closes_an_open_request(clinic, store_url, two_handoffs):
    waiting, _ = two_handoffs

    result = clinic("handoffs", "close", str(waiting.id))

    assert result.code == 0 and f"Closed handoff request {waiting.id}" in result.out
    assert queue(store_url).list(only_open=True) == []


def test_handoffs_close_of_an_unknown_id_fails_with_exit_1(clinic):
    result = clinic("handoffs", "close", "999")

    assert result.code == 1
    assert "999" in result.err and len(result.err.splitlines()) == 1


def test_handoffs_close_needs_a_numeric_id(capsys):
    assert "invalid int value" in usage_error(capsys, "handoffs", "close", "abc")


# --- slots -----------------------------------------------------------------------------


def test_slots_show_lists_the_days_free_slots_one_per_line(clinic, store_url):
    day = a_friday_next_week()

    result = clinic("slots", "show", "--date", day.isoformat())

    lines = result.out.splitlines()
    assert result.code == 0
    assert lines and all(SLOT_LINE.match(line) for line in lines)
    assert lines[0] == "09:00-10:15  Sarah Okafor"
    expected = [
        f"{s.start:%H:%M}-{s.end:%H:%M}  {s.practitioner_name}"
        for s in BookingService(store_url).slots_on(day)
    ]
    assert lines == expected


def test_slots_show_leaves_out_booked_slots(clinic, store_url):
    day = a_friday_next_week()
    book(store_url, day)

    lines = clinic("slots", "show", "--date", day.isoformat()).out.splitlines()

    assert "09:00-10:15  Sarah Okafor" not in lines
    assert lines[0] == "10:15-11:30  Sarah Okafor"


def test_slots_show_on_a_closed_day_prints_no_slots(clinic):
    sunday = a_friday_next_week() + timedelta(days=2)

    result = clinic("slots", "show", "--date", sunday.isoformat())

    assert result.code == 0 and result.out == ""
    assert "No free first-session slots" in result.err


def test_slots_show_defaults_to_today_in_the_clinics_time_zone(clinic):
    today = datetime.now(LONDON).date().isoformat()

    assert clinic("slots", "show").out == clinic("slots", "show", "--date", today).out


# --- store errors ----------------------------------------------------------------------


def test_a_store_without_knowledge_is_a_one_line_error(empty_store_url, use_settings, capsys):
    use_settings(DATABASE_URL=empty_store_url)

    code = cli.main(["slots", "show"])

    err = capsys.readouterr().err
    assert code == 1
    assert "clinic knowledge load" in err and len(err.splitlines()) == 1


def test_an_unusable_store_is_a_one_line_error(tmp_path, use_settings, capsys):
    use_settings(DATABASE_URL=f"sqlite:///{tmp_path / 'never-migrated.db'}")

    code = cli.main(["bookings", "list"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert "Traceback" not in err


# --- ask -------------------------------------------------------------------------------


def test_ask_without_a_trained_model_says_to_train(clinic, use_settings, tmp_path):
    missing = tmp_path / "models" / "clinic.tar.gz"
    use_settings(MODEL_PATH=str(missing))

    result = clinic("ask", "Does it hurt?")

    assert result.code == 1
    assert result.err == f"error: no trained model at {missing}: run `make train`\n"


def test_ask_refuses_an_empty_question(capsys):
    assert "empty" in usage_error(capsys, "ask", "   ")


@pytest.fixture(scope="module")
def trained_model() -> str:
    """The trained model, loaded once for all `ask` tests of this module."""
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first (make test does)")
    cli.load_agent(str(MODEL))
    return str(MODEL)


@pytest.fixture
def ask(clinic, trained_model, use_settings):
    use_settings(MODEL_PATH=trained_model)

    def run(question: str) -> tuple[str, float, str]:
        result = clinic("ask", question)
        assert result.code == 0, result.err
        first, answer = result.out.split("\n", 1)
        intent, confidence = re.fullmatch(r"\[(\S+) (\d\.\d\d)\]", first).groups()
        return intent, float(confidence), answer.strip()

    return run


def test_ask_answers_a_question_with_its_vetted_topic(ask, store_url):
    intent, confidence, answer = ask("Does the acupuncture hurt?")

    assert intent == "ask_pain" and 0 < confidence <= 1
    assert answer == Answers(store_url).topic("ask_pain")


def test_ask_gives_the_suitability_of_the_conditions_mentioned(ask, store_url):
    intent, _, answer = ask("I have rosacea, can I have facial acupuncture?")

    assert intent == "ask_suitability"
    assert answer == Answers(store_url).suitability(["rosacea"])


def test_ask_gives_emergency_advice_for_an_emergency(ask, store_url):
    said = "my lips are swelling up and I can't breathe"
    intent, _, answer = ask(said)

    assert intent == "emergency"
    assert answer == Answers(store_url).emergency(said)


def test_ask_gives_the_booking_contact_for_a_booking_request(ask, store_url):
    intent, _, answer = ask("I'd like to book a session")

    assert intent == "book_session"
    assert answer == Answers(store_url).booking_contact()


def test_ask_gives_the_front_desk_for_a_request_for_a_person(ask):
    intent, _, answer = ask("can I talk to a real person")

    assert intent == "request_human"
    assert CLINIC.phone in answer


def test_ask_says_when_an_intent_has_no_vetted_answer(ask):
    intent, _, answer = ask("hello there")

    assert intent == "greet"
    assert answer == "Recognised intent 'greet': there is no vetted answer for it."


def test_ask_answers_a_clinic_fact_from_the_yaml_by_faq_retrieval(ask):
    from bot.knowledge.loader import read_knowledge_dir

    knowledge = read_knowledge_dir(KNOWLEDGE_DIR)
    email_topic = next(t for t in knowledge.topics if t.fact == "email")

    _, _, answer = ask(email_topic.questions[0])

    assert knowledge.clinic.email in answer
