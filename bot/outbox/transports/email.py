"""Email through SMTP (stdlib smtplib): plain text, and an .ics for calendar messages.

A calendar message (an attachment whose content type is `text/calendar; method=...`) is
sent the way mail clients recognise an invitation: the text/plain body with the calendar
as its `multipart/alternative`, and the same file attached as `invite.ics` for clients that
only offer attachments. The Message-ID is the body's `message_id` when given (stable per
outbox row), so a repeat after a crash reads as the same message.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from bot.outbox.transports.base import Delivery, PermanentFailure, TemporaryFailure
from bot.settings import Settings

TIMEOUT_SECONDS = 15.0


class EmailTransport:
    channel = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        use_ssl: bool = False,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._user, self._password = user, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailTransport | None:
        if not settings.smtp_host or not settings.smtp_from:
            return None  # email off: email rows end `skipped` (email_not_configured)
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_starttls,
            settings.smtp_ssl,
        )

    def build(self, recipient: str, body: Mapping[str, Any]) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = str(body.get("subject") or "A message from the clinic")
        message["Date"] = formatdate(localtime=False)
        # SMTP_FROM may be "Clinic <bookings@clinic.example>": the domain of the address.
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"
        message_id = body.get("message_id")
        message["Message-ID"] = (
            f"<{message_id}@{domain}>" if message_id else make_msgid(domain=domain)
        )
        if body.get("reply_to"):
            message["Reply-To"] = str(body["reply_to"])
        text = str(body["text"])
        link = body.get("link")
        if isinstance(link, Mapping) and link.get("url"):
            text = f"{text}\n\n{link.get('title') or 'Link'}: {link['url']}"
        message.set_content(text)
        for attachment in body.get("attachments") or []:
            content_type = str(attachment["content_type"])
            maintype, _, rest = content_type.partition("/")
            subtype, *params = [part.strip() for part in rest.split(";")]
            parameters = dict(param.split("=", 1) for param in params if "=" in param)
            data = str(attachment["data"])
            if (maintype, subtype) == ("text", "calendar"):
                # The invitation itself, as mail clients expect it ...
                message.add_alternative(data, subtype="calendar", params=parameters)
            # ... and as a file to open or save.
            message.add_attachment(
                data.encode("utf-8"),
                maintype=maintype,
                subtype=subtype,
                filename=str(attachment.get("filename") or "attachment"),
                params=parameters,
            )
        return message

    def send(self, recipient: str, body: Mapping[str, Any]) -> Delivery:
        message = self.build(recipient, body)
        try:
            with self._connect() as smtp:
                if self.starttls and not self.use_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if self._user:
                    smtp.login(self._user, self._password)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise PermanentFailure("smtp_recipient_refused") from None
        except smtplib.SMTPResponseException as error:
            code = int(error.smtp_code)
            failure = PermanentFailure if 500 <= code < 600 else TemporaryFailure
            raise failure(f"smtp_{code}") from None
        except smtplib.SMTPException as error:
            raise TemporaryFailure(f"smtp_{type(error).__name__}") from None
        except (TimeoutError, OSError) as error:  # refused, unreachable, timed out
            raise TemporaryFailure(f"smtp_{type(error).__name__}") from None
        if refused:
            raise PermanentFailure("smtp_recipient_refused")
        return Delivery.sent()

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)
