"""Rasa's tracker store (TRACKER_DB_URL): the `events` table of its `SQLTrackerStore`.

Which conversations exist, which are idle, which mention a person, and deleting them whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Column, Float, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.engine import Connection

from bot.privacy.store_steps import chunks
from bot.settings import Settings, get_settings

TRACKER_DB_URL_ENV = "TRACKER_DB_URL"

# Rasa's SQLTrackerStore table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), only the
# columns used here. Declared, not imported: bot/ does not depend on Rasa's server code.
EVENTS = Table(
    "events",
    MetaData(),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("data", Text),
)

# Channels whose conversation ids got a "<channel>:" prefix in migration 0003; the tracker
# store may still hold their older conversations under the bare id.
LEGACY_BARE_ID_CHANNELS = ("rest:", "widget:", "telegram:")


def tracker_url_from_env(env: dict[str, str] | None = None) -> str | None:
    """Rasa's tracker store database, or None when conversations are not kept in SQL
    (bot.settings' `tracker_store_url`; from `env` instead when given)."""
    return (get_settings() if env is None else Settings.from_env(env)).tracker_store_url


def with_legacy_ids(senders: set[str]) -> set[str]:
    """The conversation ids plus the bare ids their channel used before migration 0003."""
    legacy = {
        sender.removeprefix(prefix)
        for sender in senders
        for prefix in LEGACY_BARE_ID_CHANNELS
        if sender.startswith(prefix)
    }
    return senders | legacy


def delete_conversations(tracker: Connection, senders: list[str]) -> int:
    """Every event of these conversations; how many events."""
    deleted = 0
    for chunk in chunks(senders):
        deleted += tracker.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))).rowcount
    return deleted


def purge_idle_conversations(tracker: Connection, cutoff: datetime) -> tuple[int, int]:
    """Delete the conversations whose last event is before `cutoff`: (conversations, events)."""
    cutoff_ts = cutoff.timestamp()
    idle = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff_ts)
    )
    senders = list(tracker.execute(idle).scalars())
    conversations = events = 0
    for chunk in chunks(senders):
        # Re-checked just before deleting: a conversation that came back to life since the
        # query above is kept whole.
        active = set(
            tracker.execute(
                select(EVENTS.c.sender_id)
                .where(EVENTS.c.sender_id.in_(chunk), EVENTS.c.timestamp >= cutoff_ts)
                .distinct()
            ).scalars()
        )
        gone = [sender for sender in chunk if sender not in active]
        conversations += len(gone)
        events += delete_conversations(tracker, gone)
    return conversations, events


def conversations_mentioning(
    tracker: Connection,
    token: str,
    raw_mention: Callable[[str], bool],
    typed_mention: Callable[[str | None], bool],
) -> set[str]:
    """Sender ids of conversations with an event that mentions the person: `token` (their
    E.164 number or email) narrows the search, `raw_mention` confirms it in an event's JSON,
    and `typed_mention` reads what clients typed, in whatever format ("07911 123 456")."""
    found: set[str] = set()
    exact = tracker.execute(
        select(EVENTS.c.sender_id, EVENTS.c.data).where(
            func.lower(EVENTS.c.data).contains(token.lower(), autoescape=True)
        )
    )
    found.update(row.sender_id for row in exact if raw_mention(row.data or ""))
    typed = tracker.execute(
        select(EVENTS.c.sender_id, EVENTS.c.data)
        .where(EVENTS.c.type_name == "user")
        .execution_options(stream_results=True)
    )
    for row in typed:
        if row.sender_id not in found and typed_mention(_user_text(row.data)):
            found.add(row.sender_id)
    return found


def _user_text(data: str | None) -> str | None:
    if not data:
        return None
    try:
        event = json.loads(data)
    except ValueError:
        return data
    text = event.get("text") if isinstance(event, dict) else None
    return text if isinstance(text, str) else None


def existing_conversations(tracker: Connection, senders: list[str]) -> list[str]:
    """Those of `senders` that have events, sorted."""
    existing: list[str] = []
    for chunk in chunks(senders):
        existing.extend(
            tracker.execute(
                select(EVENTS.c.sender_id).where(EVENTS.c.sender_id.in_(chunk)).distinct()
            ).scalars()
        )
    return sorted(existing)


def conversations_done(deleted: int | None) -> str:
    """The log's words for what happened to the conversations."""
    if deleted is None:
        return f"conversations not touched ({TRACKER_DB_URL_ENV} not set)"
    return f"{deleted} conversations deleted"
