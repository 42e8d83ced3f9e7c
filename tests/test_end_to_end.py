"""End to end: the real action server and `rasa run` on free ports, talked to over REST."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "clinic.tar.gz"
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"{url} did not come up in {START_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    from bot.knowledge.loader import load_knowledge
    from bot.store import migrate

    workdir = tmp_path_factory.mktemp("e2e")
    store_url = f"sqlite:///{workdir / 'clinic.db'}"
    migrate.upgrade(store_url)
    load_knowledge(PROJECT_ROOT / "data" / "knowledge", store_url)

    actions_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    env = {**os.environ, "DATABASE_URL": store_url, "RASA_TELEMETRY_ENABLED": "false"}

    processes = []
    try:
        actions_log = workdir / "actions.log"
        processes.append(
            subprocess.Popen(
                [BIN / "rasa", "run", "actions", "--actions", "actions", "--port",
                 str(actions_port)],
                cwd=PROJECT_ROOT, env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
            )
        )
        rasa_log = workdir / "rasa.log"
        processes.append(
            subprocess.Popen(
                [BIN / "rasa", "run", "--model", MODEL, "--endpoints", endpoints,
                 "--credentials", PROJECT_ROOT / "credentials.yml",
                 "--interface", "127.0.0.1", "--port", str(rasa_port)],
                cwd=workdir, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
            )
        )
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", processes[0], actions_log)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", processes[1], rasa_log)
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class Conversation:
    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = uuid.uuid4().hex

    def say(self, text: str) -> list[dict]:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            return json.loads(response.read())


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def test_pain_question_then_yes_books_through_the_front_desk(rasa_url: str):
    chat = Conversation(rasa_url)

    answer = chat.say("does it hurt?")
    assert "pinch" in texts(answer)
    offer = answer[-1]
    assert [button["payload"] for button in offer["buttons"]] == ["/affirm", "/deny"]

    booking = chat.say("yes please")
    assert "+44 117 496 0123" in texts(booking)


def test_warfarin_gets_talk_to_the_practitioner_first(rasa_url: str):
    reply = texts(Conversation(rasa_url).say("can I have it if I'm on warfarin"))

    assert "talk to the practitioner" in reply


def test_emergency_advice_comes_first(rasa_url: str):
    replies = Conversation(rasa_url).say("my throat is closing up and I can't breathe")

    assert replies[0]["text"].startswith("If this is happening now, please call 999")


def test_out_of_scope_gets_no_clinic_answer(rasa_url: str):
    reply = texts(Conversation(rasa_url).say("what's the weather in Leeds tomorrow"))

    assert "only help with questions about our facial acupuncture" in reply
