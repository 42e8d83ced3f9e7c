"""Input channels: guarded REST, website widget, WhatsApp (Twilio) and Telegram.

This module itself holds only small helpers shared by the WhatsApp and Telegram channels
(no Rasa imports, so `import bot.channels` stays cheap).
"""

from __future__ import annotations

import json
import logging
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
    `settings_class.from_settings(overrides=...)` raises NotConfigured when something is
    missing.
    """

    settings_class: ClassVar[Any]

    @classmethod
    def from_credentials(cls: Any, credentials: dict[str, Any] | None) -> Any:
        # cls: Any - a mixin; name() and the one-argument constructor are the channel's.
        try:
            settings = cls.settings_class.from_settings(overrides=credentials or {})
        except NotConfigured as error:
            logging.getLogger(cls.__module__).info("%s: channel off: %s", cls.name(), error)
            return cls(None)
        return cls(settings)


def read_env(
    channel: str, values: Mapping[str, str], overrides: Mapping[str, object]
) -> dict[str, str]:
    """Each setting (variable name -> value from bot.settings), unless `overrides` (keys in
    lower case, from credentials.yml) has it.

    Raises NotConfigured naming every variable that is missing or empty.
    """
    chosen: dict[str, str] = {}
    missing = []
    for name, setting in values.items():
        value = str(overrides.get(name.lower()) or setting or "").strip()
        if value:
            chosen[name] = value
        else:
            missing.append(name)
    if missing:
        raise NotConfigured(channel, missing)
    return chosen


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

    def add(self, key: str, value: _V) -> bool:
        """SET NX: of several instances seeing the same key at once, exactly one gets True."""
        return bool(self._client.set(self._prefix + key, json.dumps(value), ex=self._ttl, nx=True))


def redis_client(url: str | None = None):
    """A Redis client for REDIS_URL (production mode), or None when it is not set."""
    from bot.settings import get_settings

    url = url or get_settings().redis_url
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


# --- conversation ids that belong to one channel --------------------------------------------
# Every channel hands Rasa "<channel>:<the platform's id>", so no client of one channel can
# name a conversation of another (a REST sender "whatsapp:+44..." becomes
# "rest:whatsapp:+44...", a different conversation). Twilio's WhatsApp "From" already is
# "whatsapp:+E164", which is its namespaced form as it is.
CHANNEL_NAMESPACES = ("rest", "widget", "whatsapp", "telegram")


def conversation_id(channel: str, platform_id: str) -> str:
    """The conversation id Rasa sees for a channel's client id."""
    prefix = f"{channel}:"
    return platform_id if platform_id.startswith(prefix) else prefix + platform_id


def platform_id(channel: str, conversation: str) -> str:
    """The channel's own client id back from a conversation id (for sending replies)."""
    return conversation.removeprefix(f"{channel}:")


# --- replays -------------------------------------------------------------------------------


class ReplayGuard:
    """Remembers platform message ids (Twilio MessageSid, Telegram update_id) for a window,
    so a replayed or re-sent request is handled once: in Redis in production mode (every
    instance sees the same ids, SET NX decides), in this process otherwise."""

    def __init__(self, namespace: str, window_seconds: float, store=None) -> None:
        self._store = store if store is not None else shared_store(
            namespace, 100_000, ttl_seconds=window_seconds
        )

    def first_time(self, message_id: str) -> bool:
        return self._store.add(message_id, 1)


# --- request bodies ------------------------------------------------------------------------


def limit_request_bodies(app: Any) -> None:
    """Refuse bodies over MAX_BODY_BYTES with 413 before anything reads them.

    Sanic's HTTP protocol enforces REQUEST_MAX_SIZE while receiving a body (a Content-Length
    over it fails at the first read; a chunked body as soon as it passes it), before any
    handler, JSON or form parsing. It is a setting of the whole app Rasa shares with the
    channels, so every route of the server gets it (Rasa's HTTP API too, which `make run`
    does not enable). Set when a channel's blueprint is registered, before connections
    exist (each connection reads the limit when it opens). Websocket frames get the same cap.
    """
    from bot.settings import get_settings

    limit = get_settings().max_body_bytes
    app.config.REQUEST_MAX_SIZE = limit
    app.config.WEBSOCKET_MAX_SIZE = max(limit, 1024)


def body_limited(blueprint_class: type) -> type:
    """A Blueprint subclass whose registration also applies limit_request_bodies."""

    class BodyLimited(blueprint_class):
        def register(self, app: Any, options: dict[str, Any]) -> None:
            limit_request_bodies(app)
            super().register(app, options)

    BodyLimited.__name__ = f"BodyLimited{blueprint_class.__name__}"
    return BodyLimited


# --- client addresses behind a reverse proxy -------------------------------------------------


class TrustedProxies:
    """Which peers may state the client's address (TRUSTED_PROXIES).

    The socket's peer is the client unless it is a trusted proxy; then the address comes
    from X-Forwarded-For (walked from the right, skipping trusted proxies, so a client
    cannot slip in an address of its own choosing on the left) or else `Forwarded: for=`.
    Nobody else's headers are read: a client talking to Rasa directly cannot pick its
    rate-limit bucket.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        import ipaddress

        self._networks = [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]

    @classmethod
    def from_settings(cls) -> TrustedProxies:
        from bot.settings import get_settings

        return cls(get_settings().trusted_proxies)

    def trusted(self, address: str | None) -> bool:
        import ipaddress

        if not address or not self._networks:
            return False
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def client_address(self, peer: str | None, headers: Mapping[str, str]) -> str | None:
        if not self.trusted(peer):
            return peer or None
        chain = _forwarded_chain(headers)
        for hop in reversed(chain):
            if not self.trusted(hop):
                return hop
        return chain[0] if chain else peer

    def of_request(self, request: Any) -> str | None:
        """The client address of a Sanic request (its socket peer is `request.ip`)."""
        return self.client_address(request.ip, request.headers)


_FORWARDED_FOR = re.compile(r'for="?\[?([^\]";,]+)', re.IGNORECASE)


def _forwarded_chain(headers: Mapping[str, str]) -> list[str]:
    """Addresses named by X-Forwarded-For (preferred) or Forwarded, left (client) to right."""
    import ipaddress

    getall = getattr(headers, "getall", None)

    def values(name: str) -> list[str]:
        if getall is not None:
            return list(getall(name, []))
        value = headers.get(name)
        return [value] if value else []

    raw = [part.strip() for value in values("x-forwarded-for") for part in value.split(",")]
    if not raw:
        raw = [match.group(1) for value in values("forwarded") for match in
               _FORWARDED_FOR.finditer(value)]
    chain = []
    for item in raw:
        candidate = item.strip()
        # "1.2.3.4:5678" -> "1.2.3.4"; IPv6 keeps its colons.
        if candidate.count(":") == 1:
            candidate = candidate.split(":")[0]
        try:
            chain.append(str(ipaddress.ip_address(candidate)))
        except ValueError:
            continue  # "unknown", obfuscated ids, garbage: not an address
    return chain
