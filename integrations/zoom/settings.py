"""Zoom's settings, read from the environment by bot.core.config (through the reader the bootstrap gives it), so
that the environment variable names (ZOOM_CLIENT_ID, ...) live with Zoom. See the README's "Configuration"."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class ZoomSettings:
    client_id: str = ""
    client_secret: str = ""
    webhook_secret_token: str = ""
    oauth_base_url: str = "https://zoom.us"
    api_base_url: str = "https://api.zoom.us/v2"
    sandbox: bool = False  # the local fake Zoom under /sandbox/zoom (development only)

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)


def read(get: Callable[[str, str], str], app_env: str) -> ZoomSettings:
    """The settings from the environment (`get(name, default)`); raises ValueError naming a bad variable."""
    d = ZoomSettings()
    raw = get("ZOOM_SANDBOX", "")
    if raw and raw.lower() not in FLAGS:
        raise ValueError(f"ZOOM_SANDBOX must be 1 or 0, got {raw!r}")
    sandbox = FLAGS[raw.lower()] if raw else app_env == "development" and not get("ZOOM_CLIENT_ID", "")
    return ZoomSettings(
        client_id=get("ZOOM_CLIENT_ID", ""),
        client_secret=get("ZOOM_CLIENT_SECRET", ""),
        webhook_secret_token=get("ZOOM_WEBHOOK_SECRET_TOKEN", ""),
        oauth_base_url=get("ZOOM_OAUTH_BASE_URL", d.oauth_base_url).rstrip("/"),
        api_base_url=get("ZOOM_API_BASE_URL", d.api_base_url).rstrip("/"),
        sandbox=sandbox,
    )


def production_problems(settings: ZoomSettings) -> tuple[list[str], str | None]:
    """(the variables production needs once Zoom is configured, a reason to refuse start-up or None)."""
    required = (["ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET_TOKEN"]
                if settings.client_id or settings.client_secret else [])
    refused = ("ZOOM_SANDBOX is for trying the bot locally; it cannot run with APP_ENV=production"
               if settings.sandbox else None)
    return required, refused
