"""The deploy/ example cannot run here (no systemd): check that it is consistent instead."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
import yaml

from bot.production import ProductionConfig, ProductionConfigError, write_endpoints
from bot.settings import PROJECT_ROOT

SYSTEMD = PROJECT_ROOT / "deploy" / "systemd"
INSTALL_DIR = "/opt/clinic-assistant"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((SYSTEMD / name).read_text())
    return parser


def env_file() -> dict[str, str]:
    lines = (SYSTEMD / "clinic.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


UNITS = [
    "clinic-prepare.service",
    "clinic-actions.service",
    "clinic-rasa@.service",
    "clinic-outbox.service",
    "clinic-console.service",
]


@pytest.mark.parametrize("name", UNITS)
def test_units_run_project_files_that_exist(name):
    service = unit(name)["Service"]
    assert service["WorkingDirectory"] == INSTALL_DIR
    assert service["EnvironmentFile"] == "/etc/clinic/clinic.env"
    for line in (SYSTEMD / name).read_text().splitlines():
        if line.startswith("ExecStart="):
            program = shlex.split(line.removeprefix("ExecStart="))[0]
            relative = Path(program).relative_to(INSTALL_DIR)
            assert relative.parts[:2] == (".venv", "bin")
            assert (PROJECT_ROOT / relative).exists(), relative


def test_rasa_units_listen_on_loopback_with_the_production_endpoints():
    command = unit("clinic-rasa@.service")["Service"]["ExecStart"]

    assert "--interface 127.0.0.1" in command and "--port %i" in command
    assert "var/endpoints.production.yml" in command
    assert "--enable-api" not in command


def test_the_example_environment_makes_valid_production_endpoints(tmp_path):
    env = env_file()

    endpoints = yaml.safe_load(write_endpoints(tmp_path / "endpoints.yml", env).read_text())

    assert env["SANIC_HOST"] == "127.0.0.1"
    assert endpoints["tracker_store"]["type"] == "SQL"
    assert endpoints["tracker_store"]["db"] == "clinic_conversations"
    assert endpoints["lock_store"] == {
        "type": "redis",
        "url": "127.0.0.1",
        "port": 6379,
        "db": 0,
        "key_prefix": "clinic",
        "use_ssl": False,
    }
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "redis://r/0"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://db/clinic"}, "REDIS_URL"),
        ({"DATABASE_URL": "sqlite:///x.db", "REDIS_URL": "redis://r/0"}, "postgresql"),
        ({"DATABASE_URL": "postgresql://db/c", "REDIS_URL": "http://r"}, "redis://"),
    ],
)
def test_production_refuses_incomplete_settings_with_a_clear_message(env, message):
    with pytest.raises(ProductionConfigError, match=message):
        ProductionConfig.from_env(env)


def test_passwords_with_special_characters_survive():
    config = ProductionConfig.from_env(
        {
            "DATABASE_URL": "postgresql://clinic:p%40ss%2Fword@db:5433/clinic",
            "REDIS_URL": "redis://:s%3Acret@cache:6380/2",
            "ACTION_SERVER_TOKEN": "a-long-enough-secret-for-the-test",
        }
    )

    endpoints = config.endpoints()

    assert endpoints["tracker_store"]["password"] == "p@ss/word"
    assert endpoints["tracker_store"]["port"] == 5433
    assert endpoints["lock_store"]["password"] == "s:cret"
    assert endpoints["lock_store"]["db"] == 2


def test_the_reverse_proxy_example_matches_the_trusted_proxies_and_the_body_limit():
    conf = (PROJECT_ROOT / "deploy" / "nginx" / "clinic.conf").read_text()
    env = env_file()

    # nginx runs on the same machine: loopback is the trusted proxy, and nginx replaces
    # (not appends to) X-Forwarded-For, so a client cannot state its own address.
    assert "127.0.0.1" in env["TRUSTED_PROXIES"].split(",")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "$proxy_add_x_forwarded_for;" not in conf
    assert "client_max_body_size 16k;" in conf and env["MAX_BODY_BYTES"] == "16384"
    # Rasa's own HTTP API is never proxied; the action server is not upstream.
    locations = [
        line.split()[1:-1] for line in conf.splitlines() if line.strip().startswith("location")
    ]
    assert locations and not any("conversations" in " ".join(loc) for loc in locations)
    servers = [line.split()[1] for line in conf.splitlines() if line.strip().startswith("server ")]
    assert servers and not any(server.endswith(":5055;") for server in servers)


def test_the_action_server_unit_runs_our_launcher_with_the_token():
    command = unit("clinic-actions.service")["Service"]["ExecStart"]

    assert "-m bot.action_server" in command
    assert len(env_file()["ACTION_SERVER_TOKEN"]) >= 16
