"""Conversation ids that belong to one channel.

Every channel hands Rasa "<channel>:<the platform's id>", so no client of one channel can
name a conversation of another (a REST sender "whatsapp:+44..." becomes
"rest:whatsapp:+44...", a different conversation). Twilio's WhatsApp "From" already is
"whatsapp:+E164", which is its namespaced form as it is.
"""

from __future__ import annotations

import re

CHANNEL_NAMESPACES = ("rest", "widget", "whatsapp", "telegram")


def conversation_id(channel: str, platform_id: str) -> str:
    """The conversation id Rasa sees for a channel's client id."""
    prefix = f"{channel}:"
    return platform_id if platform_id.startswith(prefix) else prefix + platform_id


def platform_id(channel: str, conversation: str) -> str:
    """The channel's own client id back from a conversation id (for sending replies)."""
    return conversation.removeprefix(f"{channel}:")


# The widget's sessions: UUIDs made by the browser (122 random bits), hex with or without dashes.
_SESSION_ID = re.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def valid_session_id(value: object) -> str | None:
    """The session id if it looks like a browser-made UUID (lower-cased), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if _SESSION_ID.match(value) else None
