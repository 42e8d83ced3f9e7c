"""The outbox keeps nothing personal once purge or erase has run."""

from __future__ import annotations

from datetime import timedelta

from bot.outbox import REMINDER
from bot.outbox.transports import Transports
from bot.privacy import erase, purge
from tests.outbox.support import START, Desk

FRIDAY = START + timedelta(days=2)


def test_erase_deletes_the_persons_outbox_rows_and_leaves_others(store_url):
    desk = Desk(store_url)
    desk.book(FRIDAY, email="sam@example.org", sender_id="rest:sam", index=0)
    desk.book(FRIDAY, email="other@example.org", sender_id="rest:other", index=1)
    assert len(desk.rows()) == 4  # a confirmation and a reminder each

    report = erase(store_url, "SAM@example.org", clock=desk.clock)

    assert report.outbox_deleted == 2 and not report.nothing_found
    assert {row.recipient for row in desk.rows()} == {"other@example.org"}


def test_purge_deletes_old_and_anonymised_rows_but_keeps_what_is_still_to_send(store_url):
    desk = Desk(store_url)
    desk.book(FRIDAY, index=0)
    # Its confirmation is handled (skipped: no SMTP here); its reminder stays pending.
    assert desk.sender(Transports()).drain().counts == {"skipped": 1}
    later = START + timedelta(days=300)
    desk.book(later, email="later@example.org", sender_id="rest:later")

    desk.clock.advance(days=200)
    report = purge(store_url, timedelta(days=180), clock=desk.clock)

    # Friday's booking ended 198 days ago: its rows go; the booking in 300 days keeps its
    # pending confirmation and reminder even though they were written 200 days ago.
    assert report.outbox_deleted == 2
    remaining = desk.rows()
    assert {row.recipient for row in remaining} == {"later@example.org"}
    assert {row.kind for row in remaining} >= {REMINDER}
