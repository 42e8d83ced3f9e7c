"""Input channels: guarded REST, website widget, WhatsApp (Twilio) and Telegram.

One module per channel (rest, widget + widget_push, whatsapp, telegram + telegram_api),
on shared parts:

    webhook        the base of the webhooks platforms call (WhatsApp, Telegram)
    config         a channel's settings, and NotConfigured when they are missing
    screening      the message guard in front of platform webhooks
    state          buttons and seen message ids: in this process, or in Redis
    conversations  "<channel>:<id>" conversation ids
    incoming       a request's JSON body; the client's address behind trusted proxies
    server         what registering a channel sets up on Rasa's app (body limit, speed-ups)
    text           long replies cut into pieces
    log_hygiene    the only ids that go into log lines

This package itself imports nothing, so `import bot.channels.<module>` stays cheap.
"""
