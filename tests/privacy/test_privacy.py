"""`clinic privacy purge|erase` against real stores and a Rasa-shaped tracker store.

Every behaviour runs on SQLite and on PostgreSQL. The tracker store's `events` table is
created from Rasa's own model (SQLTrackerStore.SQLEvent) and filled with events built by
Rasa's own event classes, exactly as Rasa's SQLTrackerStore.save writes them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Engine, RootTransaction, make_url
from sqlalchemy.exc import OperationalError

from bot import privacy
from bot.privacy import store_steps, tracker_store
from bot.store.models import Booking, BookingStatus, HandoffRequest, HandoffStatus, Practitioner
from bot.store.session import session_scope
from tests.clinic_command import Result, help_description, run_clinic, usage_error
from tests.stores import temporary_postgres

NOW = datetime.now(timezone.utc)
DAY = timedelta(days=1)
EVENTS = SQLTrackerStore.SQLEvent.__table__

ANN_PHONE = "+447911123456"
ANN_PHONE_TYPED = "07911 123 456"
ANN_NAME = "Ann O'Brien"
BEA_EMAIL = "Bea.Smith@Example.com"  # stored as the client typed the local part
BEA_NAME = "Bea Smith"
CAL_PHONE = "+447400123456"


# --- databases -------------------------------------------------------------------------


@dataclass
class Dbs:
    store: str
    tracker: str
    events: Engine  # an engine on the tracker database, for the test's own reads and writes


@pytest.fixture
def pg_tracker_url() -> Iterator[str]:
    """A separate, empty PostgreSQL database for Rasa's tracker store."""
    with temporary_postgres("tracker_test") as url:
        yield url


