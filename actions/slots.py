"""Slot names as the actions, the forms and the tests use them.

Each is a slot in domain.yml (tests/actions/test_slots.py checks both ways), so a renamed slot
fails a test instead of a conversation.
"""

from __future__ import annotations

# --- booking_form ---
CLIENT_NAME = "client_name"
CONTACT = "contact"
TIME_WISH = "time_wish"
CHOSEN_SLOT = "chosen_slot"
CONSENT = "consent"
BOOKING_CONFIRMED = "booking_confirmed"

# --- manage_booking_form (with TIME_WISH, CHOSEN_SLOT and BOOKING_CONFIRMED) ---
BOOKING_REF = "booking_ref"
BOOKING_CONTACT = "booking_contact"
CANCEL_CONFIRMED = "cancel_confirmed"
MANAGE_ACTION = "manage_action"  # "cancel", "reschedule" or LOCKED (actions/manage_booking.py)
MANAGED_BOOKING = "managed_booking"  # the booking found by reference and contact

# --- what the forms keep between turns ---
WISH_WINDOW = "wish_window"  # the time wish read into earliest/latest/preferred/part_of_day
OFFERED_SLOTS = "offered_slots"  # the free slots shown as buttons, in order
BOOKING_RESULT = "booking_result"  # the booking written (or moved, or cancelled)
FORM_FAILURES = "form_failures"  # answers not understood, per slot

# --- outside the forms ---
BOOKING_OFFERED = "booking_offered"  # the booking offer is made once per conversation
BOOKING_OFFER_PENDING = "booking_offer_pending"  # its Yes/No is the expected answer
REMINDER_ANSWERED = "reminder_answered"  # the reminder this conversation answered

# Rasa's own slot: which form slot is being asked for.
REQUESTED_SLOT = "requested_slot"
