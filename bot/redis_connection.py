"""The one way this house connects to Redis (REDIS_URL, production mode)."""

from __future__ import annotations

from typing import Any


def redis_client(url: str | None = None) -> Any:
    """A Redis client for `url` (default: REDIS_URL), or None when there is none."""
    from bot.settings import get_settings

    url = url or get_settings().redis_url
    if not url:
        return None
    import redis

    # Short timeouts: these calls run on the channels' event loop.
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
