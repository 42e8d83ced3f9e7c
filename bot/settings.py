"""Every setting of the assistant, read from the environment in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'clinic.db'}"


@dataclass(frozen=True)
class Settings:
    """Typed settings; each field names the environment variable that overrides it."""

    # DATABASE_URL: the knowledge/booking store (SQLite file by default).
    database_url: str = field(default_factory=_default_database_url)
    # KNOWLEDGE_DIR: the human-edited YAML that `clinic knowledge load` reads.
    knowledge_dir: Path = PROJECT_ROOT / "data" / "knowledge"
    # DB_CONNECT_TIMEOUT: seconds before a store that does not answer counts as down.
    db_connect_timeout: float = 2.0
    # EMERGENCY_NUMBER: used only if the store cannot be read during an emergency.
    emergency_number: str = "999"
    # MAX_MESSAGE_CHARS: longer messages get a polite answer and are not processed.
    max_message_chars: int = 1000
    # RATE_LIMIT_PER_SENDER / RATE_LIMIT_PER_IP: messages per minute on public channels.
    rate_limit_per_sender: int = 30
    rate_limit_per_ip: int = 120
    # MODEL_PATH: the trained Rasa model `clinic ask` uses.
    model_path: Path = PROJECT_ROOT / "models" / "clinic.tar.gz"
    # CLINIC_ENV: "production" in production mode (make run-prod, the systemd units).
    clinic_env: str = ""
    # MAX_BODY_BYTES: request bodies over this are refused with 413 before they are read
    # (every route of the Rasa server: the channels' webhooks, socket.io polling).
    max_body_bytes: int = 16_384
    # TRUSTED_PROXIES: addresses/networks (comma-separated, e.g. "127.0.0.1,10.0.0.0/8") whose
    # X-Forwarded-For / Forwarded headers are believed; anyone else's are ignored.
    trusted_proxies: tuple[str, ...] = ()
    # REST_API_TOKEN: when set, the REST webhook needs "Authorization: Bearer <token>". In
    # production mode the REST channel is off unless it is set (the widget does not need it).
    rest_api_token: str = field(default="", repr=False)
    # ACTION_SERVER_TOKEN: the secret Rasa sends the action server (Authorization: Bearer);
    # the action server refuses calls without it. `make run` generates var/action-token.
    action_server_token: str = field(default="", repr=False)
    # REPLAY_WINDOW_SECONDS: how long WhatsApp MessageSids / Telegram update_ids are remembered.
    replay_window_seconds: int = 24 * 3600
    # GUESS_LIMIT_PER_CONVERSATION / GUESS_LIMIT_PER_SOURCE: failed reference + contact pairs
    # before the assistant stops checking (per conversation; per address, reference or
    # contact), counted over GUESS_WINDOW_SECONDS.
    guess_limit_per_conversation: int = 3
    guess_limit_per_source: int = 10
    guess_window_seconds: int = 3600

    @property
    def production(self) -> bool:
        return self.clinic_env == "production"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            knowledge_dir=Path(env.get("KNOWLEDGE_DIR") or defaults.knowledge_dir),
            db_connect_timeout=float(
                env.get("DB_CONNECT_TIMEOUT") or defaults.db_connect_timeout
            ),
            emergency_number=env.get("EMERGENCY_NUMBER") or defaults.emergency_number,
            max_message_chars=int(env.get("MAX_MESSAGE_CHARS") or defaults.max_message_chars),
            rate_limit_per_sender=int(
                env.get("RATE_LIMIT_PER_SENDER") or defaults.rate_limit_per_sender
            ),
            rate_limit_per_ip=int(env.get("RATE_LIMIT_PER_IP") or defaults.rate_limit_per_ip),
            model_path=Path(env.get("MODEL_PATH") or defaults.model_path),
            clinic_env=(env.get("CLINIC_ENV") or "").strip().lower(),
            max_body_bytes=int(env.get("MAX_BODY_BYTES") or defaults.max_body_bytes),
            trusted_proxies=tuple(
                item for item in re.split(r"[\s,]+", env.get("TRUSTED_PROXIES") or "") if item
            ),
            rest_api_token=(env.get("REST_API_TOKEN") or "").strip(),
            action_server_token=(env.get("ACTION_SERVER_TOKEN") or "").strip(),
            replay_window_seconds=int(
                env.get("REPLAY_WINDOW_SECONDS") or defaults.replay_window_seconds
            ),
            guess_limit_per_conversation=int(
                env.get("GUESS_LIMIT_PER_CONVERSATION") or defaults.guess_limit_per_conversation
            ),
            guess_limit_per_source=int(
                env.get("GUESS_LIMIT_PER_SOURCE") or defaults.guess_limit_per_source
            ),
            guess_window_seconds=int(
                env.get("GUESS_WINDOW_SECONDS") or defaults.guess_window_seconds
            ),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own `Settings`)."""
    return Settings.from_env()
