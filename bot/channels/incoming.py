"""Reading an incoming request: its JSON body, and the client's address behind proxies."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.settings import get_settings


def json_object(request: Any) -> dict[str, Any] | None:
    """The request's body as a JSON object; None for anything else (invalid UTF-8 is
    replaced, not an error: a broken body gets a clear answer, never a 500)."""
    try:
        body = json.loads(request.body.decode("utf-8", errors="replace") or "null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class TrustedProxies:
    """Which peers may state the client's address (TRUSTED_PROXIES).

    The socket's peer is the client unless it is a trusted proxy; then the address comes
    from X-Forwarded-For (walked from the right, skipping trusted proxies, so a client
    cannot slip in an address of its own choosing on the left) or else `Forwarded: for=`.
    Nobody else's headers are read: a client talking to Rasa directly cannot pick its
    rate-limit bucket.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self._networks = [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]

    @classmethod
    def from_settings(cls) -> TrustedProxies:
        return cls(get_settings().trusted_proxies)

    def trusted(self, address: str | None) -> bool:
        if not address or not self._networks:
            return False
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def client_address(self, peer: str | None, headers: Mapping[str, str]) -> str | None:
        if not self.trusted(peer):
            return peer or None
        chain = _forwarded_chain(headers)
        for hop in reversed(chain):
            if not self.trusted(hop):
                return hop
        return chain[0] if chain else peer

    def of_request(self, request: Any) -> str | None:
        """The client address of a Sanic request (its socket peer is `request.ip`)."""
        return self.client_address(request.ip, request.headers)


_FORWARDED_FOR = re.compile(r'for="?\[?([^\]";,]+)', re.IGNORECASE)


def _forwarded_chain(headers: Mapping[str, str]) -> list[str]:
    """Addresses named by X-Forwarded-For (preferred) or Forwarded, left (client) to right."""
    getall = getattr(headers, "getall", None)

    def values(name: str) -> list[str]:
        if getall is not None:
            return list(getall(name, []))
        value = headers.get(name)
        return [value] if value else []

    raw = [part.strip() for value in values("x-forwarded-for") for part in value.split(",")]
    if not raw:
        raw = [match.group(1) for value in values("forwarded") for match in
               _FORWARDED_FOR.finditer(value)]
    chain = []
    for item in raw:
        candidate = item.strip()
        # "1.2.3.4:5678" -> "1.2.3.4"; IPv6 keeps its colons.
        if candidate.count(":") == 1:
            candidate = candidate.split(":")[0]
        try:
            chain.append(str(ipaddress.ip_address(candidate)))
        except ValueError:
            continue  # "unknown", obfuscated ids, garbage: not an address
    return chain
