"""Staff taking over a conversation: while they own it, the assistant stays silent.

A takeover is a row in the store (`conversation_takeovers`, keyed by channel and sender
id). Every input channel wraps Rasa's `on_new_message` with `hold_for_staff`: a message
of a conversation staff own is added to the handoff's transcript instead of reaching Rasa.

Why a row in our store rather than Rasa's pause (a `ConversationPaused` tracker event):
pausing from outside needs Rasa's HTTP API switched on (`--enable-api`, which can read
and rewrite every conversation) or writing into the tracker store behind Rasa's lock
store, and in `make run` the tracker store lives in the Rasa process's memory. The
store is already shared by every Rasa instance, the action server and the console, and
a row there survives restarts. Rasa never sees what the client and staff say to each
other; after the hand-back the assistant starts from where it left off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot import safety
from bot.answers import Answers
from bot.store.models import ConversationTakeover, HandoffMessage
from bot.store.session import StoreUnavailable, session_scope

logger = logging.getLogger(__name__)


def _takeover(session, channel: str, sender_id: str) -> ConversationTakeover | None:
    return session.execute(
        select(ConversationTakeover).where(
            ConversationTakeover.channel == channel,
            ConversationTakeover.sender_id == sender_id,
        )
    ).scalar_one_or_none()


def held_by_staff(
    channel: str | None, sender_id: str | None, text: str | None, database_url: str | None = None
) -> bool:
    """True if staff own this conversation; the client's message is then kept for them."""
    if not channel or not sender_id:
        return False
    with session_scope(database_url) as session:
        takeover = _takeover(session, channel, sender_id)
        if takeover is None:
            return False
        if text:
            session.add(HandoffMessage(handoff_id=takeover.handoff_id, author="client", text=text))
        return True


def urgent_advice_while_held(
    channel: str, sender_id: str, database_url: str | None = None
) -> str:
    """Urgent-care advice for an emergency typed while staff own the conversation.

    Staff may not be looking at the screen: the emergency number must not wait for them.
    The advice goes into the transcript too, so staff see what the client was told.
    """
    advice = Answers(database_url).emergency()
    with session_scope(database_url) as session:
        takeover = _takeover(session, channel, sender_id)
        if takeover is not None:
            session.add(
                HandoffMessage(handoff_id=takeover.handoff_id, author="assistant", text=advice)
            )
    return advice


def hold_for_staff(
    on_new_message: Callable[[Any], Awaitable[Any]],
    held_reply: str | None = None,
    database_url: str | None = None,
) -> Callable[[Any], Awaitable[Any]]:
    """Rasa's `on_new_message`, except for conversations staff have taken over.

    `held_reply` is sent back on channels staff cannot write to (REST). An emergency still
    gets urgent-care advice at once. If the store cannot be read, the message goes to the
    assistant: an answer beats silence.
    """

    async def gate(message: Any) -> Any:
        try:
            held = await asyncio.to_thread(
                held_by_staff,
                message.input_channel,
                message.sender_id,
                message.text,
                database_url,
            )
        except StoreUnavailable as error:
            logger.warning("takeover: store unavailable (%s); message goes to the assistant", error)
            held = False
        if not held:
            return await on_new_message(message)
        logger.info("takeover: a %s message kept for staff", message.input_channel)
        if message.text and safety.is_emergency(message.text):
            advice = await asyncio.to_thread(
                urgent_advice_while_held, message.input_channel, message.sender_id, database_url
            )
            await message.output_channel.send_text_message(message.sender_id, advice)
        if held_reply:
            await message.output_channel.send_text_message(message.sender_id, held_reply)
        return None

    return gate
