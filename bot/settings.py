"""Every setting of the assistant, read from the environment in one place."""

from __future__ import annotations

import os
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
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own `Settings`)."""
    return Settings.from_env()
