"""Channel state and rate limits shared through the real Redis, as in production mode.

Two objects built on one Redis stand for two Rasa instances: what one remembers, the other
must see. Redis runs on this machine and in CI: if it is unreachable, these tests fail.
"""

from __future__ import annotations

import os
import time

import pytest

from bot.channels.state import RedisStore, shared_store
from bot.channels.telegram import StoredCallbackData
from bot.channels.whatsapp import Button, StoredButtonMemory
from bot.guard import MessageGuard, RedisRateLimiter
from bot.redis_connection import redis_client
from tests.stores import exclusive_redis_database

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def redis():
    with exclusive_redis_database(REDIS_URL):
        client = redis_client(REDIS_URL)
        try:
            client.flushdb()
        except Exception as error:  # noqa: BLE001 - the service is required here
            pytest.fail(f"Redis at {REDIS_URL} is needed for this test: {error}")
        yield client
        client.flushdb()
        client.close()


def test_a_value_put_by_one_instance_is_read_and_taken_by_another(redis):
    first, second = RedisStore(redis, "t", 60), RedisStore(redis, "t", 60)

    first.put("sender", [["Yes", "/affirm"]])

    assert second.get("sender") == [["Yes", "/affirm"]]
    assert second.pop("sender") == [["Yes", "/affirm"]]
    assert first.get("sender") is None


def test_entries_expire(redis):
    store = RedisStore(redis, "t", ttl_seconds=1)
    store.put("k", "v")
    time.sleep(1.2)

    assert store.get("k") is None


def test_whatsapp_numbered_reply_is_understood_by_the_other_instance(redis):
    shown_by = StoredButtonMemory(store=RedisStore(redis, "whatsapp-buttons", 3600))
    replied_to = StoredButtonMemory(store=RedisStore(redis, "whatsapp-buttons", 3600))

    shown_by.remember("whatsapp:+447400123456", [Button("Yes", "/affirm"), Button("No", "/deny")])

    assert replied_to.take("whatsapp:+447400123456") == [
        Button("Yes", "/affirm"),
        Button("No", "/deny"),
    ]


def test_telegram_callback_data_issued_by_one_instance_is_decoded_by_another(redis):
    issuer = StoredCallbackData(store=RedisStore(redis, "telegram-callbacks"))
    reader = StoredCallbackData(store=RedisStore(redis, "telegram-callbacks"))
    long_payload = '/inform{"chosen_slot": "' + "x" * 80 + '"}'

    short, long = issuer.encode("/affirm"), issuer.encode(long_payload)

    assert len(long.encode()) <= 64
    assert reader.decode(short) == "/affirm"
    assert reader.decode(long) == long_payload
    assert reader.decode("/forged") is None


def test_the_rate_limit_is_shared_between_instances(redis):
    first, second = RedisRateLimiter(redis, limit=4), RedisRateLimiter(redis, limit=4)

    allowed = [limiter.allow("sender:s") for limiter in (first, second) * 3]

    assert allowed == [True, True, True, True, False, False]
    assert first.allow("sender:other")


def test_guard_uses_redis_when_given_a_client(redis):
    guards = [MessageGuard(per_sender_per_minute=2, redis_client=redis) for _ in range(2)]

    results = [guard.check("s", "ip", "hello") for guard in guards + guards]

    assert [result.status for result in results] == [200, 200, 429, 429]


def test_without_redis_url_channel_state_stays_in_the_process(use_settings):
    use_settings(REDIS_URL=None)

    assert not isinstance(shared_store("x", 10), RedisStore)
