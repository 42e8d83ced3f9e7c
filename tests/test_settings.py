"""bot/settings.py is the one place that reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import DEFAULT_ACTION_ENDPOINT, PROJECT_ROOT, Settings

SETTINGS_MODULE = PROJECT_ROOT / "bot" / "settings.py"
CHECKED_PACKAGES = ("bot", "actions")
# Modules that may WRITE (never read) the environment, and why.
ENVIRONMENT_WRITERS = {
    "bot/cli/ask.py": "quiets Rasa and TensorFlow (which read these themselves) for `clinic ask`",
}


def python_files() -> list[Path]:
    return sorted(
        path
        for package in CHECKED_PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if ".venv" not in path.parts
    )


def environment_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, "read"/"write") for each use of os.environ / os.getenv in a module."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(alias.name in ("environ", "environb", "getenv") for alias in node.names):
                uses.append((node.lineno, "read"))
        if not (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "environb", "getenv")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            continue
        parent = parents.get(node)
        writes = (
            isinstance(parent, ast.Attribute) and parent.attr == "setdefault"
        ) or (isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store))
        uses.append((node.lineno, "write" if writes else "read"))
    return uses


def test_only_the_settings_module_reads_the_environment():
    offenders = []
    for path in python_files():
        if path == SETTINGS_MODULE:
            continue
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        for line, use in environment_uses(ast.parse(path.read_text(encoding="utf-8"))):
            if use == "write" and relative in ENVIRONMENT_WRITERS:
                continue
            offenders.append(f"{relative}:{line} ({use})")
    assert offenders == [], "read settings through bot.settings.get_settings(): " + ", ".join(
        offenders
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import os\nos.environ.get('X')", [(2, "read")]),
        ("import os\nos.getenv('X')", [(2, "read")]),
        ("import os\nvalue = os.environ['X']", [(2, "read")]),
        ("from os import environ", [(1, "read")]),
        ("import os\nos.environ.setdefault('X', '1')", [(2, "write")]),
        ("import os\nos.environ['X'] = '1'", [(2, "write")]),
        ("import os\nos.path.join('a', 'b')", []),
    ],
)
def test_the_check_sees_every_way_of_reading_the_environment(source, expected):
    assert environment_uses(ast.parse(source)) == expected


def test_the_tracker_store_defaults_to_the_store_in_production_mode_only():
    store = "postgresql://clinic@db/clinic"

    assert Settings.from_env({"DATABASE_URL": store}).tracker_store_url is None
    production = Settings.from_env({"DATABASE_URL": store, "CLINIC_ENV": "production"})
    assert production.tracker_store_url == store
    separate = Settings.from_env(
        {"DATABASE_URL": store, "TRACKER_DB_URL": " postgresql://db/talk ", "CLINIC_ENV": "x"}
    )
    assert separate.tracker_store_url == "postgresql://db/talk"


def test_channel_and_server_settings_come_from_their_variables():
    settings = Settings.from_env(
        {
            "REDIS_URL": " redis://cache:6379/0 ",
            "SANIC_HOST": "0.0.0.0",
            "CLINIC_RASA_SPEEDUPS": "Off",
            "WIDGET_ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TWILIO_CONTENT_SID_REMINDER": " HX123 ",
            "TWILIO_CONTENT_SID_EMPTY": " ",
        }
    )

    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.action_server_host == "0.0.0.0"
    assert settings.rasa_speedups is False
    assert settings.widget_allowed_origins == ("https://a.example", "https://b.example")
    assert settings.telegram_bot_token == "123:abc"
    assert settings.twilio_content_sids == (("reminder", "HX123"),)
    assert "123:abc" not in repr(settings)


def test_defaults_without_any_variable():
    settings = Settings.from_env({})

    assert settings.redis_url == "" and settings.uses_default_database
    assert settings.rasa_speedups is True
    assert settings.action_server_host == "127.0.0.1"
    assert settings.action_endpoint_url == DEFAULT_ACTION_ENDPOINT
    assert settings.widget_allowed_origins == () and settings.twilio_content_sids == ()
