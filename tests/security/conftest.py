"""The real servers for the security tests: our action server and `rasa run`, started as
`make run` starts them (scripts/run.sh: the action token, no app-wide --cors), on free
ports with a SQLite store. Rasa's HTTP API is on with a token only so that the tests can
read conversations."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import (
    Server,
    action_server,
    base_env,
    endpoints_for,
    rasa_server,
    require_model,
    running,
    sqlite_store,
)

API_TOKEN = "security-test-api-token"


@dataclass
class Stack:
    rasa_url: str
    actions: Server
    store_url: str

    @property
    def actions_url(self) -> str:
        return self.actions.health_url.removesuffix("/health")

    def rest(self, sender: str, message: str, headers: dict | None = None) -> tuple[int, object]:
        return post_json(
            f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message},
            headers,
        )

    def events(self, conversation: str) -> list[dict]:
        """The conversation's events as Rasa keeps them (its HTTP API, with the token)."""
        url = f"{self.rasa_url}/conversations/{conversation}/tracker?token={API_TOKEN}"
        with urllib.request.urlopen(url, timeout=30) as reply:
            return json.loads(reply.read())["events"]


def post_json(url: str, body: object, headers: dict | None = None) -> tuple[int, object]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"null")
        except ValueError:
            return error.code, raw.decode("utf-8", "replace")


def texts(replies: object) -> str:
    return "\n".join(reply.get("text", "") for reply in replies or [])  # type: ignore[union-attr]


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_model()
    workdir: Path = tmp_path_factory.mktemp("security")
    store = sqlite_store(workdir)
    env = base_env(DATABASE_URL=store, RATE_LIMIT_PER_SENDER="1000", RATE_LIMIT_PER_IP="100000")
    actions = action_server(env, workdir)
    rasa = rasa_server(
        env, workdir, endpoints_for(actions, workdir),
        extra=["--enable-api", "--auth-token", API_TOKEN],
    )
    with running(actions, rasa):
        yield Stack(rasa.health_url.rstrip("/"), actions, store)
