"""The outbox's secret and what it signs: calendar links and pushes to the widget.

OUTBOX_SECRET in production (the same on every host); otherwise a random secret kept in
var/outbox.secret (mode 600), created by whichever process needs it first, so the Rasa
server and the sender on one machine agree without configuration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT, get_settings

SECRET_FILE = PROJECT_ROOT / "var" / "outbox.secret"
PUSH_MAX_SKEW_SECONDS = 60


def outbox_secret(path: Path = SECRET_FILE) -> bytes:
    configured = get_settings().outbox_secret
    if configured:
        return configured.encode("utf-8")
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: if two processes race, one writes and the other reads what it wrote.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        time.sleep(0.05)
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as file:
        file.write(secrets.token_hex(32).encode("ascii"))
    return path.read_bytes().strip()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, purpose: str, data: bytes) -> bytes:
    return hmac.new(secret, purpose.encode() + b"\0" + data, hashlib.sha256).digest()[:20]


def sign_calendar_token(booking_id: int, expires_at: int, secret: bytes | None = None) -> str:
    """An opaque token naming a booking until `expires_at` (Unix time): a random-looking
    string that cannot be made from the booking's reference without the secret."""
    secret = secret or outbox_secret()
    data = json.dumps({"b": booking_id, "e": int(expires_at)}, separators=(",", ":")).encode()
    return f"{_b64(data)}.{_b64(_mac(secret, 'calendar', data))}"


def read_calendar_token(
    token: str, now: float | None = None, secret: bytes | None = None
) -> int | None:
    """The booking id of a valid, unexpired token; None for anything else."""
    secret = secret or outbox_secret()
    try:
        data_part, mac_part = token.split(".", 1)
        data = _unb64(data_part)
        if not hmac.compare_digest(_unb64(mac_part), _mac(secret, "calendar", data)):
            return None
        claims = json.loads(data)
        booking_id, expires_at = int(claims["b"]), int(claims["e"])
    except (ValueError, KeyError, TypeError):
        return None
    if (time.time() if now is None else now) > expires_at:
        return None
    return booking_id


def sign_push(body: bytes, timestamp: int | None = None, secret: bytes | None = None) -> dict:
    """Headers that authenticate a push from the sender to the Rasa server."""
    secret = secret or outbox_secret()
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = _mac(secret, f"push:{timestamp}", body)
    return {"X-Clinic-Timestamp": str(timestamp), "X-Clinic-Signature": _b64(mac)}


def push_is_signed(
    body: bytes, timestamp: str | None, signature: str | None, secret: bytes | None = None
) -> bool:
    if not timestamp or not signature:
        return False
    try:
        moment = int(timestamp)
        given = _unb64(signature)
    except ValueError:
        return False
    if abs(time.time() - moment) > PUSH_MAX_SKEW_SECONDS:
        return False
    secret = secret or outbox_secret()
    return hmac.compare_digest(given, _mac(secret, f"push:{moment}", body))
