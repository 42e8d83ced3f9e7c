"""A channel's configuration: the settings it needs, and what happens when they are missing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit


class NotConfigured(Exception):
    """A channel's settings are missing; `missing` names the environment variables."""

    def __init__(self, channel: str, missing: Iterable[str], hint: str = "") -> None:
        self.channel = channel
        self.missing = tuple(missing)
        super().__init__(
            f"the {channel} channel needs {', '.join(self.missing)} in the environment"
            + (f" ({hint})" if hint else "")
        )


class ConfiguredBySettings:
    """`from_credentials` for a channel whose settings come from bot.settings.

    Missing settings turn the channel off with a log line instead of stopping Rasa.
    `settings_class.from_settings(overrides=...)` raises NotConfigured when something is
    missing.
    """

    settings_class: ClassVar[Any]

    @classmethod
    def from_credentials(cls: Any, credentials: dict[str, Any] | None) -> Any:
        # cls: Any - a mixin; name() and the one-argument constructor are the channel's.
        try:
            settings = cls.settings_class.from_settings(overrides=credentials or {})
        except NotConfigured as error:
            logging.getLogger(cls.__module__).info("%s: channel off: %s", cls.name(), error)
            return cls(None)
        return cls(settings)


def required_settings(
    channel: str, values: Mapping[str, str], overrides: Mapping[str, object]
) -> dict[str, str]:
    """Each setting (variable name -> value from bot.settings), unless `overrides` (keys in
    lower case, from credentials.yml) has it.

    Raises NotConfigured naming every variable that is missing or empty.
    """
    chosen: dict[str, str] = {}
    missing = []
    for name, setting in values.items():
        value = str(overrides.get(name.lower()) or setting or "").strip()
        if value:
            chosen[name] = value
        else:
            missing.append(name)
    if missing:
        raise NotConfigured(channel, missing)
    return chosen


def public_webhook_url(base: str, path: str) -> str:
    """The URL a platform calls: the public base URL followed by the route's own path.

    Behind a proxy, the URL the server sees (http://127.0.0.1:5005/...) is not the one the
    platform signed, so it is built from configuration. A base that already ends with the
    route's path (someone configured the full webhook URL) is used as it is.
    """
    base = base.strip().rstrip("/")
    path = "/" + path.strip("/")
    if urlsplit(base).path.rstrip("/").endswith(path):
        return base
    return base + path
