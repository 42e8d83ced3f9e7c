"""The front desk console against a real SQLite store, served by uvicorn on a free port.

Requests go over HTTP (`requests`), as a browser's would: login, CSRF, lockout, the
diary's changes through the booking service, the inbox's takeover and replies.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import requests
import uvicorn
from sqlalchemy import func, select
from starlette.routing import Route

from bot.booking.contact import Contact
from bot.booking.service import BookingRequest, BookingService
from bot.console.accounts import MAX_FAILURES, StaffAccounts
from bot.console.app import build_app
from bot.handoff import HandoffQueue
from bot.settings import Settings
from bot.store.models import AuditEntry, Booking, OutboxMessage, StaffAccount
from bot.store.session import session_scope
from bot.takeover import held_by_staff, hold_for_staff
from tests.servers import check_servers_allowed, free_port

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclasses.dataclass
class Console:
    url: str
    store_url: str
    app: object

    def session(self) -> requests.Session:
        return requests.Session()

    def login(self, name: str = "Robin", password: str = PASSWORD) -> requests.Session:
        browser = requests.Session()
        token = csrf_of(browser.get(f"{self.url}/login"))
        response = browser.post(
            f"{self.url}/login",
            data={"name": name, "password": password, "csrf_token": token, "next": "/"},
        )
        assert response.status_code == 200 and "Log out" in response.text, response.text[:500]
        return browser


def csrf_of(response: requests.Response) -> str:
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF token on {response.url}"
    return match.group(1)


def audit_rows(store_url: str) -> list[tuple[str, str, str]]:
    with session_scope(store_url) as session:
        return [
            (row.staff_name, row.action, row.target)
            for row in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


@pytest.fixture
def console(store_url: str, tmp_path) -> Iterator[Console]:
    check_servers_allowed("the console server")
    StaffAccounts(store_url).add("Robin", PASSWORD, by="test")
    settings = dataclasses.replace(
        Settings.from_env({}), database_url=store_url, console_secret_key="test-secret"
    )
    app = build_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the console did not start"
    try:
        yield Console(f"http://127.0.0.1:{port}", store_url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def concrete(path: str) -> str:
    return path.replace("{handoff_id:int}", "1").replace("{ref}", "FA-AAAA")


def app_routes(app) -> list[tuple[str, str]]:
    return [
        (method, concrete(route.path))
        for route in app.routes
        if isinstance(route, Route)
        for method in sorted(route.methods - {"HEAD"})
    ]


# --- access -------------------------------------------------------------------------------


@pytest.mark.servers
def test_every_route_but_login_needs_a_session(console: Console) -> None:
    routes = app_routes(console.app)
    assert len(routes) >= 20
    for method, path in routes:
        if path == "/login":
            continue
        response = requests.request(
            method, console.url + path, allow_redirects=False, headers={"Accept": "text/html"}
        )
        if method == "GET":
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login"), path
        else:
            assert response.status_code == 401, (method, path, response.status_code)
    # The page's polling (JSON) gets 401 rather than a login page.
    polled = requests.get(
        console.url + "/inbox/1/lines", headers={"Accept": "application/json"},
        allow_redirects=False,
    )
    assert polled.status_code == 401
    assert requests.get(console.url + "/login").status_code == 200


@pytest.mark.servers
def test_every_form_without_its_csrf_token_gets_403(console: Console) -> None:
    browser = console.login()
    before = audit_rows(console.store_url)
    for method, path in app_routes(console.app):
        if method != "POST":
            continue
        response = browser.post(console.url + path, data={"text": "hello"}, allow_redirects=False)
        assert response.status_code == 403, (path, response.status_code)
        wrong = browser.post(
            console.url + path, data={"csrf_token": "forged"}, allow_redirects=False
        )
        assert wrong.status_code == 403, path
    assert audit_rows(console.store_url) == before  # nothing happened
    assert "Log out" in browser.get(console.url + "/inbox").text  # still logged in


@pytest.mark.servers
def test_session_cookie_is_httponly_and_samesite(console: Console) -> None:
    browser = console.login()
    cookie = next(c for c in browser.cookies if c.name == "clinic_console")
    assert cookie.has_nonstandard_attr("HttpOnly") or cookie.has_nonstandard_attr("httponly")
    response = requests.get(console.url + "/login")
    assert "samesite=lax" in response.headers["set-cookie"].lower()
    assert "httponly" in response.headers["set-cookie"].lower()


@pytest.mark.servers
def test_five_failed_logins_lock_the_account(console: Console) -> None:
    browser = requests.Session()
    for _ in range(MAX_FAILURES):
        token = csrf_of(browser.get(console.url + "/login"))
        response = browser.post(
            console.url + "/login",
            data={"name": "Robin", "password": "wrong password", "csrf_token": token},
        )
        assert response.status_code == 401
    token = csrf_of(browser.get(console.url + "/login"))
    response = browser.post(
        console.url + "/login",
        data={"name": "Robin", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 401 and "locked" in response.text
    assert "Log out" not in response.text


def test_lockout_ends_after_a_while_and_counts_only_failures_in_a_row(store_url: str) -> None:
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)]
    accounts = StaffAccounts(store_url, clock=lambda: now[0])
    accounts.add("Sam", PASSWORD, by="test")
    for _ in range(MAX_FAILURES - 1):
        assert not accounts.authenticate("Sam", "nope nope nope").ok
    assert accounts.authenticate("Sam", PASSWORD).ok  # a success resets the count
    for _ in range(MAX_FAILURES):
        assert not accounts.authenticate("Sam", "nope nope nope").ok
    locked = accounts.authenticate("Sam", PASSWORD)
    assert not locked.ok and locked.locked_until is not None
    now[0] = locked.locked_until + timedelta(seconds=1)
    assert accounts.authenticate("Sam", PASSWORD).ok


@pytest.mark.servers
def test_disabled_or_reset_accounts_lose_their_sessions(console: Console) -> None:
    browser = console.login()
    StaffAccounts(console.store_url).reset_password("Robin", "another good password", by="t")
    response = browser.get(console.url + "/inbox", allow_redirects=False)
    assert response.status_code == 303
    browser = console.login(password="another good password")
    StaffAccounts(console.store_url).disable("Robin", by="test")
    assert browser.get(console.url + "/inbox", allow_redirects=False).status_code == 303


@pytest.mark.servers
def test_password_hashes_are_never_logged_or_shown(
    console: Console, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture
) -> None:
    from bot import cli

    caplog.set_level(logging.DEBUG)
    with session_scope(console.store_url) as session:
        stored = session.execute(select(StaffAccount.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    browser = console.login()
    wrong = requests.Session()
    token = csrf_of(wrong.get(console.url + "/login"))
    wrong.post(console.url + "/login", data={"name": "Robin", "password": "x", "csrf_token": token})
    pages = "".join(browser.get(console.url + path).text for path in ("/inbox", "/audit", "/diary"))
    # The console serves the test's own store, the one the settings point at.
    assert cli.main(["staff", "list", "--json"]) == 0
    assert cli.main(["staff", "list"]) == 0
    printed = capsys.readouterr()
    listed = repr(StaffAccounts(console.store_url).list())
    for text in (pages, printed.out, printed.err, caplog.text, listed):
        assert "$argon2" not in text and stored not in text and PASSWORD not in text


# --- diary ----------------------------------------------------------------------------------


def first_free_slot(store_url: str, days_ahead: int = 2):
    service = BookingService(store_url)
    day = datetime.now(service.timezone()).date() + timedelta(days=days_ahead)
    for offset in range(14):
        slots = service.slots_on(day + timedelta(days=offset))
        if len(slots) >= 2:
            return slots
    raise AssertionError("no free slots in two weeks")


def assistant_booking(store_url: str, slot) -> str:
    record = BookingService(store_url).book(
        BookingRequest("Sam Client", Contact(phone="+447911123456", email=None), slot, True,
                       "widget", "widget-sender")
    )
    return record.ref


@pytest.mark.servers
def test_a_staff_cancel_frees_the_slot_for_the_assistant_at_once(console: Console) -> None:
    slot = first_free_slot(console.store_url)[0]
    ref = assistant_booking(console.store_url, slot)
    day = slot.start.date()
    assert slot.start not in [s.start for s in BookingService(console.store_url).slots_on(day)
                              if s.practitioner_id == slot.practitioner_id]
    browser = console.login()
    page = browser.get(f"{console.url}/diary/booking/{ref}")
    assert "Sam Client" in page.text and "+447911123456" in page.text
    response = browser.post(
        f"{console.url}/diary/booking/{ref}/cancel", data={"csrf_token": csrf_of(page)}
    )
    assert response.status_code == 200 and f"Cancelled {ref}" in response.text
    # The assistant (its own service object, its own sessions) sees the slot free again
    # and can book it: the unique index on confirmed bookings no longer holds it.
    again = BookingService(console.store_url)
    assert any(
        s.start == slot.start and s.practitioner_id == slot.practitioner_id
        for s in again.slots_on(day)
    )
    assert assistant_booking(console.store_url, slot) != ref
    assert ("Robin", "booking_cancelled", ref) in audit_rows(console.store_url)


@pytest.mark.servers
def test_move_and_phone_booking_use_the_services_checks(console: Console) -> None:
    first, second = first_free_slot(console.store_url)[:2]
    ref = assistant_booking(console.store_url, first)
    other = assistant_booking(console.store_url, second)
    browser = console.login()
    page = browser.get(f"{console.url}/diary/booking/{ref}")
    token = csrf_of(page)
    taken_value = f"{second.practitioner_id}@{second.start.isoformat()}"
    response = browser.post(
        f"{console.url}/diary/booking/{ref}/move",
        data={"csrf_token": token, "day": second.start.date().isoformat(), "slot": taken_value},
    )
    assert "no longer free" in response.text  # someone else's slot: refused, nothing changed
    with session_scope(console.store_url) as session:
        assert session.execute(select(Booking.starts_at).where(Booking.ref == ref)).scalar_one() \
            == first.start
    free = BookingService(console.store_url).slots_on(first.start.date())
    target = next(s for s in free if s.start != first.start)
    response = browser.post(
        f"{console.url}/diary/booking/{ref}/move",
        data={"csrf_token": token, "day": target.start.date().isoformat(),
              "slot": f"{target.practitioner_id}@{target.start.isoformat()}"},
    )
    assert f"Moved {ref}" in response.text
    # A phone booking into the slot the move freed: no consent, no booking.
    values = {"csrf_token": token, "day": first.start.date().isoformat(),
              "slot": f"{first.practitioner_id}@{first.start.isoformat()}",
              "name": "Alex Caller", "contact": "07911 123457"}
    response = browser.post(f"{console.url}/diary/new", data=values)
    assert response.status_code == 400 and "tick the box" in response.text
    response = browser.post(f"{console.url}/diary/new", data={**values, "consent": "yes"})
    assert response.status_code == 200 and "Booked FA-" in response.text
    with session_scope(console.store_url) as session:
        phone = session.execute(select(Booking).where(Booking.channel == "phone")).scalar_one()
        assert phone.client_name == "Alex Caller" and phone.phone == "+447911123457"
        assert phone.starts_at == first.start
    actions = [row[1] for row in audit_rows(console.store_url) if row[0] == "Robin"]
    assert actions == ["booking_moved", "booking_added"]
    assert other  # untouched


# --- inbox ----------------------------------------------------------------------------------


def open_handoff(store_url: str, channel: str = "widget", sender: str = "s-1") -> int:
    return HandoffQueue(store_url).open(
        channel, sender,
        [{"from": "client", "text": "<b>can I talk to someone</b>"},
         {"from": "assistant", "text": "Of course."}],
        contact="sam@example.org",
    ).id


@pytest.mark.servers
def test_takeover_silences_the_assistant_and_replies_go_to_the_outbox(console: Console) -> None:
    handoff_id = open_handoff(console.store_url)
    browser = console.login()
    inbox = browser.get(console.url + "/inbox/list")
    assert f"Request {handoff_id}" in inbox.text
    assert "&lt;b&gt;can I talk to someone&lt;/b&gt;" in inbox.text  # text, not HTML
    page = browser.get(f"{console.url}/inbox/{handoff_id}")
    token = csrf_of(page)
    assert not held_by_staff("widget", "s-1", "hello?", console.store_url)
    browser.post(f"{console.url}/inbox/{handoff_id}/take", data={"csrf_token": token})
    # Client messages now stay with staff (kept in the transcript), whatever Rasa instance
    # receives them.
    assert held_by_staff("widget", "s-1", "hello? anyone there", console.store_url)
    assert not held_by_staff("widget", "someone-else", "hi", console.store_url)
    lines = browser.get(f"{console.url}/inbox/{handoff_id}/lines?after=0").json()
    assert [line["text"] for line in lines["lines"] if line["author"] == "client"] == [
        "hello? anyone there"
    ]
    assert lines["taken_by"] == "Robin"
    browser.post(f"{console.url}/inbox/{handoff_id}/reply",
                 data={"csrf_token": token, "text": "Hi, this is Robin at the front desk."})
    with session_scope(console.store_url) as session:
        replies = session.execute(
            select(OutboxMessage).where(OutboxMessage.kind == "staff_reply")
        ).scalars().all()
        assert [(r.channel, r.recipient, r.body["text"]) for r in replies] == [
            ("widget", "s-1", "Hi, this is Robin at the front desk.")
        ]
    browser.post(f"{console.url}/inbox/{handoff_id}/hand-back", data={"csrf_token": token})
    assert not held_by_staff("widget", "s-1", "does it hurt?", console.store_url)
    assert f"Request {handoff_id}" not in browser.get(console.url + "/inbox/list").text
    assert [row[1] for row in audit_rows(console.store_url) if row[0] == "Robin"] == [
        "handoff_taken", "handoff_reply", "handoff_handed_back"
    ]


@pytest.mark.servers
def test_rest_clients_cannot_be_written_to(console: Console) -> None:
    handoff_id = open_handoff(console.store_url, channel="rest", sender="r-1")
    browser = console.login()
    page = browser.get(f"{console.url}/inbox/{handoff_id}")
    assert "Call or email this client" in page.text and 'id="reply-text"' not in page.text
    token = csrf_of(page)
    browser.post(f"{console.url}/inbox/{handoff_id}/take", data={"csrf_token": token})
    response = browser.post(f"{console.url}/inbox/{handoff_id}/reply",
                            data={"csrf_token": token, "text": "hello"})
    assert "call or email them" in response.text
    with session_scope(console.store_url) as session:
        count = session.execute(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "staff_reply")
        ).scalar_one()
    assert count == 0
    browser.post(f"{console.url}/inbox/{handoff_id}/close", data={"csrf_token": token})
    assert not held_by_staff("rest", "r-1", "hi", console.store_url)


def test_the_channel_gate_keeps_held_messages_from_rasa(store_url: str) -> None:
    handoff_id = open_handoff(store_url, sender="s-9")
    from bot.console.inbox import Inbox

    passed, sent = [], []

    class Output:
        async def send_text_message(self, recipient: str, text: str) -> None:
            sent.append(text)

    @dataclasses.dataclass
    class Message:
        text: str
        sender_id: str = "s-9"
        input_channel: str = "widget"
        output_channel: object = dataclasses.field(default_factory=Output)

    async def rasa(message) -> None:
        passed.append(message.text)

    gate = hold_for_staff(rasa, database_url=store_url)
    asyncio.run(gate(Message("before")))
    Inbox(store_url).take(handoff_id, "Robin")
    asyncio.run(gate(Message("while taken")))
    Inbox(store_url).close(handoff_id, "Robin")
    asyncio.run(gate(Message("after")))
    assert passed == ["before", "after"] and sent == []
    # An emergency typed while staff own the conversation gets urgent-care advice at once.
    from tests.test_safety import EMERGENCIES

    Inbox(store_url).take(open_handoff(store_url, sender="s-9"), "Robin")
    asyncio.run(gate(Message(EMERGENCIES[0])))
    from bot.answers import Answers

    assert passed == ["before", "after"] and sent == [Answers(store_url).emergency()]
    broken = hold_for_staff(rasa, database_url="sqlite:////nonexistent/dir/x.db")
    asyncio.run(broken(Message("store down")))  # fails open: the assistant still answers
    assert passed[-1] == "store down"


@pytest.mark.servers
def test_every_change_has_an_audit_row(console: Console) -> None:
    slots = first_free_slot(console.store_url)
    ref = assistant_booking(console.store_url, slots[0])
    browser = console.login()
    token = csrf_of(browser.get(console.url + "/inbox"))
    changes = [
        (f"/diary/booking/{ref}/cancel", {}, "booking_cancelled"),
        ("/diary/new", {"day": slots[1].start.date().isoformat(), "consent": "yes",
                        "slot": f"{slots[1].practitioner_id}@{slots[1].start.isoformat()}",
                        "name": "Jo Phone", "contact": "jo@example.org"}, "booking_added"),
    ]
    handoff_id = open_handoff(console.store_url, sender="s-2")
    changes += [
        (f"/inbox/{handoff_id}/take", {}, "handoff_taken"),
        (f"/inbox/{handoff_id}/reply", {"text": "Hello"}, "handoff_reply"),
        (f"/inbox/{handoff_id}/close", {}, "handoff_closed"),
    ]
    for path, data, action in changes:
        before = len(audit_rows(console.store_url))
        browser.post(console.url + path, data={"csrf_token": token, **data})
        rows = audit_rows(console.store_url)
        assert len(rows) == before + 1 and rows[-1][:2] == ("Robin", action), (path, rows[-1])
    audit_page = browser.get(console.url + "/audit").text
    assert "handoff closed" in audit_page and ref in audit_page


@pytest.mark.servers
def test_pages_render_for_a_tablet_and_escape_client_text(console: Console) -> None:
    handoff_id = open_handoff(console.store_url, sender="s-3")
    browser = console.login()
    for path in ("/inbox", f"/inbox/{handoff_id}", "/diary", "/diary/new", "/ask",
                 "/knowledge", "/audit"):
        response = browser.get(console.url + path)
        assert response.status_code == 200, path
        assert 'name="viewport"' in response.text
        assert "<b>can I talk" not in response.text
        assert response.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in response.headers["content-security-policy"]
    knowledge = browser.get(console.url + "/knowledge").text
    assert "OK:" in knowledge and "never recorded" not in knowledge


def test_privacy_purge_also_forgets_what_was_said_after_the_request(store_url: str) -> None:
    from bot.console.inbox import Inbox
    from bot.privacy import purge
    from bot.store.models import HandoffMessage

    handoff_id = open_handoff(store_url, sender="s-7")
    Inbox(store_url).take(handoff_id, "Robin")
    assert held_by_staff("widget", "s-7", "my number is 07911 123456", store_url)
    time.sleep(0.01)
    report = purge(store_url, timedelta(0), None)
    assert report.handoffs_cleared == 1
    with session_scope(store_url) as session:
        assert session.execute(select(func.count(HandoffMessage.id))).scalar_one() == 0
    assert not held_by_staff("widget", "s-7", "hi", store_url)


@pytest.mark.servers
def test_the_ask_box_gives_the_vetted_answer_with_its_sources(console: Console) -> None:
    import html

    from bot.answers import Answers
    from bot.store.queries import topic_for_intent
    from tests.servers import require_model

    require_model()
    browser = console.login()
    token = csrf_of(browser.get(console.url + "/ask"))
    response = browser.post(console.url + "/ask",
                            data={"csrf_token": token, "question": "does it hurt much?"})
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "ask_pain" in page
    assert Answers(console.store_url).topic("ask_pain").split("\n")[0] in page
    with session_scope(console.store_url) as session:
        sources = topic_for_intent(session, "ask_pain").sources
    assert sources and all(source in page for source in sources)
    empty = browser.post(console.url + "/ask", data={"csrf_token": token, "question": "  "})
    assert empty.status_code == 400


def test_behind_tls_the_session_cookie_is_secure(store_url: str) -> None:
    settings = dataclasses.replace(
        Settings.from_env({}), database_url=store_url, console_secret_key="k", console_https=True
    )
    app = build_app(settings)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "GET", "path": "/login", "raw_path": b"/login",
        "query_string": b"", "headers": [(b"host", b"desk.example"), (b"accept", b"text/html")],
        "scheme": "https", "server": ("desk.example", 443), "client": ("127.0.0.1", 1),
        "root_path": "", "http_version": "1.1",
    }
    asyncio.run(app(scope, receive, send))
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 200
    cookie = headers[b"set-cookie"].decode().lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_clinic_staff_commands(store_url: str, monkeypatch, capsys) -> None:
    import io

    from bot import cli

    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli.main(["staff", "add", "Sam Desk", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["staff", "add", "Jo", "--password-stdin"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli.main(["staff", "add", "Sam Desk", "--password-stdin"]) == 1  # exists
    assert cli.main(["staff", "disable", "Sam Desk"]) == 0
    assert not StaffAccounts(store_url).authenticate("Sam Desk", "a long enough password").ok
    assert cli.main(["staff", "enable", "Sam Desk"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert cli.main(["staff", "reset-password", "Sam Desk", "--password-stdin"]) == 0
    assert StaffAccounts(store_url).authenticate("Sam Desk", "another long password").ok
    assert cli.main(["staff", "disable", "Nobody"]) == 1
    assert cli.main(["staff", "list"]) == 0
    out = capsys.readouterr()
    assert "Sam Desk" in out.out and "at least 10 characters" in out.err
    assert "no staff account named 'Nobody'" in out.err
    actions = [row[1] for row in audit_rows(store_url)]
    assert actions == ["staff_added", "staff_disabled", "staff_enabled", "staff_password_reset"]
