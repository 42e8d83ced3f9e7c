"""`clinic knowledge load | check`: the answers the assistant gives, from the YAML files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import Commands, command, command_group, reported
from bot.settings import get_settings


def add_commands(commands: Commands) -> None:
    knowledge = command_group(commands, "knowledge", "the answers the assistant gives")
    default_dir = get_settings().knowledge_dir
    load = command(
        knowledge,
        "load",
        "load data/knowledge/*.yml into the store (safe to re-run; all or nothing)",
    )
    check = command(knowledge, "check", "validate the knowledge files without touching the store")
    for sub, handler in ((load, _load), (check, _check)):
        sub.add_argument("--dir", type=Path, default=default_dir, help=f"default: {default_dir}")
        sub.set_defaults(handler=handler)


def _load(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import KnowledgeError, load_knowledge

    with reported(KnowledgeError, suffix="\nNothing was changed in the store."):
        report = load_knowledge(args.dir)
    print(report.summary())
    print("Knowledge loaded." if report.changed_anything else "Already up to date.")
    return 0


def _check(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import KnowledgeError, problems, read_knowledge_dir

    with reported(KnowledgeError):
        bundle = read_knowledge_dir(args.dir)
    found = problems(bundle)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if found:
        return 1
    print(
        f"OK: {len(bundle.topics)} topics, {len(bundle.conditions)} conditions, "
        f"{len(bundle.treatments)} treatments."
    )
    # Not errors: answers that send clients to the front desk until the clinic fills them in.
    waiting = [t for t in bundle.topics if not t.confirmed]
    if waiting:
        print(
            f"{len(waiting)} answers wait for the clinic to confirm them (confirmed: false; "
            "until then they give the phone number):"
        )
        for topic in waiting:
            print(f"  {topic.key}: {topic.title}")
    return 0