def _dbs(store: str, tracker: str) -> Iterator[Dbs]:
    engine = create_engine(tracker, future=True)
    EVENTS.create(engine)
    try:
        yield Dbs(store, tracker, engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def dbs(request, tmp_path) -> Iterator[Dbs]:
    """The store and a tracker store in a database of its own (as Rasa usually has it)."""
    if request.param == "sqlite":
        store, tracker = request.getfixturevalue("store_url"), f"sqlite:///{tmp_path / 't.db'}"
    else:
        store, tracker = (
            request.getfixturevalue("postgres_url"),
            request.getfixturevalue("pg_tracker_url"),
        )
    yield from _dbs(store, tracker)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_dbs(request) -> Iterator[Dbs]:
    """Rasa's events table in the store's own database (TRACKER_DB_URL = DATABASE_URL)."""
    store = request.getfixturevalue("store_url" if request.param == "sqlite" else "postgres_url")
    yield from _dbs(store, store)


@pytest.fixture
def sqlite_dbs(store_url, tmp_path) -> Iterator[Dbs]:
    yield from _dbs(store_url, f"sqlite:///{tmp_path / 't.db'}")


# --- running the command ---------------------------------------------------------------


@pytest.fixture
def clinic(use_settings, capsys) -> Callable[..., Result]:
    """Run `clinic ARGS...` in-process with DATABASE_URL and TRACKER_DB_URL (or without)."""

    def run(dbs: Dbs, *argv: str, tracker: bool = True) -> Result:
        use_settings(DATABASE_URL=dbs.store, TRACKER_DB_URL=dbs.tracker if tracker else None)
        return run_clinic(capsys, *argv)

    return run


# --- test data -------------------------------------------------------------------------

_slot = iter(range(1, 10_000))


def add_booking(
    url: str,
    ends_ago: timedelta,
    name: str | None = ANN_NAME,
    phone: str | None = ANN_PHONE,
    email: str | None = None,
    sender_id: str | None = "ann-web",
    status: BookingStatus = BookingStatus.CONFIRMED,
) -> str:
    """A booking that ended `ends_ago` before now (negative: still to come); its ref."""
    ref = f"FA-{next(_slot):04d}"
    ends = NOW - ends_ago + timedelta(minutes=next(_slot))  # distinct starts: unique slot index
    with session_scope(url) as session:
        practitioner = session.execute(select(Practitioner.id).limit(1)).scalar_one()
        session.add(
            Booking(
                ref=ref,
                practitioner_id=practitioner,
                treatment_key="first_session",
                starts_at=ends - timedelta(minutes=75),
                ends_at=ends,
                status=status,
                client_name=name,
                phone=phone,
                email=email,
                consent_at=ends - 10 * DAY,
                channel="rest",
                sender_id=sender_id,
                created_at=ends - 10 * DAY,
                updated_at=ends - 10 * DAY,
            )
        )
    return ref


def add_handoff(
    url: str,
    ago: timedelta,
    sender_id: str = "someone",
    contact: str | None = None,
    said: str = "can I talk to someone please",
    status: HandoffStatus = HandoffStatus.OPEN,
) -> int:
    with session_scope(url) as session:
        row = HandoffRequest(
            channel="rest",
            sender_id=sender_id,
            transcript=[
                {"from": "client", "text": said},
                {"from": "assistant", "text": "I'll ask the front desk to get back to you."},
            ],
            contact=contact,
            status=status,
            created_at=NOW - ago,
            closed_at=NOW - ago + timedelta(hours=1) if status is HandoffStatus.CLOSED else None,
        )
        session.add(row)
        session.flush()
        return row.id


def add_conversation(
    dbs: Dbs, sender_id: str, last_ago: timedelta, *said: str, first_ago: timedelta | None = None
) -> int:
    """A conversation as Rasa's SQLTrackerStore stores it; returns its number of events."""
    first = NOW - (first_ago or last_ago + timedelta(minutes=5))
    last = NOW - last_ago
    events = [SessionStarted(), ActionExecuted("action_listen")]
    for message in said or ("hello",):
        events += [
            UserUttered(
                message, intent={"name": "inform", "confidence": 0.9}, input_channel="rest"
            ),
            BotUttered("Thanks!"),
            ActionExecuted("action_listen"),
        ]
    step = (last - first) / (len(events) - 1)
    rows = []
    for index, event in enumerate(events):
        event.timestamp = (first + step * index).timestamp()
        data = event.as_dict()
        rows.append(
            {
                "sender_id": sender_id,
                "type_name": event.type_name,
                "timestamp": event.timestamp,
                "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }
        )
    with dbs.events.begin() as connection:
        connection.execute(insert(EVENTS), rows)
    return len(rows)


def add_slot_event(dbs: Dbs, sender_id: str, name: str, value: str, ago: timedelta) -> None:
    event = SlotSet(name, value, timestamp=(NOW - ago).timestamp())
    with dbs.events.begin() as connection:
        connection.execute(
            insert(EVENTS),
            {
                "sender_id": sender_id,
                "type_name": event.type_name,
                "timestamp": event.timestamp,
                "data": json.dumps(event.as_dict()),
            },
        )


def conversations(dbs: Dbs) -> dict[str, int]:
    with dbs.events.connect() as connection:
        rows = connection.execute(
            select(EVENTS.c.sender_id, func.count()).group_by(EVENTS.c.sender_id)
        )
        return dict(rows.all())


def bookings(url: str) -> dict[str, tuple]:
    with session_scope(url) as session:
        return {
            b.ref: (b.client_name, b.phone, b.email, b.sender_id, b.status, b.starts_at)
            for b in session.execute(select(Booking)).scalars()
        }


def handoffs(url: str) -> dict[int, tuple]:
    with session_scope(url) as session:
        return {
            h.id: (h.sender_id, h.contact, h.transcript, h.status)
            for h in session.execute(select(HandoffRequest)).scalars()
        }


def everything(dbs: Dbs) -> tuple:
    return bookings(dbs.store), handoffs(dbs.store), conversations(dbs)


# --- --older-than ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("180d", timedelta(days=180)),
        ("26w", timedelta(weeks=26)),
        ("12h", timedelta(hours=12)),
        ("1D", timedelta(days=1)),
    ],
)
def test_ages_are_days_weeks_or_hours(text, age):
    assert privacy.parse_age(text) == age


