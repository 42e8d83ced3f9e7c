"""`clinic staff add | reset-password | disable | enable | list`: console accounts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from bot.cli.common import Commands, command, command_group, reported, store_url
from bot.cli.output import Listing, cell, local_time

if TYPE_CHECKING:
    from bot.console.accounts import StaffInfo

HEADERS = ["NAME", "STATUS", "LOCK", "LAST LOGIN (UTC)"]
GROUP_HELP = "staff accounts of the front desk console"
GROUP_DETAILS = """\
Passwords are stored as argon2 hashes and never shown. Five failed logins in a
row lock an account for 15 minutes; reset-password unlocks it."""


def add_commands(commands: Commands) -> None:
    staff = command_group(commands, "staff", GROUP_HELP, GROUP_DETAILS)
    for name, summary in (
        ("add", "add a staff account (asks for the password twice)"),
        ("reset-password", "set a new password (logs the account out everywhere, unlocks it)"),
    ):
        sub = command(staff, name, summary)
        sub.add_argument("name", metavar="NAME")
        sub.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of stdin (for scripts)",
        )
        sub.set_defaults(handler=_change)
    for name, summary in (
        ("disable", "stop an account from logging in (and log it out everywhere)"),
        ("enable", "let a disabled account log in again"),
    ):
        sub = command(staff, name, summary)
        sub.add_argument("name", metavar="NAME")
        sub.set_defaults(handler=_change)
    listing = command(staff, "list", "list staff accounts (never their passwords)")
    Listing(_accounts, _when_empty, HEADERS, _rows).attach(
        listing, "a JSON array instead of a table"
    )


def _operator() -> str:
    """Who ran a `clinic staff` command, for the audit log."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _new_password(args: argparse.Namespace) -> str:
    """From stdin (--password-stdin: scripts and tests) or typed twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(f"New password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _change(args: argparse.Namespace) -> int:
    from bot.console.accounts import AccountError, StaffAccounts

    accounts = StaffAccounts(store_url())
    with reported(AccountError, ValueError):
        if args.staff_command == "add":
            info = accounts.add(args.name, _new_password(args), _operator())
            print(f"Added {info.name}: they can log in to the front desk console now.")
        elif args.staff_command == "reset-password":
            info = accounts.reset_password(args.name, _new_password(args), _operator())
            print(f"New password set for {info.name}; their open sessions are logged out.")
        elif args.staff_command == "disable":
            info = accounts.disable(args.name, _operator())
            print(f"Disabled {info.name}; their open sessions are logged out.")
        else:
            info = accounts.enable(args.name, _operator())
            print(f"Enabled {info.name}.")
    return 0


def _rows(staff: Sequence[StaffInfo]) -> list[list[str]]:
    now = datetime.now(timezone.utc)
    return [
        [
            cell(info.name),
            "active" if info.active else "disabled",
            "locked" if info.locked_until and info.locked_until > now else "-",
            local_time(info.last_login_at, timezone.utc) if info.last_login_at else "never",
        ]
        for info in staff
    ]


def _accounts(_args: argparse.Namespace) -> list[StaffInfo]:
    from bot.console.accounts import StaffAccounts

    return StaffAccounts(store_url()).list()


def _when_empty(_args: argparse.Namespace) -> str:
    return "No staff accounts. Add one with `clinic staff add NAME`."
