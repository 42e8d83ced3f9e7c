"""Input channels: guarded REST, website widget, WhatsApp (Twilio) and Telegram."""
