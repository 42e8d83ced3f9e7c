"""Production mode: PostgreSQL for the store and Rasa's tracker store, Redis for Rasa's locks.

`python -m bot.production endpoints --out FILE` writes the endpoints.yml that
`make run-prod` gives every Rasa instance, from the environment:

    DATABASE_URL         postgresql://user:pass@host:5432/clinic   (the knowledge/booking store)
    TRACKER_DB_URL       postgresql://...   conversations (default: DATABASE_URL)
    REDIS_URL            redis://host:6379/0   Rasa's lock store (one conversation, one writer)
    ACTION_ENDPOINT_URL  http://127.0.0.1:5055/webhook
    ACTION_SERVER_TOKEN  the action server's shared secret (sent as Authorization: Bearer)

`python -m bot.production local-endpoints --out FILE` writes the same action endpoint with
the secret for `make run` (endpoints.yml plus the header), and
`python -m bot.production action-token --file var/action-token` prints the secret kept in
that file, creating it (mode 600) when it does not exist yet.

The URLs are taken apart here rather than in YAML with ${...}: a password with
special characters, or a missing variable, then fails with a clear message.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from bot.settings import DEFAULT_ACTION_ENDPOINT, PROJECT_ROOT, Settings, get_settings

MIN_TOKEN_CHARS = 16


def action_endpoint(url: str, token: str) -> dict:
    """Rasa's `action_endpoint`: EndpointConfig sends `headers` with every action call
    (a header, not rasa's `token` query parameter, which would end up in access logs)."""
    return {"url": url, "headers": {"Authorization": f"Bearer {token}"}}


def action_token(path: Path) -> str:
    """The secret kept in `path`; a new random one (file mode 600) if there is none."""
    if path.exists() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    path.chmod(0o600)
    return token


def write_local_endpoints(
    path: Path, action_url: str, token: str, template: Path | None = None
) -> Path:
    """endpoints.yml (for `make run`) with the action endpoint's URL and secret filled in."""
    source = template or PROJECT_ROOT / "endpoints.yml"
    content = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if len(token) < MIN_TOKEN_CHARS:
        raise ProductionConfigError("ACTION_SERVER_TOKEN is missing or too short")
    content["action_endpoint"] = action_endpoint(action_url, token)
    _write_private(
        path,
        "# Written by `python -m bot.production local-endpoints`; do not edit.\n"
        + yaml.safe_dump(content, sort_keys=False),
    )
    return path


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds secrets), mode set before the content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    path.chmod(0o600)


class ProductionConfigError(ValueError):
    """A production setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class ProductionConfig:
    database_url: str
    tracker_db_url: str
    redis_url: str
    action_endpoint_url: str
    action_server_token: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ProductionConfig:
        """From bot.settings (or from `env`, a mapping like the environment)."""
        return cls.from_settings(get_settings() if env is None else Settings.from_env(dict(env)))

    @classmethod
    def from_settings(cls, settings: Settings) -> ProductionConfig:
        # These endpoints are production mode's, whatever CLINIC_ENV says (so the tracker
        # store defaults to the store's database, as in `tracker_store_url`).
        settings = replace(settings, clinic_env="production")
        database_url = "" if settings.uses_default_database else settings.database_url
        redis_url = settings.redis_url
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
            tracker_db_url=settings.tracker_store_url or "",  # set in production mode
            redis_url=redis_url,
            action_endpoint_url=settings.action_endpoint_url,
            action_server_token=settings.action_server_token,
        )
        for name, url in (
            ("DATABASE_URL", config.database_url),
            ("TRACKER_DB_URL", config.tracker_db_url),
        ):
            if not url.startswith(("postgresql://", "postgresql+psycopg2://")):
                raise ProductionConfigError(f"{name} must be a postgresql:// URL in production")
        if not redis_url.startswith(("redis://", "rediss://")):
            raise ProductionConfigError("REDIS_URL must be a redis:// or rediss:// URL")
        if len(config.action_server_token) < MIN_TOKEN_CHARS:
            raise ProductionConfigError(
                f"production mode needs ACTION_SERVER_TOKEN, a random secret of "
                f"{MIN_TOKEN_CHARS}+ characters shared by Rasa and the action server "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
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
            "action_endpoint": action_endpoint(self.action_endpoint_url, self.action_server_token),
            "tracker_store": tracker_store,
            "lock_store": lock_store,
        }


def write_endpoints(path: Path, env: Mapping[str, str] | None = None) -> Path:
    config = ProductionConfig.from_env(env)
    # It holds database and Redis passwords and the action server's secret.
    _write_private(
        path,
        "# Written by `python -m bot.production endpoints` from the environment; do not edit.\n"
        + yaml.safe_dump(config.endpoints(), sort_keys=False),
    )
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
    local = commands.add_parser(
        "local-endpoints", help="endpoints.yml with the action server's URL and secret"
    )
    local.add_argument("--out", type=Path, required=True)
    local.add_argument("--action-url", default=DEFAULT_ACTION_ENDPOINT)
    token = commands.add_parser("action-token", help="print the secret kept in --file")
    token.add_argument("--file", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "action-token":
        print(action_token(args.file))
        return 0
    try:
        if args.command == "local-endpoints":
            path = write_local_endpoints(
                args.out, args.action_url, get_settings().action_server_token
            )
        else:
            path = write_endpoints(args.out)
    except ProductionConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
