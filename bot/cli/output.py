"""How `clinic` prints: tables for people, JSON arrays for scripts (`--json`)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any, Generic, Protocol, TypeVar

from bot.cli.common import store_url


class JsonItem(Protocol):
    def as_json(self) -> dict[str, Any]: ...


class Logged(Protocol):
    """Something that happened in a conversation: a handoff request, a refused check."""

    @property
    def id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def channel(self) -> str: ...


Item = TypeVar("Item", bound=JsonItem)
Event = TypeVar("Event", bound=Logged)


def cell(value: object, width: int | None = None) -> str:
    """One table cell: one line, no control characters (client text is untrusted)."""
    text = "-" if value is None or value == "" else str(value)
    text = " ".join(text.split())
    text = "".join(char if char.isprintable() else "?" for char in text)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = (text.ljust(width) for text, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def print_json(items: list[dict[str, Any]]) -> None:
    print(json.dumps(items, indent=2))


def local_time(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def logged_rows(events: Sequence[Event], rest: Callable[[Event], list[str]]) -> list[list[str]]:
    """Table rows that start with the id, the time (on the clinic's clock) and the channel."""
    tz = clinic_timezone_or_utc()
    return [
        [str(event.id), local_time(event.created_at, tz), cell(event.channel), *rest(event)]
        for event in events
    ]


def clinic_timezone_or_utc() -> tzinfo:
    """The clinic's time zone for printed times; UTC before the knowledge is loaded."""
    from bot.booking.service import BookingService
    from bot.store.queries import KnowledgeNotLoaded

    try:
        return BookingService(store_url()).timezone()
    except KnowledgeNotLoaded:
        return timezone.utc


@dataclass(frozen=True)
class Listing(Generic[Item]):
    """A `list` command: what `fetch` finds, as JSON (`--json`), as a sentence when there
    is nothing, or as a table (`rows` is called only for the table: it may read the store
    again), then `after_table`'s line if it has one."""

    fetch: Callable[[argparse.Namespace], Sequence[Item]]
    when_empty: Callable[[argparse.Namespace], str]
    headers: Sequence[str]
    rows: Callable[[Sequence[Item]], list[list[str]]]
    after_table: Callable[[argparse.Namespace], str | None] = lambda _args: None

    def attach(self, parser: argparse.ArgumentParser, json_help: str) -> None:
        """Give the `list` command its --json flag and this as its handler."""
        parser.add_argument("--json", action="store_true", help=json_help)
        parser.set_defaults(handler=self)

    def __call__(self, args: argparse.Namespace) -> int:
        items = self.fetch(args)
        if args.json:
            print_json([item.as_json() for item in items])
        elif not items:
            print(self.when_empty(args))
        else:
            print_table(self.headers, self.rows(items))
            footer = self.after_table(args)
            if footer:
                print(footer)
        return 0
