"""A booking process killed between the slot check and the commit leaves no half booking."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.booking.test_booking_service import friday_morning, service
from tests.booking.test_booking_service import request as booking_request

# Runs in a separate process: checks the slot, writes the booking row, flushes it to the
# database inside the open transaction - then dies with SIGKILL before the commit.
DIE_BEFORE_COMMIT = textwrap.dedent(
    """
    import os, signal, sys
    from tests.booking.test_booking_service import friday_morning, request, service
    from bot.store.session import session_scope

    svc = service(sys.argv[1])
    slot = friday_morning(svc).slots[0]
    with session_scope(sys.argv[1]) as session:
        svc._check_still_free(session, slot)
        svc._new_booking(session, request(slot, name="Killed Midway"))
        session.flush()
        print("flushed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def kill_midway(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", DIE_BEFORE_COMMIT, url],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("store", ["store_url", "postgres_url"])
def test_killed_booking_leaves_nothing_and_a_retry_books_once(
    store: str, request: pytest.FixtureRequest
):
    url = request.getfixturevalue(store)

    died = kill_midway(url)

    assert died.returncode == -9 and "flushed" in died.stdout, died.stderr[-2000:]
    svc = service(url)
    assert svc.list_bookings() == []
    slot = friday_morning(svc).slots[0]
    booked = svc.book(booking_request(slot, name="Retry"))
    assert [b.ref for b in svc.list_bookings()] == [booked.ref]
