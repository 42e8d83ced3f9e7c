"""What the command groups share: sub-command building, argument types, the store's URL,
and failures reported as `error: ...` with an exit code."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from bot.settings import get_settings

# argparse's type for the object `add_subparsers` returns (its class is private).
Commands = argparse._SubParsersAction


class CommandFailed(Exception):
    """The command could not do its job: `main` prints `error: <message>` and exits `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def reported(
    *errors: type[Exception], suffix: str = "", code: int = 1
) -> Iterator[None]:
    """The domain's `errors` inside become a CommandFailed (their text, then `suffix`)."""
    try:
        yield
    except errors as error:
        raise CommandFailed(f"{error}{suffix}", code) from None


def command(
    commands: Commands, name: str, summary: str, details: str | None = None
) -> argparse.ArgumentParser:
    """A sub-command whose --help starts with the same one-line summary as its listing."""
    description = f"{summary[:1].upper()}{summary[1:]}." + (f"\n\n{details}" if details else "")
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def subcommands(parser: argparse.ArgumentParser, dest: str) -> Commands:
    return parser.add_subparsers(dest=dest, required=True, metavar="COMMAND")


def command_group(
    commands: Commands, name: str, summary: str, details: str | None = None
) -> Commands:
    """A command with sub-commands (`clinic NAME COMMAND`); the chosen one is `NAME_command`."""
    return subcommands(command(commands, name, summary, details), f"{name}_command")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a valid date: {text!r} (expected YYYY-MM-DD, e.g. 2026-11-27)"
        ) from None


def store_url() -> str:
    # Resolved here rather than left to the store's engine cache, which is keyed by the
    # URL argument: with None it would keep the first URL it ever saw.
    return get_settings().database_url
