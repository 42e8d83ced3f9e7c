"""The front desk console: a small staff web app on its own port (default 127.0.0.1:5010).

Modules: accounts (staff logins, argon2 hashes, lockout), audit (who changed what),
diary (bookings per practitioner, staff cancel/move/add), inbox (handoff requests,
takeover, replies through the outbox), asking (the `clinic ask` answer with sources,
knowledge status), security (login, CSRF, headers), pages (rendering, the route table),
routes/ (the routes by job: auth, inbox, diary, knowledge), app (the app factory),
__main__ (start-up).
"""