@pytest.mark.parametrize(
    "value", ["180", "d", "180 days", "1.5d", "-5d", "0d", "6m", "180dd", "", "999999w"]
)
def test_a_bad_age_is_a_usage_error(value, capsys):
    err = usage_error(capsys, "privacy", "purge", "--older-than", value)

    assert "--older-than" in err


def test_older_than_is_required(capsys):
    assert "--older-than" in usage_error(capsys, "privacy", "purge")


@pytest.mark.parametrize("command", [["privacy", "purge"], ["privacy", "erase"]])
def test_privacy_commands_explain_themselves_in_help(command, capsys):
    description = help_description(capsys, *command).strip()

    assert description and "\n" not in description


# --- purge -----------------------------------------------------------------------------


def test_purge_deletes_idle_conversations_whole_and_keeps_active_ones(dbs, clinic):
    add_conversation(dbs, "idle", 200 * DAY, "hi", "does it hurt?")
    add_conversation(dbs, "idle-2", 181 * DAY)
    # Started long ago but still going on: kept whole, old events included.
    ongoing = add_conversation(dbs, "ongoing", 10 * DAY, "hi", "price?", first_ago=300 * DAY)
    recent = add_conversation(dbs, "recent", 1 * DAY)

    result = clinic(dbs, "privacy", "purge", "--older-than", "180d")

    assert result.code == 0, result.err
    assert conversations(dbs) == {"ongoing": ongoing, "recent": recent}
    assert "conversations deleted:  2 (" in result.out


def test_purge_anonymises_bookings_of_the_past_but_keeps_the_clinics_record(dbs, clinic):
    old = add_booking(dbs.store, 200 * DAY)
    old_cancelled = add_booking(
        dbs.store, 190 * DAY, BEA_NAME, None, BEA_EMAIL, "bea-web", BookingStatus.CANCELLED
    )
    recent = add_booking(dbs.store, 20 * DAY)
    upcoming = add_booking(dbs.store, -5 * DAY)
    before = bookings(dbs.store)

    result = clinic(dbs, "privacy", "purge", "--older-than", "26w")

    assert result.code == 0, result.err
    after = bookings(dbs.store)
    assert set(after) == {old, old_cancelled, recent, upcoming}  # no booking row deleted
    for ref in (old, old_cancelled):
        assert after[ref][:4] == (None, None, None, None)
        assert after[ref][4:] == before[ref][4:]  # status and times stay
    assert after[recent] == before[recent] and after[upcoming] == before[upcoming]
    assert "bookings anonymised:    2" in result.out


def test_purge_clears_old_handoff_requests_open_or_closed(dbs, clinic):
    old_closed = add_handoff(dbs.store, 200 * DAY, "a", ANN_PHONE, status=HandoffStatus.CLOSED)
    old_open = add_handoff(dbs.store, 181 * DAY, "b", BEA_EMAIL)
    recent = add_handoff(dbs.store, 3 * DAY, "c", CAL_PHONE)
    before = handoffs(dbs.store)

    result = clinic(dbs, "privacy", "purge", "--older-than", "180d")

    assert result.code == 0, result.err
    after = handoffs(dbs.store)
    assert after[old_closed] == (privacy.ERASED_SENDER, None, [], HandoffStatus.CLOSED)
    assert after[old_open] == (privacy.ERASED_SENDER, None, [], HandoffStatus.OPEN)
    assert after[recent] == before[recent]
    assert "handoffs cleared:       2" in result.out


def test_purge_in_hours(dbs, clinic):
    add_conversation(dbs, "yesterday", 13 * timedelta(hours=1))
    kept = add_conversation(dbs, "this-morning", 11 * timedelta(hours=1))

    result = clinic(dbs, "privacy", "purge", "--older-than", "12h")

    assert result.code == 0, result.err
    assert conversations(dbs) == {"this-morning": kept}


def test_purging_again_changes_nothing(sqlite_dbs, clinic):
    dbs = sqlite_dbs
    add_booking(dbs.store, 200 * DAY)
    add_handoff(dbs.store, 200 * DAY, contact=ANN_PHONE)
    add_conversation(dbs, "idle", 200 * DAY)
    clinic(dbs, "privacy", "purge", "--older-than", "180d")
    before = everything(dbs)

    again = clinic(dbs, "privacy", "purge", "--older-than", "180d")

    assert again.code == 0
    assert everything(dbs) == before
    assert "bookings anonymised:    0" in again.out
    assert "handoffs cleared:       0" in again.out
    assert "conversations deleted:  0 (0 events)" in again.out


