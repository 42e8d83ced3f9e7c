"""WhatsApp through Twilio: a signed webhook in, Twilio's Messages API out.

Rasa 3.6's own twilio connector checks no signature and cannot show buttons. This channel:

- refuses (403, nothing reaches the assistant) every request whose `X-Twilio-Signature` does
  not verify with the account's auth token, computed over the public URL Twilio called
  (TWILIO_PUBLIC_URL + the route's path: behind a proxy the URL the server sees differs);
- shows buttons as a numbered list and reads a reply of "1", "2"... or a button's title
  (any case) as that button's payload, per sender, for the buttons of the last turn only;
- sends replies through Twilio's REST API from the clinic's `whatsapp:` number.

Settings come from the environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
TWILIO_WHATSAPP_NUMBER, TWILIO_PUBLIC_URL). Without them the channel stays off with one log
line (its webhook answers 503) instead of stopping Rasa.

Logs carry Twilio's message ids, lengths and statuses only: never a phone number, a profile
name or what anyone wrote.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs

from rasa.core.channels.channel import OutputChannel
from sanic import response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.config import NotConfigured, public_webhook_url, required_settings
from bot.channels.log_hygiene import loggable_id
from bot.channels.state import BoundedStore, RedisStore, shared_store
from bot.channels.text import split_text
from bot.channels.webhook import Incoming, Platform, PlatformWebhook
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)
# Twilio's HTTP client logs every request at INFO; ours stays quiet unless something fails.
_twilio_http_logger = logging.getLogger(f"{__name__}.twilio_http")
_twilio_http_logger.setLevel(logging.WARNING)

# Twilio refuses bodies over 1,600 characters; stay a little under.
MAX_BODY_CHARS = 1500
SEND_TIMEOUT_SECONDS = 10.0
# Buttons are forgotten with Rasa's default conversation session (60 minutes).
BUTTON_MEMORY_SECONDS = 60 * 60
# Twilio expects TwiML back; an empty response means "no reply in the HTTP answer".
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

_NUMBER_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$", re.ASCII)


@dataclass(frozen=True)
class WhatsAppSettings:
    """Twilio account, the clinic's WhatsApp sender and the public base URL of this server."""

    account_sid: str
    auth_token: str = field(repr=False)
    # "whatsapp:+14155238886"
    whatsapp_number: str
    # e.g. "https://bot.example.com": the webhook is this + /webhooks/whatsapp/webhook
    public_url: str

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, overrides: Mapping[str, Any] | None = None
    ) -> WhatsAppSettings:
        """The channel's part of bot.settings; `overrides` (credentials.yml keys such as
        `twilio_public_url`) win. Raises NotConfigured naming what is missing."""
        settings = settings or get_settings()
        values = required_settings(
            "WhatsApp",
            {
                "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
                "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
                "TWILIO_WHATSAPP_NUMBER": settings.twilio_whatsapp_number,
                "TWILIO_PUBLIC_URL": settings.twilio_public_url,
            },
            overrides or {},
        )
        public_url = values["TWILIO_PUBLIC_URL"]
        if not public_url.startswith(("https://", "http://")):
            raise NotConfigured("WhatsApp", ["TWILIO_PUBLIC_URL"], "it must start with https://")
        return cls(
            account_sid=values["TWILIO_ACCOUNT_SID"],
            auth_token=values["TWILIO_AUTH_TOKEN"],
            whatsapp_number=whatsapp_address(values["TWILIO_WHATSAPP_NUMBER"]),
            public_url=public_url,
        )


def whatsapp_address(number: str) -> str:
    """ "+447..." or "whatsapp:+447..." -> "whatsapp:+447..." (Twilio's WhatsApp address)."""
    number = number.strip().replace(" ", "")
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


# --- buttons as numbered lists ------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    @classmethod
    def from_rasa(cls, button: Mapping[str, Any]) -> Button:
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = button.get("payload") or button.get("url") or title
        return cls(title=title, payload=str(payload))


def numbered_list(text: str, buttons: Sequence[Button]) -> str:
    """The message text, a blank line, then "1. First title" and so on, one per line."""
    choices = "\n".join(f"{number}. {button.title}" for number, button in enumerate(buttons, 1))
    return f"{text.strip()}\n\n{choices}" if text and text.strip() else choices


def _comparable(title: str) -> str:
    return " ".join(title.split()).rstrip(".!").strip().casefold()


def match_button(reply: str, buttons: Sequence[Button]) -> str | None:
    """The payload of the button a reply chooses ("2", "2.", or its title), else None."""
    number = _NUMBER_REPLY.match(reply)
    if number:
        index = int(number.group(1))
        return buttons[index - 1].payload if 1 <= index <= len(buttons) else None
    wanted = _comparable(reply)
    for button in buttons:
        if wanted and _comparable(button.title) == wanted:
            return button.payload
    return None


class ButtonMemory(Protocol):
    """The buttons last shown to each sender (what "1", "2"... refer to)."""

    def remember(self, sender_id: str, buttons: Sequence[Button]) -> None: ...

    def take(self, sender_id: str) -> list[Button]:
        """The sender's last buttons, forgotten from now on (they belong to one turn)."""
        ...


