"""Production mode against the real PostgreSQL and Redis: two Rasa instances, one action server.

Everything here runs real processes and real services (in CI too): conversations move
between instances, an instance restarts mid-form, 20 conversations run concurrently, the
action server and the store go down and come back.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.content import CLINIC, answer_start
from tests.servers import (
    PRODUCTION_REDIS_URL,
    free_port,
    production_env,
    production_servers,
    production_stores,
)
from tests.stores import POSTGRES_ADMIN_URL

# Every test here starts servers (see the marker in pyproject.toml).
pytestmark = pytest.mark.servers

REST_TOKEN = "rest-token-for-the-production-tests"

REDIS_URL = PRODUCTION_REDIS_URL
CLINIC_PHONE = CLINIC.phone


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    import redis

    work = tmp_path_factory.mktemp("prod")
    databases = contextlib.ExitStack()
    store_url, tracker_url = databases.enter_context(production_stores("clinic"))
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    databases.callback(admin.dispose)
    names = {"store": make_url(store_url).database, "tracker": make_url(tracker_url).database}
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except Exception as error:  # noqa: BLE001 - the services are required, not optional
        databases.close()
        pytest.fail(f"production tests need Redis running: {error}")

    actions_port = free_port()
    # The REST channel is off in production unless a token protects it.
    env = production_env(store_url, tracker_url, actions_port, REST_API_TOKEN=REST_TOKEN)
    actions, instances = production_servers(env, work, actions_port)
    servers = [actions, *instances]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_up()
        yield {
            "actions": actions,
            "instances": instances,
            "urls": [s.health_url.rstrip("/") for s in instances],
            "store_url": store_url,
            "tracker_url": tracker_url,
            "admin": admin,
            "names": names,
            "logs": work,
        }
    finally:
        for server in servers:
            server.stop()
        databases.close()


def say(base_url: str, sender: str, message: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {REST_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())


def joined(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def test_a_booking_form_continues_across_instances(prod):
    first, second = prod["urls"]
    sender = uuid.uuid4().hex

    assert "name" in joined(say(first, sender, "i'd like to book a first session"))
    assert "phone number or email" in joined(say(second, sender, "Ann O'Brien"))
    assert "When would suit you" in joined(say(first, sender, "07911 123456"))
    assert say(second, sender, "next friday afternoon")[-1]["buttons"][0]["payload"] == "1"
    assert "Is that okay?" in joined(say(first, sender, "1"))
    assert "Ann O'Brien" in joined(say(second, sender, "/affirm"))
    assert re.search(r"FA-[0-9A-Z]{4}", joined(say(first, sender, "/affirm")))


def test_a_restarted_instance_resumes_the_form(prod):
    instance = prod["instances"][0]
    url = prod["urls"][0]
    sender = uuid.uuid4().hex
    say(url, sender, "i'd like to book a first session")
    say(url, sender, "Priya Shah")

    instance.stop()
    instance.start()
    instance.wait_up()

    assert "When would suit you" in joined(say(url, sender, "07911 123456"))


def test_twenty_concurrent_conversations_lose_and_duplicate_nothing(prod):
    turns = [
        "hi",
        "does it hurt?",
        "is it safe",
        "how much is it",
        "no thanks",
        "how often would i come",
        "does it work",
        "can i have it if im pregnant",
        "thanks",
        "bye",
    ]
    senders = [f"load-{uuid.uuid4().hex[:8]}" for _ in range(20)]

    def converse(index: int) -> int:
        sender = senders[index]
        for turn, message in enumerate(turns):
            replies = say(prod["urls"][(index + turn) % 2], sender, message)
            assert replies, f"no reply to {message!r}"
        return len(turns)

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert sum(pool.map(converse, range(20))) == 200

    tracker = create_engine(prod["tracker_url"], future=True)
    with tracker.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT sender_id, type_name, data FROM events "
                "WHERE sender_id LIKE 'rest:load-%' ORDER BY id"
            )
        ).all()
    tracker.dispose()
    for sender in senders:
        events = [(t, json.loads(d)) for s, t, d in rows if s == f"rest:{sender}"]
        user_texts = [data.get("text") for kind, data in events if kind == "user"]
        assert user_texts == turns, sender  # every turn, in order, none twice
        bot_texts = [data.get("text") for kind, data in events if kind == "bot"]
        assert len(bot_texts) >= len(turns)  # a reply stored for every turn


def test_the_action_server_down_gives_an_apology_with_the_phone_then_recovers(prod):
    url = prod["urls"][1]
    sender = uuid.uuid4().hex
    prod["actions"].stop()
    try:
        down = joined(say(url, sender, "does it hurt?"))
    finally:
        prod["actions"].start()
        prod["actions"].wait_up()

    back = joined(say(url, sender, "does it hurt?"))

    assert "having trouble" in down and CLINIC_PHONE in down
    assert answer_start("pain") in back


def test_the_store_down_during_a_booking_writes_nothing_and_says_so(prod):
    url = prod["urls"][0]
    sender = uuid.uuid4().hex
    messages = ["book a first session", "Tom Walsh", "07400 123456", "next friday afternoon"]
    transcript = [joined(say(url, sender, message)) for message in [*messages, "1", "/affirm"]]
    assert "Shall I book it?" in transcript[-1], transcript
    store = prod["names"]["store"]
    with prod["admin"].connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{store}" WITH ALLOW_CONNECTIONS false'))
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
            {"db": store},
        )
    try:
        down = joined(say(url, sender, "/affirm"))
    finally:
        with prod["admin"].connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{store}" WITH ALLOW_CONNECTIONS true'))

    engine = create_engine(prod["store_url"], future=True)
    with engine.connect() as connection:
        before = connection.execute(
            text("SELECT count(*) FROM bookings WHERE client_name = 'Tom Walsh'")
        ).scalar_one()
    again = joined(say(url, sender, "/affirm"))
    with engine.connect() as connection:
        after = connection.execute(
            text("SELECT count(*) FROM bookings WHERE client_name = 'Tom Walsh'")
        ).scalar_one()
    engine.dispose()

    assert "can't look that up right now" in down and CLINIC_PHONE in down
    assert before == 0
    assert re.search(r"FA-[0-9A-Z]{4}", again) and after == 1, _events(prod, sender)


def _events(prod, sender):
    """The last events of a conversation, to see what happened when a test fails."""
    tracker = create_engine(prod["tracker_url"], future=True)
    with tracker.connect() as connection:
        rows = connection.execute(
            text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": f"rest:{sender}"},
        ).all()
    out = []
    for kind, data in rows[-60:]:
        d = json.loads(data)
        out.append((kind, d.get("name") or d.get("text"), str(d.get("value"))[:40]))
    return "\n".join(map(str, out))


def test_logs_carry_no_contact_details_names_or_conditions(prod):
    url = prod["urls"][1]
    sender = uuid.uuid4().hex
    say(url, sender, "can I have it if I'm pregnant and on warfarin?")
    for message in [
        "book a first session",
        "Zelda Quigley",
        "zelda.q@example.org",
        "next friday afternoon",
        "1",
        "/affirm",
        "/affirm",
    ]:
        say(url, sender, message)

    logs = "\n".join(path.read_text() for path in prod["logs"].glob("*.log"))

    assert "Rasa server is up" in logs or "Action endpoint is up" in logs  # logs were read
    for secret in [
        "Zelda",
        "Quigley",
        "zelda.q@example.org",
        "07400 123456",
        "+447400123456",
        "Tom Walsh",
        "Ann O'Brien",
        "+447911123456",
        "pregnant",
        "warfarin",
    ]:
        assert secret not in logs, f"{secret!r} found in the server logs"