def test_purge_without_tracker_db_url_touches_only_the_store_and_says_so(sqlite_dbs, clinic):
    dbs = sqlite_dbs
    ref = add_booking(dbs.store, 200 * DAY)
    idle = add_conversation(dbs, "idle", 200 * DAY)

    result = clinic(dbs, "privacy", "purge", "--older-than", "180d", tracker=False)

    assert result.code == 0, result.err
    assert bookings(dbs.store)[ref][:4] == (None, None, None, None)
    assert conversations(dbs) == {"idle": idle}
    assert "not touched (TRACKER_DB_URL is not set)" in result.out


def test_a_failure_during_purge_changes_nothing(dbs, clinic, monkeypatch):
    add_booking(dbs.store, 200 * DAY)
    add_handoff(dbs.store, 200 * DAY, contact=ANN_PHONE)
    add_conversation(dbs, "idle", 200 * DAY)
    before = everything(dbs)
    deleted = spy_on_deletes(monkeypatch)
    fail_at_the_last_step(monkeypatch)

    result = clinic(dbs, "privacy", "purge", "--older-than", "180d")

    assert result.code == 1
    assert "nothing was changed" in result.err
    assert deleted and sum(deleted) > 0  # the conversations had been deleted, then rolled back
    assert everything(dbs) == before


