"""Booking helpers: contact details, booking references."""
