"""Input channels: guarded REST, website widget, WhatsApp (Twilio) and Telegram.

This module itself holds only small helpers shared by the WhatsApp and Telegram channels
(no Rasa imports, so `import bot.channels` stays cheap).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.guard import MessageGuard

# Sent back when a client sends a photo, voice note or sticker: the assistant reads text only.
NON_TEXT_REPLY = "Sorry, I can only read text messages. Please type your question."

_V = TypeVar("_V")


class NotConfigured(Exception):
    """A channel's settings are missing; `missing` names the environment variables."""

    def __init__(self, channel: str, missing: Iterable[str], hint: str = "") -> None:
        self.channel = channel
        self.missing = tuple(missing)
        super().__init__(
            f"the {channel} channel needs {', '.join(self.missing)} in the environment"
            + (f" ({hint})" if hint else "")
        )


class ConfiguredFromEnv:
    """`from_credentials` for a channel whose settings come from the environment.

    Missing settings turn the channel off with a log line instead of stopping Rasa.
    `settings_class.from_env(overrides=...)` raises NotConfigured when something is missing.
    """

    settings_class: ClassVar[Any]

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> Any:
        try:
            settings = cls.settings_class.from_env(overrides=credentials or {})
        except NotConfigured as error:
            logging.getLogger(cls.__module__).info("%s: channel off: %s", cls.name(), error)
            return cls(None)
        return cls(settings)


def read_env(
    channel: str, names: Iterable[str], env: Mapping[str, str], overrides: Mapping[str, object]
) -> dict[str, str]:
    """Each variable from `overrides` (keys in lower case, from credentials.yml) or else `env`.

    Raises NotConfigured naming every variable that is missing or empty.
    """
    values: dict[str, str] = {}
    missing = []
    for name in names:
        value = overrides.get(name.lower()) or env.get(name) or ""
        value = str(value).strip()
        if value:
            values[name] = value
        else:
            missing.append(name)
    if missing:
        raise NotConfigured(channel, missing)
    return values


def public_webhook_url(base: str, path: str) -> str:
    """The URL a platform calls: the public base URL followed by the route's own path.

    Behind a proxy, the URL the server sees (http://127.0.0.1:5005/...) is not the one the
    platform signed, so it is built from configuration. A base that already ends with the
    route's path (someone configured the full webhook URL) is used as it is.
    """
    base = base.strip().rstrip("/")
    path = "/" + path.strip("/")
    if urlsplit(base).path.rstrip("/").endswith(path):
        return base
    return base + path


@dataclass(frozen=True)
class Screened:
    """What the message guard made of a client's message.

    `text` goes to the assistant; else `reply` goes back to the client; neither: the message
    is dropped (over the rate limit: answering each one would multiply a flood).
    """

    text: str | None = None
    reply: str | None = None


def screen(guard: MessageGuard, sender_id: str, raw: str | None) -> Screened:
    """Run a typed message through the guard (rate limit, length, clean text, and no Rasa
    payload syntax but our buttons').

    Twilio and Telegram call from their own servers, so the guard's per-IP limit is keyed
    by the sender as well; each channel has a guard of its own.
    """
    verdict = guard.check(sender_id, sender_id, raw)
    if verdict.status == 429:
        return Screened()
    if verdict.reply is not None:
        return Screened(reply=verdict.reply if (raw or "").strip() else NON_TEXT_REPLY)
    return Screened(text=verdict.text)


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at a paragraph, line or word."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > 0:
                break
        else:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


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

    def __len__(self) -> int:
        return len(self._items)


class RedisStore(Generic[_V]):
    """BoundedStore's methods on Redis: one store shared by every Rasa instance.

    Values must be JSON-serialisable. Without an expiry, entries live for
    `DEFAULT_TTL_SECONDS` so the store cannot grow without bound.
    """

    DEFAULT_TTL_SECONDS = 30 * 24 * 3600

    def __init__(self, client, namespace: str, ttl_seconds: float | None = None) -> None:
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


def redis_client(url: str | None = None):
    """A Redis client for REDIS_URL (production mode), or None when it is not set."""
    url = url or os.environ.get("REDIS_URL")
    if not url:
        return None
    import redis

    # Short timeouts: these calls run on the channel's event loop.
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def shared_store(
    namespace: str, max_items: int, ttl_seconds: float | None = None
) -> BoundedStore | RedisStore:
    """Per-conversation channel state: in this process, or in Redis when REDIS_URL is set
    (several Rasa instances must see the same buttons and the same seen updates)."""
    client = redis_client()
    if client is None:
        return BoundedStore(max_items, ttl_seconds)
    return RedisStore(client, namespace, ttl_seconds)


# Ids that platforms put in webhooks (Twilio's MessageSid, Telegram's update_id): safe to log
# only once checked to be plain ids, so nothing a client wrote can end up in a log line.
_LOGGABLE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def loggable_id(value: object) -> str:
    """`value` if it looks like a platform's id, else "?"."""
    text = str(value) if value is not None else ""
    return text if _LOGGABLE_ID.match(text) else "?"