def test_a_tracker_database_without_rasas_events_table_is_refused(store_url, tmp_path, clinic):
    not_rasa = f"sqlite:///{tmp_path / 'not-rasa.db'}"
    engine = create_engine(not_rasa, future=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE other (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    ref = add_booking(store_url, 200 * DAY)

    result = clinic(Dbs(store_url, not_rasa, engine), "privacy", "purge", "--older-than", "180d")

    assert result.code == 1
    assert "no `events` table" in result.err
    assert bookings(store_url)[ref][0] == ANN_NAME


def test_a_tracker_sqlite_file_that_does_not_exist_is_refused(store_url, tmp_path, clinic):
    missing = tmp_path / "typo.db"
    ref = add_booking(store_url, 30 * DAY)

    result = clinic(
        Dbs(store_url, f"sqlite:///{missing}", None),  # type: ignore[arg-type]
        "privacy",
        "erase",
        "--contact",
        ANN_PHONE,
    )

    assert result.code == 1
    assert "does not exist" in result.err
    assert not missing.exists()
    assert bookings(store_url)[ref][0] == ANN_NAME


# --- erase -----------------------------------------------------------------------------


def test_erase_by_phone_removes_everything_about_the_person(dbs, clinic):
    # Ann: two bookings (web and WhatsApp), a handoff with her number, a handoff from her
    # booking conversation without a contact, and conversations that mention her number.
    ann_web = add_booking(dbs.store, 30 * DAY, sender_id="ann-web")
    ann_whatsapp = add_booking(
        dbs.store, 10 * DAY, sender_id=f"whatsapp:{ANN_PHONE}", status=BookingStatus.CANCELLED
    )
    with_contact = add_handoff(dbs.store, 5 * DAY, "ann-other", contact=ANN_PHONE)
    from_her_chat = add_handoff(dbs.store, 4 * DAY, "ann-web", said="I'd rather talk to someone")
    typed_in_handoff = add_handoff(
        dbs.store, 3 * DAY, "ann-3", said=f"call me on {ANN_PHONE_TYPED}"
    )
    add_conversation(dbs, "ann-web", 30 * DAY, "book a session", ANN_NAME)
    add_conversation(dbs, f"whatsapp:{ANN_PHONE}", 10 * DAY, "hi")
    add_conversation(dbs, "ann-other", 5 * DAY, "talk to a person")
    add_conversation(dbs, "ann-typed", 2 * DAY, f"it's {ANN_PHONE_TYPED}, thanks")
    add_conversation(dbs, "ann-intl", 2 * DAY, "+44 (0)7911 123456")
    add_conversation(dbs, "ann-slot", 2 * DAY, "book please")
    add_slot_event(dbs, "ann-slot", "contact", ANN_PHONE, 2 * DAY)
    # Others: kept exactly as they are.
    bea = add_booking(dbs.store, 30 * DAY, BEA_NAME, None, BEA_EMAIL, "bea-web")
    cal = add_booking(dbs.store, 30 * DAY, "Cal", CAL_PHONE, None, "cal-web")
    bea_handoff = add_handoff(dbs.store, 5 * DAY, "bea-web", contact=BEA_EMAIL)
    near_miss = add_handoff(dbs.store, 5 * DAY, "dee", said="my number is 07911 123 4567")
    bea_chat = add_conversation(dbs, "bea-web", 30 * DAY, "hello", BEA_EMAIL)
    cal_chat = add_conversation(dbs, "cal-web", 30 * DAY, "+447400 123456")
    near_chat = add_conversation(dbs, "near-miss", 1 * DAY, f"{ANN_PHONE}9 is my number")
    others_before = (bookings(dbs.store)[bea], bookings(dbs.store)[cal], handoffs(dbs.store))

    result = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE_TYPED)

    assert result.code == 0, result.err
    after = bookings(dbs.store)
    for ref in (ann_web, ann_whatsapp):
        assert after[ref][:4] == (None, None, None, None)
    assert after[ann_web][4] is BookingStatus.CONFIRMED
    assert after[ann_whatsapp][4] is BookingStatus.CANCELLED
    assert (after[bea], after[cal]) == others_before[:2]
    cleared = handoffs(dbs.store)
    for handoff in (with_contact, from_her_chat, typed_in_handoff):
        assert cleared[handoff][:3] == (privacy.ERASED_SENDER, None, [])
    assert cleared[bea_handoff] == others_before[2][bea_handoff]
    assert cleared[near_miss] == others_before[2][near_miss]
    assert conversations(dbs) == {"bea-web": bea_chat, "cal-web": cal_chat, "near-miss": near_chat}
    assert f"bookings anonymised:    2 ({ann_web}, {ann_whatsapp})" in result.out
    assert "handoffs cleared:       3" in result.out
    # ann-web, whatsapp:<her number>, ann-other, ann-typed, ann-intl, ann-slot
    assert "conversations deleted:  6" in result.out


def test_erase_by_email_ignores_case_and_does_not_touch_lookalikes(dbs, clinic):
    bea = add_booking(dbs.store, 30 * DAY, BEA_NAME, None, BEA_EMAIL, "bea-web")
    other = add_booking(dbs.store, 30 * DAY, "Abbea", None, "abbea.smith@example.com", "x")
    handoff = add_handoff(dbs.store, 5 * DAY, "bea-2", contact=BEA_EMAIL.upper())
    add_conversation(dbs, "bea-web", 30 * DAY, "hello")
    add_conversation(dbs, "bea-typed", 3 * DAY, f"write to {BEA_EMAIL.lower()}.")
    lookalike = add_conversation(dbs, "lookalike", 3 * DAY, "mail x.bea.smith@example.com")
    longer = add_conversation(dbs, "longer", 3 * DAY, "bea.smith@example.com.au please")

    result = clinic(dbs, "privacy", "erase", "--contact", "  BEA.smith@EXAMPLE.com ")

    assert result.code == 0, result.err
    after = bookings(dbs.store)
    assert after[bea][:4] == (None, None, None, None)
    assert after[other][:3] == ("Abbea", None, "abbea.smith@example.com")
    assert handoffs(dbs.store)[handoff][:3] == (privacy.ERASED_SENDER, None, [])
    assert conversations(dbs) == {"lookalike": lookalike, "longer": longer}
    assert "conversations deleted:  2" in result.out


def test_erase_of_an_unknown_contact_finds_nothing_and_changes_nothing(dbs, clinic):
    add_booking(dbs.store, 30 * DAY)
    add_handoff(dbs.store, 5 * DAY, contact=ANN_PHONE)
    add_conversation(dbs, "ann-web", 30 * DAY, ANN_PHONE_TYPED)
    before = everything(dbs)

    result = clinic(dbs, "privacy", "erase", "--contact", "nobody@example.org")

    assert result.code == 0, result.err
    assert result.out.startswith("Nothing found for n*****@example.org.")
    assert everything(dbs) == before


def test_erase_without_tracker_db_url_touches_only_the_store_and_says_so(sqlite_dbs, clinic):
    dbs = sqlite_dbs
    ref = add_booking(dbs.store, 30 * DAY)
    chat = add_conversation(dbs, "ann-web", 30 * DAY)

    result = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE, tracker=False)
    unknown = clinic(dbs, "privacy", "erase", "--contact", CAL_PHONE, tracker=False)

    assert result.code == 0, result.err
    assert bookings(dbs.store)[ref][:4] == (None, None, None, None)
    assert conversations(dbs) == {"ann-web": chat}
    assert "not touched (TRACKER_DB_URL is not set)" in result.out
    assert unknown.code == 0 and "Nothing found" in unknown.out
    assert "not touched (TRACKER_DB_URL is not set)" in unknown.out


