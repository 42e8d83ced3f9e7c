"""The front desk console and the website widget in a real browser, against the real servers.

Debian's headless Chromium driven by Playwright (as in tests/test_widget_browser.py);
the action server, `rasa run` (widget channel), the console (`python -m bot.console`)
and the outbox sender (`clinic outbox run`) run as `make run` starts them, on free ports.
A member of staff logs in; a client asks for a person in the widget; the request
appears in the console without a reload; staff take it and the client's next message
gets no reply from the assistant; staff reply and the client sees it; staff hand back
and the assistant answers again. Screenshots go to results/console/ (copy them to
docs/ to refresh the README's pictures).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.answers import Answers
from bot.booking.contact import Contact
from bot.booking.service import BookingRequest, BookingService
from bot.console.accounts import StaffAccounts
from bot.settings import PROJECT_ROOT
from tests.channels.test_widget_browser import REPLY_TIMEOUT_MS
from tests.servers import (
    BIN,
    Server,
    action_server,
    base_env,
    check_servers_allowed,
    chromium,
    endpoints_for,
    free_port,
    rasa_server,
    require_model,
    running,
    sqlite_store,
)

# Every test here starts servers (see the marker in pyproject.toml).
pytestmark = pytest.mark.servers

try:
    from playwright.sync_api import Browser, Page, expect
except ImportError as error:  # fail (not skip) with the reason: the package is locked
    pytest.fail(f"playwright is not installed ({error}): run `make setup`", pytrace=False)

RESULTS = PROJECT_ROOT / "results" / "console"
STAFF, PASSWORD = "Robin", "front desk password 1"
QUIET_WAIT_MS = 5000  # how long the client's held message must stay unanswered


class Process:
    """A server without an HTTP health route (the outbox sender): up while it runs."""

    def __init__(self, name: str, command: list, env: dict, logs: Path) -> None:
        self.name, self.command, self.env = name, command, env
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.health_url = ""

    def start(self) -> None:
        check_servers_allowed(f"the {self.name} process")
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.env, stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )

    def wait_up(self, timeout: float = 0) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")

    stop = Server.stop


def sample_diary(store_url: str) -> str:
    """A few bookings (invented clients) so the diary screenshot has something in it."""
    service = BookingService(store_url)
    today = datetime.now(service.timezone()).date()
    clients = [("Maya Example", "+447911123401"), ("Jon Sample", "jon@example.org"),
               ("Ada Placeholder", "+447911123402"), ("Lee Demo", "lee@example.org")]
    for offset in range(14):
        day = today + timedelta(days=offset)
        slots = service.slots_on(day)
        if len(slots) >= 6:
            break
    for (name, contact), slot in zip(clients, slots[::2], strict=False):
        service.book(BookingRequest(
            name,
            Contact(phone=None, email=contact) if "@" in contact else Contact(contact, None),
            slot, True, "widget", None,
        ))
    return day.isoformat()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    require_model()
    workdir = tmp_path_factory.mktemp("console")
    store = sqlite_store(workdir)
    StaffAccounts(store).add(STAFF, PASSWORD, by="test")
    diary_day = sample_diary(store)
    console_port = free_port()
    env = base_env(
        DATABASE_URL=store,
        CONSOLE_PORT=str(console_port),
        CONSOLE_SECRET_KEY="browser-test-secret",
        OUTBOX_SECRET="browser-test-outbox-secret",
    )
    actions = action_server(env, workdir)
    rasa = rasa_server(env, workdir, endpoints_for(actions, workdir), extra=["--cors", "*"])
    rasa_base = rasa.health_url.rstrip("/")
    rasa.env["WIDGET_ALLOWED_ORIGINS"] = rasa_base
    sender_env = {**env, "WIDGET_PUSH_URL": f"{rasa_base}/webhooks/widget/push"}
    console = Server(
        "console", [BIN / "python", "-m", "bot.console"], env,
        f"http://127.0.0.1:{console_port}/login", workdir,
    )
    sender = Process(
        "outbox", [BIN / "clinic", "outbox", "run", "--poll", "0.5"], sender_env, workdir
    )
    with running(actions, rasa, console, sender):
        yield {
            "rasa": rasa_base,
            "console": f"http://127.0.0.1:{console_port}",
            "store": store,
            "diary_day": diary_day,
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def new_page(browser: Browser, errors: list[str], width: int, height: int) -> Page:
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def say(page: Page, text: str) -> None:
    page.locator("#swc-input").fill(text)
    page.keyboard.press("Enter")


def test_staff_take_over_a_widget_conversation_reply_and_hand_it_back(
    browser: Browser, servers: dict
) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    # A reception-desk tablet in landscape, and the client's laptop.
    desk = new_page(browser, errors, 1024, 768)
    client = new_page(browser, errors, 1280, 800)
    console = servers["console"]

    desk.goto(f"{console}/inbox")
    expect(desk).to_have_url(f"{console}/login?next=/inbox")
    desk.get_by_label("Name").fill(STAFF)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.keyboard.press("Enter")
    expect(desk.get_by_role("heading", name="Clients waiting for a person")).to_be_visible()
    expect(desk.locator("#inbox-list")).to_contain_text("No one is waiting")

    client.goto(f"{servers['rasa']}/widget/demo.html")
    client.locator(".swc-launcher").click()
    say(client, "can i speak to a human please")
    expect(client.locator(".swc-bot .swc-bubble").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    # The request shows up on the open inbox page, no reload.
    request = desk.locator("#inbox-list .request").first
    expect(request).to_contain_text("widget", timeout=REPLY_TIMEOUT_MS)
    expect(request).to_contain_text("can i speak to a human please")
    desk.screenshot(path=str(RESULTS / "console-inbox-list.png"))

    request.locator("a").click()
    desk.get_by_role("button", name="Take this conversation").click()
    expect(desk.locator("#req-status")).to_contain_text(f"taken by {STAFF}")

    bot_bubbles = client.locator(".swc-bot .swc-bubble")
    before = bot_bubbles.count()
    say(client, "hello? is anyone there")
    # Staff see it live in the transcript; the assistant says nothing.
    expect(desk.locator("#transcript .line-client .text").last).to_have_text(
        "hello? is anyone there", timeout=REPLY_TIMEOUT_MS
    )
    client.wait_for_timeout(QUIET_WAIT_MS)
    assert bot_bubbles.count() == before, "the assistant answered a conversation staff own"

    reply = "Hi, this is Robin at the front desk. How can I help?"
    desk.get_by_label("Reply to the client").fill(reply)
    desk.get_by_role("button", name="Send reply").click()
    expect(client.locator(".swc-bot .swc-bubble", has_text=reply)).to_be_visible(
        timeout=REPLY_TIMEOUT_MS
    )
    say(client, "I'd like to move my appointment to next week")
    expect(desk.locator("#transcript .line-client .text").last).to_contain_text(
        "move my appointment", timeout=REPLY_TIMEOUT_MS
    )
    desk.screenshot(path=str(RESULTS / "console-inbox.png"), full_page=True)

    desk.get_by_role("button", name="Hand back to the assistant").click()
    expect(desk.locator(".flash")).to_contain_text("Handed back")
    answered = bot_bubbles.count()
    say(client, "does it hurt?")
    pain = Answers(servers["store"]).topic("ask_pain")
    expect(client.locator(".swc-bot .swc-bubble", has_text=pain.split("\n")[0][:40])).to_be_visible(
        timeout=REPLY_TIMEOUT_MS
    )
    assert bot_bubbles.count() > answered

    desk.goto(f"{console}/diary?day={servers['diary_day']}")
    expect(desk.get_by_role("heading", name="Diary")).to_be_visible()
    expect(desk.locator("table.bookings").first).to_be_visible()
    desk.screenshot(path=str(RESULTS / "console-diary.png"), full_page=True)
    assert errors == [], f"JavaScript errors: {errors}"
