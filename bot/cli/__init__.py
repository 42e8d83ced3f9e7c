"""The `clinic` command for the clinic's staff and operators (thin: calls bot modules).

One module per command group (db, knowledge, bookings, handoffs, lockouts, slots, ask,
telegram, privacy, outbox, staff), each with an `add_commands`; tables and JSON are
printed by bot/cli/output.py. The console script is `clinic = "bot.cli:main"`.
"""

from bot.cli.ask import load_agent, quiet_warnings
from bot.cli.parser import build_parser, main

__all__ = ["build_parser", "load_agent", "main", "quiet_warnings"]