@pytest.mark.parametrize("contact", ["not a contact", "12345", "ann@", "call me maybe"])
def test_an_invalid_contact_is_an_error_with_exit_2(sqlite_dbs, clinic, contact):
    before = everything(sqlite_dbs)

    result = clinic(sqlite_dbs, "privacy", "erase", "--contact", contact)

    assert result.code == 2
    assert result.out == ""
    assert "not a valid phone number or email address" in result.err
    assert everything(sqlite_dbs) == before


def test_an_empty_contact_is_a_usage_error(capsys):
    assert "empty" in usage_error(capsys, "privacy", "erase", "--contact", "  ")


def test_erase_warns_about_appointments_still_to_come(sqlite_dbs, clinic):
    past = add_booking(sqlite_dbs.store, 30 * DAY)
    upcoming = add_booking(sqlite_dbs.store, -7 * DAY)
    cancelled = add_booking(sqlite_dbs.store, -8 * DAY, status=BookingStatus.CANCELLED)

    result = clinic(sqlite_dbs, "privacy", "erase", "--contact", ANN_PHONE)

    assert result.code == 0, result.err
    note = result.out.splitlines()[-1]
    assert note.startswith(f"Note: {upcoming} still to come")
    assert past not in note and cancelled not in note
    assert bookings(sqlite_dbs.store)[upcoming][4] is BookingStatus.CONFIRMED


def test_erase_prints_and_logs_no_personal_data(dbs, clinic, caplog):
    add_booking(dbs.store, 30 * DAY)
    add_handoff(dbs.store, 5 * DAY, "ann-web", contact=ANN_PHONE)
    add_conversation(dbs, "ann-web", 30 * DAY, ANN_NAME, ANN_PHONE_TYPED)
    caplog.set_level(logging.DEBUG)

    result = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE)

    assert result.code == 0, result.err
    shown = result.out + result.err + caplog.text
    for secret in (ANN_PHONE, ANN_PHONE_TYPED, "7911123456", ANN_NAME):
        assert secret not in shown
    assert "+44*******456" in result.out


def test_a_failure_during_erase_changes_nothing_and_tells_no_secrets(dbs, clinic, monkeypatch):
    add_booking(dbs.store, 30 * DAY)
    add_handoff(dbs.store, 5 * DAY, "ann-web", contact=ANN_PHONE)
    add_conversation(dbs, "ann-web", 30 * DAY, ANN_PHONE_TYPED)
    before = everything(dbs)
    deleted = spy_on_deletes(monkeypatch)
    fail_at_the_last_step(monkeypatch)

    result = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE)

    assert result.code == 1
    assert "nothing was changed" in result.err and ANN_PHONE not in result.err
    assert deleted and sum(deleted) > 0  # the conversation had been deleted, then rolled back
    assert everything(dbs) == before


