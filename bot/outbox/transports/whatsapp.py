"""WhatsApp through Twilio's Messages API, inside and outside the 24-hour window.

WhatsApp lets a business send free text only within 24 hours of the client's last message;
after that only a pre-approved template. So: when the body's `active_at` (the client's last
message in this channel) is less than 24 hours old - minus a safety margin - a normal
message; otherwise the body's `template` by `ContentSid` + `ContentVariables`, the SID read
from `TWILIO_CONTENT_SID_<NAME>` (e.g. TWILIO_CONTENT_SID_REMINDER). No template for a
closed window is a permanent failure that staff see in `clinic outbox list --failed`.

Settings: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_NUMBER (the same as the
WhatsApp channel's; TWILIO_PUBLIC_URL is not needed to send).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.outbox.transports.base import Delivery, PermanentFailure, TemporaryFailure
from bot.settings import Settings

logger = logging.getLogger(__name__)
_twilio_http_logger = logging.getLogger(f"{__name__}.twilio_http")
_twilio_http_logger.setLevel(logging.WARNING)  # Twilio logs each request (with the number)

WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=10)  # a message queued at 23:59 may arrive after 24:00
MAX_BODY_CHARS = 1500
TIMEOUT_SECONDS = 10.0


def whatsapp_address(number: str) -> str:
    """ "+447..." or "whatsapp:+447..." -> "whatsapp:+447..." (Twilio's WhatsApp address)."""
    number = number.strip().replace(" ", "")
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def numbered_list(text: str, buttons: list[Mapping[str, Any]]) -> str:
    """WhatsApp has no free-form buttons: "1. Keep it" lines the client answers with "1"."""
    if not buttons:
        return text
    lines = "\n".join(f"{n}. {button['title']}" for n, button in enumerate(buttons, 1))
    return f"{text.strip()}\n\n{lines}"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class WhatsAppTransport:
    channel = "whatsapp"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        content_sids: Mapping[str, str] | None = None,
        http_client: HttpClient | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        transport = http_client or TwilioHttpClient(
            timeout=TIMEOUT_SECONDS, logger=_twilio_http_logger
        )
        self._client = Client(account_sid, auth_token, http_client=transport)
        self.from_number = whatsapp_address(from_number)
        self.content_sids = dict(content_sids or {})
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> WhatsAppTransport | None:
        values = (
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_whatsapp_number,
        )
        if not all(values):
            return None
        account_sid, auth_token, number = values
        return cls(account_sid, auth_token, number, content_sids=dict(settings.twilio_content_sids))

    def window_open(self, body: Mapping[str, Any]) -> bool:
        active_at = body.get("active_at")
        if not active_at:
            return False
        try:
            last = datetime.fromisoformat(str(active_at))
        except ValueError:
            return False
        if last.tzinfo is None:
            last = last.replace(tzinfo=timezone.utc)
        return self.clock() - last < WINDOW - WINDOW_MARGIN

    def send(self, recipient: str, body: Mapping[str, Any]) -> Delivery:
        to = whatsapp_address(recipient)
        if self.window_open(body):
            text = numbered_list(str(body["text"]), list(body.get("buttons") or []))
            link = body.get("link")
            if isinstance(link, Mapping) and link.get("url"):
                text = f"{text}\n\n{link.get('title') or 'Link'}: {link['url']}"
            fields: dict[str, Any] = {"body": text[:MAX_BODY_CHARS]}
        else:
            template = body.get("template") or {}
            sid = self.content_sids.get(str(template.get("name") or "").lower())
            if not sid:
                raise PermanentFailure("whatsapp_window_closed_no_template")
            fields = {
                "content_sid": sid,
                "content_variables": json.dumps(template.get("variables") or {}),
            }
        try:
            message = self._client.messages.create(to=to, from_=self.from_number, **fields)
        except TwilioRestException as error:
            status = int(error.status or 0)
            failure = TemporaryFailure if status == 429 or status >= 500 else PermanentFailure
            raise failure(f"twilio_http_{status}_error_{error.code}") from None
        except Exception as error:  # network: requests' ConnectionError, Timeout...
            raise TemporaryFailure(f"twilio_{type(error).__name__}") from None
        return Delivery.sent(message.sid)
