"""The test harness itself: each test's own store, the servers marker, the tracker builders."""

from __future__ import annotations

import pytest

from actions.common import ANSWERS
from actions.front_desk import HANDOFFS
from bot.settings import PROJECT_ROOT, get_settings
from tests import servers
from tests.rasa_harness import form_tracker, make_tracker


def test_every_store_user_opens_this_tests_own_store(store_url):
    assert get_settings().database_url == store_url
    assert "var/clinic.db" not in store_url and str(PROJECT_ROOT) not in store_url
    # The actions' module-level singletons follow the setting (no URL of their own).
    assert ANSWERS.database_url is None and HANDOFFS.database_url is None
    HANDOFFS.open("rest", "rest:harness", [{"from": "client", "text": "hello"}])
    from bot.handoff import HandoffQueue

    assert [h.sender_id for h in HandoffQueue(store_url).list()] == ["rest:harness"]


def test_use_settings_is_seen_by_get_settings(use_settings):
    use_settings(MAX_MESSAGE_CHARS="123")

    assert get_settings().max_message_chars == 123


def test_starting_a_server_without_the_marker_fails_the_test():
    servers.allow_servers(False)
    try:
        with pytest.raises(pytest.fail.Exception, match="mark it"):
            servers.check_servers_allowed("a server")
    finally:
        servers.allow_servers(False)  # as for any unmarked test


def test_a_form_tracker_asks_to_validate_the_answered_slot_only():
    tracker = form_tracker("booking_form", "client_name", "Ann", slots={"contact": "x"})

    assert tracker.slots_to_validate() == {"client_name": "Ann"}
    assert tracker.active_loop_name == "booking_form"
    assert make_tracker("ask_pain").active_loop_name is None