def test_a_store_commit_failing_after_the_tracker_commit_is_finished_by_running_again(
    dbs, clinic, monkeypatch
):
    ref = add_booking(dbs.store, 30 * DAY, sender_id="ann-web")
    add_conversation(dbs, "ann-web", 30 * DAY)
    kept = add_conversation(dbs, "bea-web", 30 * DAY)
    real_commit = RootTransaction.commit

    def commit(transaction):
        if transaction.connection.engine.url == make_url(dbs.store):
            raise OperationalError("COMMIT", {}, Exception("disk full"))
        return real_commit(transaction)

    monkeypatch.setattr(RootTransaction, "commit", commit)
    failed = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE)
    monkeypatch.setattr(RootTransaction, "commit", real_commit)

    assert failed.code == 1
    assert "run the command again" in failed.err
    assert bookings(dbs.store)[ref][0] == ANN_NAME  # the store rolled back
    assert conversations(dbs) == {"bea-web": kept}  # the tracker store had committed

    again = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE)

    assert again.code == 0, again.err
    assert bookings(dbs.store)[ref][:4] == (None, None, None, None)
    assert "conversations deleted:  0" in again.out


# --- the tracker store in the store's own database -------------------------------------


def test_purge_and_erase_with_the_tracker_in_the_stores_database(shared_dbs, clinic):
    dbs = shared_dbs
    old = add_booking(dbs.store, 200 * DAY, sender_id="ann-old")
    add_conversation(dbs, "ann-old", 200 * DAY)
    bea = add_booking(dbs.store, 10 * DAY, BEA_NAME, None, BEA_EMAIL, "bea-web")
    add_conversation(dbs, "bea-web", 10 * DAY, BEA_EMAIL)
    kept = add_conversation(dbs, "cal", 1 * DAY)

    purged = clinic(dbs, "privacy", "purge", "--older-than", "180d")
    erased = clinic(dbs, "privacy", "erase", "--contact", BEA_EMAIL)

    assert (purged.code, erased.code) == (0, 0), purged.err + erased.err
    after = bookings(dbs.store)
    assert after[old][:4] == after[bea][:4] == (None, None, None, None)
    assert conversations(dbs) == {"cal": kept}


def test_a_failure_with_the_tracker_in_the_stores_database_changes_nothing(
    shared_dbs, clinic, monkeypatch
):
    dbs = shared_dbs
    add_booking(dbs.store, 30 * DAY)
    add_conversation(dbs, "ann-web", 30 * DAY)
    before = everything(dbs)
    fail_at_the_last_step(monkeypatch)

    result = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE)

    assert result.code == 1
    assert everything(dbs) == before


# --- helpers for failures --------------------------------------------------------------


def spy_on_deletes(monkeypatch) -> list[int]:
    """Counts of events each conversation delete removed (before any rollback)."""
    counts: list[int] = []
    real = tracker_store.delete_conversations

    def spy(tracker, senders):
        counts.append(real(tracker, senders))
        return counts[-1]

    monkeypatch.setattr(tracker_store, "delete_conversations", spy)
    return counts


def fail_at_the_last_step(monkeypatch) -> None:
    """The database fails on the last write, after bookings and conversations were changed."""

    def broken(store, ids):
        raise OperationalError(
            "UPDATE handoff_requests ...", {"contact": ANN_PHONE}, Exception("disk I/O error")
        )

    monkeypatch.setattr(store_steps, "clear_handoffs", broken)


def test_erase_finds_conversations_kept_under_the_id_used_before_migration_0003(dbs, clinic):
    # The booking was rewritten to "rest:ann-web" by the migration; Rasa's tracker store
    # still holds her older conversation under the bare "ann-web" (and a new one).
    add_booking(dbs.store, 30 * DAY, sender_id="rest:ann-web")
    add_conversation(dbs, "ann-web", 30 * DAY, "book a session")
    add_conversation(dbs, "rest:ann-web", 20 * DAY, "cancel it")
    bea_chat = add_conversation(dbs, "bea-web", 30 * DAY, "hello")

    result = clinic(dbs, "privacy", "erase", "--contact", ANN_PHONE)

    assert result.code == 0, result.err
    assert conversations(dbs) == {"bea-web": bea_chat}
