"""Start the assistant's real processes for a test: free ports, wait until up, stop cleanly."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.knowledge.loader import load_knowledge
from bot.settings import PROJECT_ROOT
from bot.store import migrate
from tests.stores import KNOWLEDGE_DIR, exclusive_redis_database, temporary_postgres

if TYPE_CHECKING:
    from playwright.sync_api import Browser

BIN = Path(sys.executable).parent
MODEL = PROJECT_ROOT / "models" / "clinic.tar.gz"
START_TIMEOUT_S = 240
# The action server's shared secret for the servers a test session starts.
ACTION_TOKEN = secrets.token_urlsafe(24)


_servers_allowed = True


def allow_servers(allowed: bool) -> None:
    """Set by tests/conftest.py before each test: may this test start servers?"""
    global _servers_allowed
    _servers_allowed = allowed


def check_servers_allowed(what: str) -> None:
    """Fail a test that starts a server or a browser without `@pytest.mark.servers`:
    `make test-fast` (-m "not servers") must never wait for one."""
    if not _servers_allowed:
        pytest.fail(f"this test starts {what}: mark it (or its module) @pytest.mark.servers")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_model() -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")


def sqlite_store(workdir: Path) -> str:
    """A migrated SQLite store loaded with the clinic's knowledge files."""
    url = f"sqlite:///{workdir / 'clinic.db'}"
    migrate.upgrade(url)
    load_knowledge(KNOWLEDGE_DIR, url)
    return url


class Server:
    """One server process that can be stopped and started again on the same port."""

    def __init__(self, name: str, command: Sequence, env: dict, health_url: str, logs: Path):
        self.name, self.command, self.env, self.health_url = name, list(command), env, health_url
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        check_servers_allowed(f"the {self.name} server")
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )

    def wait_up(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        pytest.fail(f"{self.name} not up in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def action_server(env: dict, logs: Path, port: int | None = None) -> Server:
    """Our action server (rasa-sdk behind ACTION_SERVER_TOKEN), as `make run` starts it."""
    port = port or free_port()
    token = env.get("ACTION_SERVER_TOKEN") or ACTION_TOKEN
    return Server(
        "actions",
        [BIN / "python", "-m", "bot.action_server", "--actions", "actions", "--port", str(port)],
        # loopback, as in `make run`
        {**env, "SANIC_HOST": "127.0.0.1", "ACTION_SERVER_TOKEN": token},
        f"http://127.0.0.1:{port}/health",
        logs,
    )


def rasa_server(
    env: dict, logs: Path, endpoints: Path, name: str = "rasa", extra: Sequence[str] = ()
) -> Server:
    port = free_port()
    return Server(
        name,
        [BIN / "rasa", "run", "--model", MODEL, "--endpoints", endpoints,
         "--credentials", PROJECT_ROOT / "credentials.yml",
         "--interface", "127.0.0.1", "--port", str(port), *extra],
        env,
        f"http://127.0.0.1:{port}/",
        logs,
    )


def endpoints_for(actions: Server, workdir: Path) -> Path:
    """Rasa's endpoints for `actions`, with the secret, as `make run` renders them."""
    from bot.production import write_local_endpoints

    url = actions.health_url.removesuffix("/health") + "/webhook"
    return write_local_endpoints(
        workdir / "endpoints.yml", url, actions.env["ACTION_SERVER_TOKEN"]
    )


@contextmanager
def running(*servers: Server) -> Iterator[None]:
    """Start all, wait for all, and always stop all."""
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_up()
        yield
    finally:
        for server in servers:
            server.stop()


def base_env(**overrides: str) -> dict:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        **overrides,
    }


CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium (scripts/ensure-chromium.sh installs it; never a browser
    downloaded by Playwright), driven by Playwright. Missing: the test fails, never skips."""
    check_servers_allowed("a browser")
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing, so this cannot be tested in a browser: "
            "run scripts/ensure-chromium.sh (make test does) or apt-get install -y chromium",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # fail (not skip) with the reason: the package is locked
        pytest.fail(f"playwright is not installed ({error}): run `make setup`", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def assistant(env: dict, workdir: Path, extra: Sequence[str] = ()) -> Iterator[str]:
    """The action server and a Rasa server on free ports, as `make run` starts them; yields
    Rasa's base URL (no trailing slash)."""
    require_model()
    actions = action_server(env, workdir)
    rasa = rasa_server(env, workdir, endpoints_for(actions, workdir), extra=extra)
    with running(actions, rasa):
        yield rasa.health_url.rstrip("/")


@dataclass(frozen=True)
class RunningAssistant:
    url: str  # Rasa's base URL, no trailing slash
    store_url: str  # the SQLite store both servers use


@contextmanager
def assistant_with_store(
    workdir: Path, extra: Sequence[str] = (), **settings: str
) -> Iterator[RunningAssistant]:
    """`assistant()` on a fresh, loaded SQLite store of its own in `workdir`; `settings`:
    more environment for both servers (e.g. RATE_LIMIT_PER_SENDER="100000")."""
    store = sqlite_store(workdir)
    with assistant(base_env(DATABASE_URL=store, **settings), workdir, extra) as url:
        yield RunningAssistant(url, store)


# Production mode's Redis for the tests (a database of its own, flushed by them).
PRODUCTION_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@contextmanager
def production_stores(name: str) -> Iterator[tuple[str, str]]:
    """(store, tracker store) as production mode has them: a PostgreSQL store migrated and
    loaded with the knowledge files, and an empty PostgreSQL database for Rasa's trackers;
    meanwhile PRODUCTION_REDIS_URL's database is this test run's alone."""
    with exclusive_redis_database(PRODUCTION_REDIS_URL):
        with temporary_postgres(f"{name}_store") as store_url:
            with temporary_postgres(f"{name}_tracker") as tracker_url:
                migrate.upgrade(store_url)
                load_knowledge(KNOWLEDGE_DIR, store_url)
                yield store_url, tracker_url


def production_env(store_url: str, tracker_url: str, actions_port: int, **settings: str) -> dict:
    """The environment of every production-mode process, as `make run-prod` sets it."""
    return {
        **os.environ,
        "CLINIC_ENV": "production",
        "DATABASE_URL": store_url,
        "TRACKER_DB_URL": tracker_url,
        "REDIS_URL": PRODUCTION_REDIS_URL,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "RASA_TELEMETRY_ENABLED": "false",
        "SANIC_HOST": "127.0.0.1",
        # Rasa and the action server share this secret (bot/production.py).
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        # Redis is shared with other test runs on this machine: keep their rate counts
        # (all from 127.0.0.1) from limiting this client.
        "RATE_LIMIT_PER_IP": "100000",
        **settings,
    }


def production_servers(env: dict, workdir: Path, actions_port: int) -> tuple[Server, list[Server]]:
    """One action server and two Rasa instances (rasa1, rasa2) sharing `env`, as
    `make run-prod` starts them (not started yet)."""
    from bot.production import write_endpoints

    require_model()
    endpoints = write_endpoints(workdir / "endpoints.yml", env)
    actions = action_server(env, workdir, actions_port)
    return actions, [rasa_server(env, workdir, endpoints, name=f"rasa{i}") for i in (1, 2)]
