"""`clinic db upgrade`: create or migrate the store's tables."""

from __future__ import annotations

import argparse

from bot.cli.common import Commands, command, command_group


def add_commands(commands: Commands) -> None:
    db = command_group(commands, "db", "the store's schema")
    upgrade = command(db, "upgrade", "create or migrate the store's tables (Alembic)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    upgrade.set_defaults(handler=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    from bot.store import migrate

    migrate.upgrade(revision=args.revision)
    print(f"Store is at migration {args.revision}.")
    return 0
