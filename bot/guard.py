"""What every public channel checks before a message reaches the assistant.

Rate limits per sender and per IP, a maximum length, clean text (no control
characters), and no Rasa payload syntax except the few payloads our own
buttons send - a client must not be able to set intents or entities we never
offered.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.redis_connection import redis_client
from bot.safety import is_emergency

# Payloads our buttons send; anything else typed as "/intent{...}" is read as plain text.
BUTTON_PAYLOADS = frozenset({"/affirm", "/deny", "/request_human"})
# "Do you mean" buttons: a question about one FAQ topic. Only the topic key varies; it sets
# no slot, and a key the store does not know gets "no answer yet".
TOPIC_BUTTON = re.compile(r'/ask_question\{"faq_topic":"[a-z][a-z0-9_]{0,63}"\}')

EMPTY_REPLY = "It looks like your message was empty - what would you like to know?"
TOO_LONG_REPLY = (
    "Sorry, that message is too long for me. Could you ask in under {limit:,} characters? "
    "For anything detailed, the front desk is happy to help."
)
RATE_LIMITED_REPLY = (
    "You're sending messages faster than I can answer. Please wait a minute and try again."
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class GuardResult:
    """Either `text` to hand to the assistant, or a `reply` to send back instead."""

    text: str | None = None
    reply: str | None = None
    status: int = 200


class RateLimiter:
    """At most `limit` events per key in any `window` seconds (sliding window, in memory)."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10_000:
                self._forget_idle(now)
            return True

    def _forget_idle(self, now: float) -> None:
        cutoff = now - self.window
        idle = [key for key, events in self._events.items() if not events or events[-1] <= cutoff]
        for key in idle:
            del self._events[key]


class RedisRateLimiter:
    """RateLimiter's sliding window in Redis, so several Rasa instances share one limit."""

    def __init__(self, client, limit: int, window: float = 60.0, namespace: str = "rate") -> None:
        self._client, self.limit, self.window = client, limit, window
        self._prefix = f"clinic:{namespace}:"

    def allow(self, key: str) -> bool:
        now = time.time()
        redis_key = self._prefix + key
        member = f"{now:.6f}-{uuid.uuid4().hex[:8]}"
        pipe = self._client.pipeline()
        pipe.zremrangebyscore(redis_key, 0, now - self.window)
        pipe.zadd(redis_key, {member: now})
        pipe.zcard(redis_key)
        pipe.expire(redis_key, int(self.window) + 1)
        _, _, count, _ = pipe.execute()
        if count > self.limit:
            self._client.zrem(redis_key, member)  # a refused message does not use up the quota
            return False
        return True


def clean_text(raw: object) -> str:
    """Text as the assistant should see it: NFC, no control characters, trimmed."""
    text = raw if isinstance(raw, str) else "" if raw is None else str(raw)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def neutralise_payload(text: str) -> str:
    """Keep our buttons' payloads; any other "/intent{...}" becomes plain text."""
    if not text.startswith("/") or text in BUTTON_PAYLOADS or TOPIC_BUTTON.fullmatch(text):
        return text
    return text.lstrip("/").strip() or "/"


class MessageGuard:
    def __init__(
        self,
        max_chars: int = 1000,
        per_sender_per_minute: int = 30,
        per_ip_per_minute: int = 120,
        clock: Callable[[], float] = time.monotonic,
        redis_client=None,
    ) -> None:
        """`redis_client`: share the limits between processes (production mode)."""
        self.max_chars = max_chars
        self._senders: RateLimiter | RedisRateLimiter
        self._ips: RateLimiter | RedisRateLimiter
        if redis_client is not None:
            self._senders = RedisRateLimiter(redis_client, per_sender_per_minute)
            self._ips = RedisRateLimiter(redis_client, per_ip_per_minute)
        else:
            self._senders = RateLimiter(per_sender_per_minute, clock=clock)
            self._ips = RateLimiter(per_ip_per_minute, clock=clock)

    @classmethod
    def from_settings(cls) -> MessageGuard:
        from bot.settings import get_settings

        settings = get_settings()
        return cls(
            settings.max_message_chars,
            settings.rate_limit_per_sender,
            settings.rate_limit_per_ip,
            redis_client=redis_client(),
        )

    def check(self, sender: str, ip: str | None, raw: object) -> GuardResult:
        if not self._senders.allow(f"sender:{sender}") or not self._ips.allow(f"ip:{ip}"):
            return GuardResult(reply=RATE_LIMITED_REPLY, status=429)
        text = clean_text(raw)
        if not text:
            return GuardResult(reply=EMPTY_REPLY)
        if len(text) > self.max_chars:
            if not is_emergency(text):
                return GuardResult(reply=TOO_LONG_REPLY.format(limit=self.max_chars))
            # Safety first: a long message about an emergency still gets the advice.
            text = text[: self.max_chars]
        return GuardResult(text=neutralise_payload(text))
