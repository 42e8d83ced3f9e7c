"""D1, existing data: migration 0003 rewrites stored sender ids into the channels' new
conversation ids ("telegram:<chat>", "rest:<sender>", "widget:<session>"; WhatsApp's
"whatsapp:+E164" stay), and the downgrade takes them back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text

from bot.store import migrate

ROWS = [("telegram", "5550001"), ("rest", "me"), ("widget", "0" * 32),
        ("whatsapp", "whatsapp:+447911123456"), ("rest", None)]
BEFORE_0003 = "0002"


def test_stored_sender_ids_get_their_channels_prefix_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, BEFORE_0003)
    engine = create_engine(url, future=True)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as connection:
        for index, (channel, sender) in enumerate(ROWS):
            connection.execute(
                text(
                    "INSERT INTO handoff_requests (channel, sender_id, transcript, reason, "
                    "status, created_at) VALUES (:c, :s, '[]', 'asked_for_a_person', 'open', :t)"
                ),
                {"c": channel, "s": sender or "(erased)", "t": now + timedelta(seconds=index)},
            )

    migrate.upgrade(url)

    with engine.connect() as connection:
        upgraded = connection.execute(
            text("SELECT sender_id FROM handoff_requests ORDER BY id")
        ).scalars().all()
    assert upgraded == ["telegram:5550001", "rest:me", "widget:" + "0" * 32,
                        "whatsapp:+447911123456", "(erased)"]

    migrate.downgrade(url, BEFORE_0003)

    with engine.connect() as connection:
        downgraded = connection.execute(
            text("SELECT sender_id FROM handoff_requests ORDER BY id")
        ).scalars().all()
    engine.dispose()
    assert downgraded == ["5550001", "me", "0" * 32, "whatsapp:+447911123456", "(erased)"]
