"""D8: behind the recommended TLS reverse proxy every client shared one per-IP budget, and
nothing said which proxy's X-Forwarded-For to believe.

Now TRUSTED_PROXIES lists the proxies whose X-Forwarded-For / Forwarded headers state the
client's address; from anyone else the headers are ignored (a client cannot pick its own
rate-limit bucket).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.channels.incoming import TrustedProxies
from bot.channels.rest import GuardedRestInput
from bot.guard import MessageGuard
from tests.channel_server import serve_channel


async def echo(message) -> None:
    await message.output_channel.send_text_message(message.sender_id, "ok")


def post(url: str, sender: str, headers: dict[str, str]) -> int:
    req = urllib.request.Request(
        f"{url}/webhook",
        data=json.dumps({"sender": sender, "message": "hi"}).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def statuses(trusted: list[str], forwarded: list[str]) -> list[int]:
    """One message per forwarded address (different senders), 2 per address allowed."""
    channel = GuardedRestInput(
        MessageGuard(per_ip_per_minute=2), proxies=TrustedProxies(trusted)
    )
    with serve_channel(channel, echo) as (url, _):
        return [
            post(url, f"s{i}", {"X-Forwarded-For": address} if address else {})
            for i, address in enumerate(forwarded)
        ]


@pytest.mark.servers
def test_a_trusted_proxy_states_the_client_address_and_each_client_has_its_own_budget():
    # The test client connects from 127.0.0.1: here that is the trusted proxy.
    assert statuses(["127.0.0.1"], ["203.0.113.1"] * 3 + ["203.0.113.2"] * 2) == [
        200, 200, 429, 200, 200,
    ]


@pytest.mark.servers
def test_forwarded_headers_from_an_untrusted_peer_are_ignored():
    # Not a trusted proxy: every request counts against the peer's own address.
    assert statuses([], ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [200, 200, 429]


def test_a_client_cannot_slip_an_address_in_front_of_the_proxys():
    proxies = TrustedProxies(["127.0.0.1", "10.0.0.0/8"])

    # The proxy appends what it saw: the left-most entry is the client's own claim.
    chain = {"x-forwarded-for": "198.51.100.9, 203.0.113.7, 10.0.0.2"}
    assert proxies.client_address("127.0.0.1", chain) == "203.0.113.7"
    assert proxies.client_address("192.0.2.1", chain) == "192.0.2.1"
    forwarded = {"forwarded": 'for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"'}
    assert proxies.client_address("127.0.0.1", forwarded) == "2001:db8::1"
    assert proxies.client_address("127.0.0.1", {"x-forwarded-for": "garbage"}) == "127.0.0.1"
