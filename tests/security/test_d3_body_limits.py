"""D3: bodies up to 100 MB were accepted and parsed before the 1,000-character check.

Now a body over MAX_BODY_BYTES (16 KB) gets 413 before it is read, on every route of the
server. The tests announce a large body and send only its first bytes: the answer must
come without the server waiting for (or reading) the rest. How much a 30 MB upload delays
another client is measured in bench/body_limit.py (docs/benchmarks.md), not here.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from bot.channels.rest import GuardedRestInput
from bot.guard import MessageGuard
from bot.settings import get_settings
from tests.channel_server import serve_channel
from tests.security.conftest import Stack

ANNOUNCED = 30 * 1024 * 1024


def raw_post(url: str, headers: dict[str, str], body: bytes, timeout: float = 10) -> int:
    """POST `body` (perhaps less than announced) and return the status line's code."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def announced_large(url: str) -> int:
    """A 30 MB JSON body announced, 64 KB of it sent."""
    return raw_post(
        url,
        {"Content-Type": "application/json", "Content-Length": str(ANNOUNCED)},
        b'{"sender": "big", "message": "' + b"x" * 65536,
    )


def chunked_large(url: str) -> int:
    """A chunked body without a length that grows past the limit (64 KB sent, not ended)."""
    chunk = b"y" * 8192
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8))
    return raw_post(
        url, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, body
    )


async def echo(message) -> None:
    await message.output_channel.send_text_message(message.sender_id, "hello")


@pytest.mark.servers
def test_an_oversize_body_gets_413_before_it_is_read_and_nothing_is_processed():
    with serve_channel(GuardedRestInput(MessageGuard()), echo) as (url, received):
        assert announced_large(f"{url}/webhook") == 413
        assert chunked_large(f"{url}/webhook") == 413
        small = raw_post(
            f"{url}/webhook",
            {"Content-Type": "application/json", "Content-Length": "32"},
            b'{"sender": "s", "message": "hi"}',
        )

    assert small == 200
    assert [m.text for m in received] == ["hi"]


def test_the_limit_is_the_setting():
    assert get_settings().max_body_bytes == 16_384


@pytest.mark.servers
@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/rest/webhook",
        "/webhooks/whatsapp/webhook",
        "/webhooks/telegram/webhook",
        "/socket.io/?EIO=4&transport=polling",
    ],
)
def test_every_route_of_the_real_server_refuses_an_oversize_body(stack: Stack, path: str):
    assert announced_large(stack.rasa_url + path) == 413
