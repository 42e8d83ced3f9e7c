"""The message guard in front of channels whose platforms call us (WhatsApp, Telegram)."""

from __future__ import annotations

from bot.guard import GuardResult, MessageGuard

# Sent back when a client sends a photo, voice note or sticker: the assistant reads text only.
NON_TEXT_REPLY = "Sorry, I can only read text messages. Please type your question."


def screen(guard: MessageGuard, sender_id: str, raw: str | None) -> GuardResult:
    """Run a typed message through the guard (rate limit, length, clean text, and no Rasa
    payload syntax but our buttons').

    `text` goes to the assistant; else `reply` goes back to the client; neither: the message
    is dropped (over the rate limit: answering each one would multiply a flood).
    Twilio and Telegram call from their own servers, so the guard's per-IP limit is keyed
    by the sender as well; each channel has a guard of its own.
    """
    verdict = guard.check(sender_id, sender_id, raw)
    if verdict.status == 429:
        return GuardResult(status=429)
    if verdict.reply is not None:
        return GuardResult(reply=verdict.reply if (raw or "").strip() else NON_TEXT_REPLY)
    return GuardResult(text=verdict.text)
