"""What the channels may write to a log: platform ids that are plain ids, nothing else."""

from __future__ import annotations

import re

# Ids that platforms put in webhooks (Twilio's MessageSid, Telegram's update_id): safe to log
# only once checked to be plain ids, so nothing a client wrote can end up in a log line.
_LOGGABLE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def loggable_id(value: object) -> str:
    """`value` if it looks like a platform's id, else "?"."""
    text = str(value) if value is not None else ""
    return text if _LOGGABLE_ID.match(text) else "?"
