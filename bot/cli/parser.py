"""The `clinic` command: its parser (one module per command group) and entry point."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import (
    ask,
    bookings,
    db,
    handoffs,
    knowledge,
    lockouts,
    outbox,
    privacy,
    slots,
    staff,
    telegram,
)
from bot.cli.common import CommandFailed, subcommands

# In the order `clinic --help` lists them.
GROUPS = (
    db,
    knowledge,
    bookings,
    handoffs,
    lockouts,
    slots,
    ask,
    telegram,
    privacy,
    outbox,
    staff,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic",
        description="Staff tools of the facial acupuncture clinic assistant. "
        "The store is DATABASE_URL (default: var/clinic.db).",
    )
    commands = subcommands(parser, "command")
    for group in GROUPS:
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    from bot.store.queries import KnowledgeNotLoaded
    from bot.store.session import StoreUnavailable

    try:
        return args.handler(args)
    except CommandFailed as failure:
        message, code = str(failure), failure.code
    except StoreUnavailable as error:
        message = (
            f"{error} (is DATABASE_URL right and the store migrated? see `clinic db upgrade`)"
        )
        code = 1
    except KnowledgeNotLoaded as error:
        message, code = str(error), 1
    print(f"error: {message}", file=sys.stderr)
    return code
