"""A real SMTP server in the test process (aiosmtpd) that keeps what it received."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.servers import free_port


class Inbox:
    """aiosmtpd handler: every accepted message, parsed; `refuse` makes it answer 451."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = False
        self.delay = 0.0  # seconds each DATA takes (lets two senders overlap)
        self.hold = threading.Event()  # cleared: DATA waits until set (or 30 s)
        self.hold.set()
        self.waiting = threading.Event()  # set while a DATA is being held
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio

        if not self.hold.is_set():
            self.waiting.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 30)
            return "451 4.3.0 not now"
        if self.refuse:
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


class SmtpServer:
    """Start/stop an SMTP server on one port (stopping it is "the SMTP server is down")."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
