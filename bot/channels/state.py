"""Channel state kept between requests: in this process, or in Redis (REDIS_URL) so that
several Rasa instances see the same buttons and the same seen message ids."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from bot.redis_connection import redis_client

_V = TypeVar("_V")


class BoundedStore(Generic[_V]):
    """A small in-process key -> value store: least recently used out first, optional expiry.

    Enough for the single-process `rasa run` default; with several Rasa processes, give the
    channels a shared store behind the same methods instead.
    """

    def __init__(
        self,
        max_items: int = 10_000,
        ttl_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_items = max_items
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, _V]] = OrderedDict()

    def put(self, key: str, value: _V) -> None:
        self._items[key] = (self.clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def get(self, key: str) -> _V | None:
        item = self._items.get(key)
        if item is None:
            return None
        stored_at, value = item
        if self.ttl_seconds is not None and self.clock() - stored_at > self.ttl_seconds:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def pop(self, key: str) -> _V | None:
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def add(self, key: str, value: _V) -> bool:
        """Store `value` unless `key` is already there (and not expired); whether it was new."""
        if self.get(key) is not None:
            return False
        self.put(key, value)
        return True

    def __len__(self) -> int:
        return len(self._items)


class RedisStore(Generic[_V]):
    """BoundedStore's methods on Redis: one store shared by every Rasa instance.

    Values must be JSON-serialisable. Without an expiry, entries live for
    `DEFAULT_TTL_SECONDS` so the store cannot grow without bound.
    """

    DEFAULT_TTL_SECONDS = 30 * 24 * 3600

    def __init__(self, client: Any, namespace: str, ttl_seconds: float | None = None) -> None:
        self._client = client
        self._prefix = f"clinic:{namespace}:"
        self._ttl = int(ttl_seconds or self.DEFAULT_TTL_SECONDS)

    def put(self, key: str, value: _V) -> None:
        self._client.set(self._prefix + key, json.dumps(value), ex=self._ttl)

    def get(self, key: str) -> _V | None:
        raw = self._client.get(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def pop(self, key: str) -> _V | None:
        raw = self._client.getdel(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def add(self, key: str, value: _V) -> bool:
        """SET NX: of several instances seeing the same key at once, exactly one gets True."""
        return bool(self._client.set(self._prefix + key, json.dumps(value), ex=self._ttl, nx=True))


def shared_store(
    namespace: str, max_items: int, ttl_seconds: float | None = None
) -> BoundedStore | RedisStore:
    """Per-conversation channel state: in this process, or in Redis when REDIS_URL is set
    (several Rasa instances must see the same buttons and the same seen updates)."""
    client = redis_client()
    if client is None:
        return BoundedStore(max_items, ttl_seconds)
    return RedisStore(client, namespace, ttl_seconds)


class ReplayGuard:
    """Remembers platform message ids (Twilio MessageSid, Telegram update_id) for a window,
    so a replayed or re-sent request is handled once: in Redis in production mode (every
    instance sees the same ids, SET NX decides), in this process otherwise."""

    def __init__(
        self, namespace: str, window_seconds: float, store: BoundedStore | RedisStore | None = None
    ) -> None:
        self._store = store if store is not None else shared_store(
            namespace, 100_000, ttl_seconds=window_seconds
        )

    def first_time(self, message_id: str) -> bool:
        return self._store.add(message_id, 1)
