"""Google's settings, read from the environment by bot.core.config (through the reader the bootstrap gives it):
GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_BASE_URL, GOOGLE_SANDBOX. See the README's "Configuration"."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class GoogleSettings:
    client_id: str = ""
    client_secret: str = ""
    base_url: str = ""  # every Google host under this one URL (tests: the fake Google); "" = Google's own
    sandbox: bool = False  # the local fake Google under /sandbox/google (development only)

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)


def read(get: Callable[[str, str], str], app_env: str) -> GoogleSettings:
    """The settings from the environment (`get(name, default)`); raises ValueError naming a bad variable."""
    raw = get("GOOGLE_SANDBOX", "")
    if raw and raw.lower() not in FLAGS:
        raise ValueError(f"GOOGLE_SANDBOX must be 1 or 0, got {raw!r}")
    sandbox = FLAGS[raw.lower()] if raw else app_env == "development" and not get("GOOGLE_CLIENT_ID", "")
    return GoogleSettings(client_id=get("GOOGLE_CLIENT_ID", ""), client_secret=get("GOOGLE_CLIENT_SECRET", ""),
                          base_url=get("GOOGLE_BASE_URL", "").rstrip("/"), sandbox=sandbox)


def production_problems(settings: GoogleSettings) -> tuple[list[str], str | None]:
    """(the variables production needs once Google is configured, a reason to refuse start-up or None)."""
    required = ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"] if settings.client_id or settings.client_secret else []
    refused = ("GOOGLE_SANDBOX is for trying the bot locally; it cannot run with APP_ENV=production"
               if settings.sandbox else None)
    return required, refused
