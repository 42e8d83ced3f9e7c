"""Data retention and erasure: `clinic privacy purge` and `clinic privacy erase`.

Two databases hold what clients told us:

- the store (DATABASE_URL): bookings (name, phone, email, sender id) and handoff
  requests (transcript of the last turns, contact, sender id);
- Rasa's tracker store (TRACKER_DB_URL, Rasa's `SQLTrackerStore`): every event of every
  conversation, one row each in its `events` table.

`purge` forgets what is older than a cutoff; `erase` forgets one person. Both keep the
clinic's records (a booking's reference, times, practitioner and status stay) and only
remove what identifies or describes the client.

Each database is changed in one transaction: any failure rolls both back. When the two
are different databases they cannot share a transaction, so the tracker store is
committed first: if the store's commit then failed, the bookings and handoffs that lead
to the person's conversations are still there and re-running the command finishes the
job. When TRACKER_DB_URL is the store's own URL one transaction covers everything.

Nothing here logs or raises with a client's phone, email, name or messages: database
errors are reported by their type only (their text can carry the statement's values).

Modules: purge.py and erase.py (the two commands), store_steps.py (what both change in
the store), tracker_store.py (Rasa's `events` table), transactions.py (one transaction on
each database, committed together), matcher.py (does a text mention the person?).
"""

from bot.privacy.erase import EraseReport, InvalidContact, erase
from bot.privacy.purge import PurgeReport, parse_age, purge
from bot.privacy.store_steps import ERASED_SENDER
from bot.privacy.tracker_store import tracker_url_from_env
from bot.privacy.transactions import PrivacyError

__all__ = [
    "ERASED_SENDER",
    "EraseReport",
    "InvalidContact",
    "PrivacyError",
    "PurgeReport",
    "erase",
    "parse_age",
    "purge",
    "tracker_url_from_env",
]
