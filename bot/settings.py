"""Every setting of the assistant, read from the environment in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where Rasa calls the action server unless ACTION_ENDPOINT_URL says otherwise.
DEFAULT_ACTION_ENDPOINT = "http://127.0.0.1:5055/webhook"
# WhatsApp message templates (outside Twilio's 24-hour window): TWILIO_CONTENT_SID_<NAME>.
TWILIO_CONTENT_SID_PREFIX = "TWILIO_CONTENT_SID_"


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
    # FORM_RETRY_LIMIT: answers to one booking question not understood in a row before the
    # assistant says what it expects, with an example and a person to ask (asked once,
    # re-prompted once by default).
    form_retry_limit: int = 2
    # RATE_LIMIT_PER_SENDER / RATE_LIMIT_PER_IP: messages per minute on public channels.
    rate_limit_per_sender: int = 30
    rate_limit_per_ip: int = 120
    # MODEL_PATH: the trained Rasa model `clinic ask` uses.
    model_path: Path = PROJECT_ROOT / "models" / "clinic.tar.gz"
    # --- outbox: confirmations, reminders, notifications (bot/outbox/) ---
    # SMTP_HOST (empty: no email is sent; those messages are marked skipped), SMTP_PORT,
    # SMTP_USER / SMTP_PASSWORD (optional), SMTP_FROM, SMTP_STARTTLS (1/0), SMTP_SSL (1/0).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    # REMINDER_HOURS: hours before an appointment that reminders go out, e.g. "24,2".
    reminder_hours: tuple[int, ...] = (24,)
    # OUTBOX_MAX_ATTEMPTS: sends tried before a message is marked failed for the staff.
    outbox_max_attempts: int = 8
    # OUTBOX_SECRET: signs "Add to calendar" links and the sender's pushes to the widget
    # (empty: a random one kept in var/outbox.secret, shared by the processes of one host).
    outbox_secret: str = field(default="", repr=False)
    # PUBLIC_BASE_URL: where clients reach the Rasa server (calendar links), e.g.
    # https://bot.example.org; default http://127.0.0.1:$RASA_PORT.
    public_base_url: str = ""
    # WIDGET_PUSH_URL: the Rasa server's internal push route, used when REDIS_URL is not set
    # (with Redis, pushes go through socket.io's Redis manager to every Rasa instance).
    widget_push_url: str = ""
    # FRONT_DESK_EMAIL / STAFF_TELEGRAM_CHAT_ID: where staff notifications go (issue 17).
    front_desk_email: str = ""
    staff_telegram_chat_id: str = ""
    # --- front desk console (bot/console/) ---
    # CONSOLE_BIND / CONSOLE_PORT: where the console listens (loopback by default).
    console_bind: str = "127.0.0.1"
    console_port: int = 5010
    # CONSOLE_SECRET_KEY signs the staff's session cookies (empty: a random one kept in
    # var/console.secret, shared by the console processes of one host).
    console_secret_key: str = field(default="", repr=False)
    # CONSOLE_PUBLIC_URL: the console's address in notifications, e.g. https://desk.example.org.
    console_public_url: str = ""
    # CONSOLE_HTTPS=1 behind a TLS proxy: session cookies are marked Secure.
    console_https: bool = False
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
    # --- production mode and the servers ---
    # REDIS_URL: shared channel state, rate limits and widget pushes across Rasa instances
    # (empty: each process keeps its own).
    redis_url: str = ""
    # TRACKER_DB_URL: Rasa's tracker store (conversations); see `tracker_store_url`.
    tracker_db_url: str = field(default="", repr=False)
    # ACTION_ENDPOINT_URL: where Rasa calls the action server in production mode.
    action_endpoint_url: str = DEFAULT_ACTION_ENDPOINT
    # SANIC_HOST: the action server's listen address (loopback by default).
    action_server_host: str = "127.0.0.1"
    # CLINIC_RASA_SPEEDUPS=off leaves Rasa's per-turn code as it is (bot/rasa_speedups.py).
    rasa_speedups: bool = True
    # --- channels (bot/channels/; credentials.yml keys may override them) ---
    # WIDGET_ALLOWED_ORIGINS: the web pages (origins, comma-separated) the widget serves.
    widget_allowed_origins: tuple[str, ...] = ()
    # TELEGRAM_BOT_TOKEN / TELEGRAM_WEBHOOK_SECRET; TELEGRAM_PUBLIC_URL for set-webhook.
    telegram_bot_token: str = field(default="", repr=False)
    telegram_webhook_secret: str = field(default="", repr=False)
    telegram_public_url: str = ""
    # TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_WHATSAPP_NUMBER / TWILIO_PUBLIC_URL;
    # TWILIO_CONTENT_SID_<NAME>: template ids, as (lower-cased name, sid) pairs.
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_whatsapp_number: str = ""
    twilio_public_url: str = ""
    twilio_content_sids: tuple[tuple[str, str], ...] = ()

    @property
    def production(self) -> bool:
        return self.clinic_env == "production"

    @property
    def uses_default_database(self) -> bool:
        """Whether DATABASE_URL was left unset (the SQLite file under var/)."""
        return self.database_url == _default_database_url()

    @property
    def tracker_store_url(self) -> str | None:
        """Rasa's tracker store database, or None when conversations are not kept in SQL.

        TRACKER_DB_URL; in production mode it defaults to DATABASE_URL (bot.production
        configures Rasa's tracker store from this, `clinic privacy` deletes from it).
        """
        if self.tracker_db_url:
            return self.tracker_db_url
        return self.database_url if self.production else None

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
            form_retry_limit=int(env.get("FORM_RETRY_LIMIT") or defaults.form_retry_limit),
            rate_limit_per_sender=int(
                env.get("RATE_LIMIT_PER_SENDER") or defaults.rate_limit_per_sender
            ),
            rate_limit_per_ip=int(env.get("RATE_LIMIT_PER_IP") or defaults.rate_limit_per_ip),
            model_path=Path(env.get("MODEL_PATH") or defaults.model_path),
            smtp_host=(env.get("SMTP_HOST") or "").strip(),
            smtp_port=int(env.get("SMTP_PORT") or defaults.smtp_port),
            smtp_user=env.get("SMTP_USER") or "",
            smtp_password=env.get("SMTP_PASSWORD") or "",
            smtp_from=(env.get("SMTP_FROM") or "").strip(),
            smtp_starttls=_flag(env.get("SMTP_STARTTLS")),
            smtp_ssl=_flag(env.get("SMTP_SSL")),
            reminder_hours=_hours(env.get("REMINDER_HOURS")) or defaults.reminder_hours,
            outbox_max_attempts=int(
                env.get("OUTBOX_MAX_ATTEMPTS") or defaults.outbox_max_attempts
            ),
            outbox_secret=env.get("OUTBOX_SECRET") or "",
            public_base_url=(env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
            or f"http://127.0.0.1:{env.get('RASA_PORT') or 5005}",
            widget_push_url=(env.get("WIDGET_PUSH_URL") or "").strip()
            or f"http://127.0.0.1:{env.get('RASA_PORT') or 5005}/webhooks/widget/push",
            front_desk_email=(env.get("FRONT_DESK_EMAIL") or "").strip(),
            staff_telegram_chat_id=(env.get("STAFF_TELEGRAM_CHAT_ID") or "").strip(),
            console_bind=(env.get("CONSOLE_BIND") or defaults.console_bind).strip(),
            console_port=int(env.get("CONSOLE_PORT") or defaults.console_port),
            console_secret_key=env.get("CONSOLE_SECRET_KEY") or "",
            console_public_url=(env.get("CONSOLE_PUBLIC_URL") or "").strip().rstrip("/")
            or f"http://127.0.0.1:{env.get('CONSOLE_PORT') or defaults.console_port}",
            console_https=_flag(env.get("CONSOLE_HTTPS")),
            clinic_env=(env.get("CLINIC_ENV") or "").strip().lower(),
            max_body_bytes=int(env.get("MAX_BODY_BYTES") or defaults.max_body_bytes),
            trusted_proxies=_items(env.get("TRUSTED_PROXIES")),
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
            redis_url=_text(env, "REDIS_URL"),
            tracker_db_url=_text(env, "TRACKER_DB_URL"),
            action_endpoint_url=_text(env, "ACTION_ENDPOINT_URL") or defaults.action_endpoint_url,
            action_server_host=_text(env, "SANIC_HOST") or defaults.action_server_host,
            rasa_speedups=(env.get("CLINIC_RASA_SPEEDUPS") or "on").strip().lower()
            not in ("off", "0", "false", "no"),
            widget_allowed_origins=_items(env.get("WIDGET_ALLOWED_ORIGINS")),
            telegram_bot_token=_text(env, "TELEGRAM_BOT_TOKEN"),
            telegram_webhook_secret=_text(env, "TELEGRAM_WEBHOOK_SECRET"),
            telegram_public_url=_text(env, "TELEGRAM_PUBLIC_URL"),
            twilio_account_sid=_text(env, "TWILIO_ACCOUNT_SID"),
            twilio_auth_token=_text(env, "TWILIO_AUTH_TOKEN"),
            twilio_whatsapp_number=_text(env, "TWILIO_WHATSAPP_NUMBER"),
            twilio_public_url=_text(env, "TWILIO_PUBLIC_URL"),
            twilio_content_sids=tuple(
                sorted(
                    (name.removeprefix(TWILIO_CONTENT_SID_PREFIX).lower(), value.strip())
                    for name, value in env.items()
                    if name.startswith(TWILIO_CONTENT_SID_PREFIX) and value.strip()
                )
            ),
        )


def _text(env: dict[str, str], name: str) -> str:
    """The variable without surrounding spaces; "" when unset."""
    return (env.get(name) or "").strip()


def _items(value: str | None) -> tuple[str, ...]:
    """ "a, b c" -> ("a", "b", "c"): a list separated by commas and/or spaces."""
    return tuple(item for item in re.split(r"[\s,]+", value or "") if item)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _hours(value: str | None) -> tuple[int, ...]:
    """ "24,2" -> (24, 2); each a whole number of hours from 1 to 336 (two weeks)."""
    if not value or not value.strip():
        return ()
    hours = sorted({int(part) for part in value.replace(" ", "").split(",") if part}, reverse=True)
    if any(not 1 <= hour <= 336 for hour in hours):
        raise ValueError(f"REMINDER_HOURS must be whole hours from 1 to 336, not {value!r}")
    return tuple(hours)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own `Settings`)."""
    return Settings.from_env()
