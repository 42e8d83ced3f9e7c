"""Production mode: PostgreSQL for the store and Rasa's tracker store, Redis for Rasa's locks.

`python -m bot.production endpoints --out FILE` writes the endpoints.yml that
`make run-prod` gives every Rasa instance, from the environment:

    DATABASE_URL         postgresql://user:pass@host:5432/clinic   (the knowledge/booking store)
    TRACKER_DB_URL       postgresql://...   conversations (default: DATABASE_URL)
    REDIS_URL            redis://host:6379/0   Rasa's lock store (one conversation, one writer)
    ACTION_ENDPOINT_URL  http://127.0.0.1:5055/webhook

The URLs are taken apart here rather than in YAML with ${...}: a password with
special characters, or a missing variable, then fails with a clear message.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

DEFAULT_ACTION_ENDPOINT = "http://127.0.0.1:5055/webhook"


class ProductionConfigError(ValueError):
    """A production setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class ProductionConfig:
    database_url: str
    tracker_db_url: str
    redis_url: str
    action_endpoint_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ProductionConfig:
        env = os.environ if env is None else env
        database_url = env.get("DATABASE_URL", "")
        redis_url = env.get("REDIS_URL", "")
        missing = [
            name
            for name, value in (("DATABASE_URL", database_url), ("REDIS_URL", redis_url))
            if not value
        ]
        if missing:
            raise ProductionConfigError(
                f"production mode needs {' and '.join(missing)} "
                "(e.g. postgresql://clinic@db/clinic and redis://cache:6379/0)"
            )
        config = cls(
            database_url=database_url,
            tracker_db_url=env.get("TRACKER_DB_URL") or database_url,
            redis_url=redis_url,
            action_endpoint_url=env.get("ACTION_ENDPOINT_URL") or DEFAULT_ACTION_ENDPOINT,
        )
        for name, url in (
            ("DATABASE_URL", config.database_url),
            ("TRACKER_DB_URL", config.tracker_db_url),
        ):
            if not url.startswith(("postgresql://", "postgresql+psycopg2://")):
                raise ProductionConfigError(f"{name} must be a postgresql:// URL in production")
        if not redis_url.startswith(("redis://", "rediss://")):
            raise ProductionConfigError("REDIS_URL must be a redis:// or rediss:// URL")
        return config

    def endpoints(self) -> dict:
        """The endpoints.yml content for every Rasa instance."""
        tracker = urlsplit(self.tracker_db_url)
        redis = urlsplit(self.redis_url)
        tracker_store = {
            "type": "SQL",
            "dialect": "postgresql",
            "url": tracker.hostname or "localhost",
            "port": tracker.port or 5432,
            "db": tracker.path.lstrip("/") or "postgres",
            "username": unquote(tracker.username or ""),
            "password": unquote(tracker.password or ""),
        }
        lock_store = {
            "type": "redis",
            "url": redis.hostname or "localhost",
            "port": redis.port or 6379,
            "db": int(redis.path.lstrip("/") or 0),
            "key_prefix": "clinic",
            "use_ssl": redis.scheme == "rediss",
        }
        if redis.password:
            lock_store["password"] = unquote(redis.password)
        return {
            "action_endpoint": {"url": self.action_endpoint_url},
            "tracker_store": tracker_store,
            "lock_store": lock_store,
        }


def write_endpoints(path: Path, env: Mapping[str, str] | None = None) -> Path:
    config = ProductionConfig.from_env(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by `python -m bot.production endpoints` from the environment; do not edit.\n"
        + yaml.safe_dump(config.endpoints(), sort_keys=False),
        encoding="utf-8",
    )
    path.chmod(0o600)  # it holds database and Redis passwords
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.production",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    endpoints = commands.add_parser("endpoints", help="write endpoints.yml from the environment")
    endpoints.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        path = write_endpoints(args.out)
    except ProductionConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
