"""The `clinic` command for the clinic's staff and operators (thin: calls bot modules)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import get_settings


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.store import migrate

    migrate.upgrade(revision=args.revision)
    print(f"Store is at migration {args.revision}.")
    return 0


def _knowledge_load(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import KnowledgeError, load_knowledge

    try:
        report = load_knowledge(args.dir)
    except KnowledgeError as error:
        print(f"error: {error}\nNothing was changed in the store.", file=sys.stderr)
        return 1
    print(report.summary())
    print("Knowledge loaded." if report.changed_anything else "Already up to date.")
    return 0


def _knowledge_check(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import KnowledgeError, read_knowledge_dir

    try:
        bundle = read_knowledge_dir(args.dir)
    except KnowledgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"OK: {len(bundle.topics)} topics, {len(bundle.conditions)} conditions, "
        f"{len(bundle.treatments)} treatments."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinic",
        description="Staff tools of the facial acupuncture clinic assistant. "
        "The store is DATABASE_URL (default: var/clinic.db).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="the store's schema").add_subparsers(
        dest="db_command", required=True, metavar="COMMAND"
    )
    upgrade = db.add_parser("upgrade", help="create or migrate the store's tables (Alembic)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    upgrade.set_defaults(handler=_db_upgrade)

    knowledge = commands.add_parser("knowledge", help="the answers the assistant gives")
    knowledge_commands = knowledge.add_subparsers(
        dest="knowledge_command", required=True, metavar="COMMAND"
    )
    default_dir = get_settings().knowledge_dir
    load = knowledge_commands.add_parser(
        "load",
        help="load data/knowledge/*.yml into the store (safe to re-run; all or nothing)",
    )
    check = knowledge_commands.add_parser(
        "check", help="validate the knowledge files without touching the store"
    )
    for sub, handler in ((load, _knowledge_load), (check, _knowledge_check)):
        sub.add_argument("--dir", type=Path, default=default_dir, help=f"default: {default_dir}")
        sub.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
