"""D5: REST sender ids were cut to 128 characters, so two long ids shared a conversation.

Sender ids are now checked (1-128 of A-Z a-z 0-9 . _ - : @ +) and refused with 400 -
never cut, never merged.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.channels.rest import MAX_SENDER_CHARS, GuardedRestInput
from bot.guard import MessageGuard
from tests.channel_server import serve_channel

# Every test here starts servers (see the marker in pyproject.toml).
pytestmark = pytest.mark.servers


async def echo(message) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"got: {message.text}")


def post(url: str, body: dict) -> tuple[int, object]:
    request = urllib.request.Request(
        f"{url}/webhook", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_two_long_sender_ids_are_refused_not_merged():
    common = "a" * MAX_SENDER_CHARS
    with serve_channel(GuardedRestInput(MessageGuard()), echo) as (url, received):
        first = post(url, {"sender": common + "-first", "message": "my name is Ann Smith"})
        second = post(url, {"sender": common + "-second", "message": "what is my name?"})

    assert first[0] == 400 and second[0] == 400
    assert "sender" in first[1]["error"]
    assert received == []


@pytest.mark.parametrize(
    "sender", ["a b", "<script>", "ann\u00e9", "x" * (MAX_SENDER_CHARS + 1), "id\nid", "../x"]
)
def test_sender_ids_outside_the_limit_are_refused(sender):
    with serve_channel(GuardedRestInput(MessageGuard()), echo) as (url, received):
        status, body = post(url, {"sender": sender, "message": "hi"})

    assert status == 400 and received == []


def test_a_sender_id_of_the_maximum_length_is_kept_whole():
    sender = "b" * MAX_SENDER_CHARS
    with serve_channel(GuardedRestInput(MessageGuard()), echo) as (url, received):
        status, replies = post(url, {"sender": sender, "message": "hi"})

    assert status == 200 and replies[0]["recipient_id"] == sender
    assert [m.sender_id for m in received] == [f"rest:{sender}"]
