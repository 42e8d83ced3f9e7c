"""The console in production mode: PostgreSQL + Redis, two Rasa instances (widget channel),
the console and the outbox sender as separate processes.

A widget client (a socket.io client, as the widget's script is one) asks for a person on
one instance and reconnects to the other, as behind a load balancer: staff take the
conversation in the console and the assistant stays silent on both instances; a staff
reply reaches the client on whichever instance holds its socket (through socket.io's
Redis manager); after the hand-back the assistant answers again.
"""

from __future__ import annotations

import contextlib
import queue
import re
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
import socketio

from bot.answers import Answers
from bot.console.accounts import StaffAccounts
from tests.console.test_console_browser import Process
from tests.servers import (
    BIN,
    Server,
    free_port,
    production_env,
    production_servers,
    production_stores,
    running,
)

# Every test here starts servers (see the marker in pyproject.toml).
pytestmark = pytest.mark.servers

STAFF, PASSWORD = "Robin", "front desk password 1"
REPLY_TIMEOUT_S = 30
QUIET_S = 5
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    work = tmp_path_factory.mktemp("console-prod")
    databases = contextlib.ExitStack()
    store_url, tracker_url = databases.enter_context(production_stores("console"))
    StaffAccounts(store_url).add(STAFF, PASSWORD, by="test")
    actions_port, console_port = free_port(), free_port()
    env = production_env(
        store_url,
        tracker_url,
        actions_port,
        CONSOLE_PORT=str(console_port),
        CONSOLE_SECRET_KEY="production-test-secret",
        OUTBOX_SECRET="production-test-outbox-secret",
    )
    actions, instances = production_servers(env, work, actions_port)
    console = Server(
        "console", [BIN / "python", "-m", "bot.console"], env,
        f"http://127.0.0.1:{console_port}/login", work,
    )
    sender = Process("outbox", [BIN / "clinic", "outbox", "run", "--poll", "0.5"], env, work)
    try:
        with running(actions, *instances, console, sender):
            yield {
                "urls": [s.health_url.rstrip("/") for s in instances],
                "console": f"http://127.0.0.1:{console_port}",
                "store_url": store_url,
            }
    finally:
        databases.close()


class WidgetClient:
    """One browser tab's socket.io connection to one Rasa instance, for one session."""

    def __init__(self, url: str, session_id: str) -> None:
        self.session_id = session_id
        self.replies: queue.Queue[str] = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        confirmed: queue.Queue[str] = queue.Queue()
        self.sio.on("bot_uttered", lambda data: self.replies.put((data or {}).get("text", "")))
        self.sio.on("session_confirm", confirmed.put)
        self.sio.connect(url, transports=["polling"], socketio_path="socket.io")
        self.sio.emit("session_request", {"session_id": session_id})
        assert confirmed.get(timeout=REPLY_TIMEOUT_S) == session_id

    def say(self, text_: str) -> None:
        self.sio.emit("user_uttered", {"message": text_, "session_id": self.session_id})

    def next_reply(self, timeout: float = REPLY_TIMEOUT_S) -> str:
        return self.replies.get(timeout=timeout)

    def wait_for(self, wanted: str) -> None:
        seen = []
        while True:
            try:
                reply = self.next_reply()
            except queue.Empty:
                pytest.fail(f"{wanted!r} never arrived; got {seen}")
            if wanted in reply:
                return
            seen.append(reply)

    def silent_for(self, seconds: float) -> bool:
        try:
            self.replies.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.sio.disconnect()


def staff_login(console: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = CSRF_INPUT.search(browser.get(f"{console}/login").text).group(1)
    page = browser.post(
        f"{console}/login", data={"name": STAFF, "password": PASSWORD, "csrf_token": token}
    )
    assert "Log out" in page.text
    return browser, CSRF_INPUT.search(page.text).group(1)


def test_a_staff_reply_reaches_the_client_on_whichever_instance_holds_it(prod: dict) -> None:
    first, second = prod["urls"]
    console = prod["console"]
    session_id = str(uuid.uuid4())

    tab = WidgetClient(first, session_id)
    tab.say("can i speak to a real person please")
    first_reply = tab.next_reply()  # the assistant's "passed to the front desk"

    browser, token = staff_login(console)
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    found = None
    while found is None and time.monotonic() < deadline:
        found = re.search(r'data-id="(\d+)"', browser.get(f"{console}/inbox/list").text)
        time.sleep(0.5)
    assert found, f"no handoff request; the assistant said {first_reply!r}"
    handoff_id = int(found.group(1))
    browser.post(f"{console}/inbox/{handoff_id}/take", data={"csrf_token": token})

    # The client reconnects to the other instance (a load balancer's choice): still silent.
    tab.close()
    tab = WidgetClient(second, session_id)
    tab.say("hello? is anyone there")
    assert tab.silent_for(QUIET_S), "the assistant answered a conversation staff own"
    lines = browser.get(f"{console}/inbox/{handoff_id}/lines?after=0",
                        headers={"Accept": "application/json"}).json()
    assert lines["lines"][-1]["text"] == "hello? is anyone there"

    browser.post(f"{console}/inbox/{handoff_id}/reply",
                 data={"csrf_token": token, "text": "Hello from Robin on the front desk"})
    tab.wait_for("Hello from Robin on the front desk")  # pushed to the second instance

    tab.close()
    tab = WidgetClient(first, session_id)
    browser.post(f"{console}/inbox/{handoff_id}/reply",
                 data={"csrf_token": token, "text": "Your booking is moved to Friday"})
    tab.wait_for("Your booking is moved to Friday")  # and to the first one

    browser.post(f"{console}/inbox/{handoff_id}/hand-back", data={"csrf_token": token})
    tab.wait_for("automated assistant")
    tab.say("does it hurt?")
    pain = Answers(prod["store_url"]).topic("ask_pain")
    tab.wait_for(pain.split("\n")[0][:40])
    tab.close()
