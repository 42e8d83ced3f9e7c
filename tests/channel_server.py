"""Input channels' blueprints on a Sanic app of their own, as Rasa mounts them, in a test.

No Rasa model: `on_new_message` records what reaches the assistant and can
answer through the message's output channel, like Rasa would. `ChannelApp` is driven by
Sanic's test client (no port); `serve_channel` runs a real server on a free port.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

from tests.servers import check_servers_allowed, free_port

Reply = Callable[[UserMessage], Awaitable[Any]]


def echo(text: str = "You said: {text}", buttons: list[dict[str, str]] | None = None) -> Reply:
    """What the assistant answers in a channel test: `text` ({text}: the client's message),
    with `buttons` if given, sent through the message's own output channel."""

    async def reply(message: UserMessage) -> None:
        answer = text.format(text=message.text)
        if buttons:
            await message.output_channel.send_text_with_buttons(
                message.sender_id, answer, list(buttons)
            )
        else:
            await message.output_channel.send_text_message(message.sender_id, answer)

    return reply


class ChannelApp:
    """Channels on a Sanic app of its own, as Rasa mounts them, and what reached the bot."""

    def __init__(self, *channels: InputChannel, reply: Reply | None = None) -> None:
        self.channel = channels[0]
        self.received: list[UserMessage] = []
        self.reply = reply

        async def on_new_message(message: UserMessage) -> None:
            self.received.append(message)
            if self.reply is not None:
                await self.reply(message)

        self.app = Sanic(f"{self.channel.name()}_test_{uuid.uuid4().hex[:12]}")
        for channel in channels:
            self.app.blueprint(
                channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.url_prefix()}"
            )


@contextmanager
def serve_channel(
    channel: InputChannel, reply: Callable[[UserMessage], Awaitable[Any]] | None = None
) -> Iterator[tuple[str, list[UserMessage]]]:
    """Yield (base URL of the channel's webhooks, messages received)."""
    check_servers_allowed(f"a {channel.name()} channel server")
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        if reply is not None:
            await reply(message)

    # Several apps start in one process here. Sanic's start-up "touch up" rewrites
    # HTTPResponse.send in place and fails on the second app unless in test mode, where it
    # keeps the original method aside (sanic-testing sets the same flag).
    Sanic.test_mode = True
    app = Sanic(f"channel_test_{uuid.uuid4().hex[:8]}")
    # The same mount point as rasa.core.channels.channel.register.
    app.blueprint(
        channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.url_prefix()}"
    )
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict[str, Any] = {}

    async def start() -> None:
        server = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        await server.startup()
        await server.start_serving()
        state["server"] = server
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("test channel server did not start")
    try:
        yield f"http://127.0.0.1:{port}/webhooks/{channel.url_prefix()}", received
    finally:
        async def stop() -> None:
            server = state["server"]
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