class StoredButtonMemory:
    """ButtonMemory on a key-value store: this process's by default, Redis in production."""

    def __init__(
        self,
        max_senders: int = 10_000,
        ttl_seconds: float | None = BUTTON_MEMORY_SECONDS,
        store: BoundedStore | RedisStore | None = None,
    ) -> None:
        self._store = store if store is not None else BoundedStore(max_senders, ttl_seconds)

    def remember(self, sender_id: str, buttons: Sequence[Button]) -> None:
        self._store.put(sender_id, [[button.title, button.payload] for button in buttons])

    def take(self, sender_id: str) -> list[Button]:
        return [Button(title, payload) for title, payload in self._store.pop(sender_id) or []]


# --- output ---------------------------------------------------------------------------


class WhatsAppOutput(OutputChannel):
    """Replies through Twilio's Messages API (the blocking HTTP call runs in a thread)."""

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    def __init__(self, client: Client, from_number: str, buttons: ButtonMemory) -> None:
        self.client = client
        self.from_number = from_number
        self.buttons = buttons

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_text(text, MAX_BODY_CHARS):
            await self._send(recipient_id, body=part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        choices = [Button.from_rasa(button) for button in buttons]
        if choices:
            self.buttons.remember(recipient_id, choices)
        await self.send_text_message(recipient_id, numbered_list(text, choices))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, media_url=[image])

    async def _send(self, recipient_id: str, **fields: Any) -> None:
        to = whatsapp_address(recipient_id)

        def create() -> Any:
            return self.client.messages.create(to=to, from_=self.from_number, **fields)

        length = len(fields.get("body") or "")
        try:
            message = await asyncio.to_thread(create)
        except TwilioRestException as error:
            # error.msg may quote the number: only the status and Twilio's error code.
            logger.error(
                "whatsapp: Twilio refused a reply (%d chars): HTTP %s, error %s",
                length,
                error.status,
                error.code,
            )
            return
        except Exception as error:  # network: the turn goes on, the failure is logged
            logger.error(
                "whatsapp: sending a reply (%d chars) failed (%s)", length, type(error).__name__
            )
            return
        logger.info(
            "whatsapp: reply %s sent (%d chars, status %s)",
            loggable_id(message.sid),
            length,
            loggable_id(message.status),
        )


# --- input ----------------------------------------------------------------------------


def twilio_form(request: Request) -> RequestParameters:
    """The posted form with empty fields kept (Sanic's `request.form` drops them, but Twilio
    signs them: an empty `Body`, as with a photo, would otherwise fail the signature)."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return RequestParameters()
    body = request.body.decode("utf-8", errors="replace")
    return RequestParameters(parse_qs(body, keep_blank_values=True))


class WhatsAppInput(PlatformWebhook[WhatsAppSettings]):
    """`POST /webhooks/whatsapp/webhook`: Twilio's signed form posts for incoming messages."""

    settings_class = WhatsAppSettings
    platform = Platform(
        "whatsapp", "WhatsApp", "message", "refused a request without a valid Twilio signature",
        refusal_reply="Invalid Twilio signature.",
    )

    def __init__(
        self, settings: WhatsAppSettings | None, http_client: HttpClient | None = None, **common
    ) -> None:
        """`http_client`: Twilio's transport (tests); `common`: PlatformWebhook's arguments."""
        self._http_client = http_client
        super().__init__(settings, **common)

    def prepare(self, settings: WhatsAppSettings | None) -> None:
        self.buttons: ButtonMemory = StoredButtonMemory(
            store=shared_store("whatsapp-buttons", 10_000, BUTTON_MEMORY_SECONDS)
        )
        self._client: Client | None = None
        self._validator: RequestValidator | None = None
        if settings is not None:
            transport = self._http_client or TwilioHttpClient(
                timeout=SEND_TIMEOUT_SECONDS, logger=_twilio_http_logger
            )
            self._client = Client(settings.account_sid, settings.auth_token, http_client=transport)
            self._validator = RequestValidator(settings.auth_token)

    def get_output_channel(self) -> WhatsAppOutput | None:
        if self.settings is None or self._client is None:
            return None
        return WhatsAppOutput(self._client, self.settings.whatsapp_number, self.buttons)

    def authentic(self, request: Request) -> bool:
        """Whether the request carries Twilio's signature for the public URL and its form."""
        signature = request.headers.get("X-Twilio-Signature")
        if not signature or self.settings is None or self._validator is None:
            return False
        url = public_webhook_url(self.settings.public_url, request.path)
        if request.query_string:
            url = f"{url}?{request.query_string}"
        return self._validator.validate(url, twilio_form(request), signature)

    def parse(self, request: Request) -> RequestParameters:
        return twilio_form(request)

    def message_id(self, content: RequestParameters) -> str:
        return loggable_id(content.get("MessageSid"))

    def accepted(self) -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def read(self, content: RequestParameters, message_id: str) -> Incoming | None:
        # Twilio's "whatsapp:+E164" is already the conversation id of the WhatsApp channel.
        sender = (content.get("From") or "").strip()
        if not sender:
            logger.warning("whatsapp: message %s has no sender; ignored", message_id)
            return None
        return Incoming(
            sender,
            content.get("Body") or "",
            rasa_message_id=content.get("MessageSid") or None,
            detail=f"{loggable_id(content.get('NumMedia'))} media",
        )

    def chosen_button(self, conversation: str, text: str) -> str | None:
        """ "1", "2"... or a title: the payload of one of the buttons of the last turn."""
        return match_button(text, self.buttons.take(conversation))
