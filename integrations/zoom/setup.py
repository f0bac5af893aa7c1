"""Zoom plugged into the bot: what the bootstrap calls, and all it needs to know about Zoom. `read` and
`production_problems` (from settings.py) read ZOOM_* for bot.core.config; `register` puts Zoom in the registry
(always described; an adapter when credentials or the sandbox are set; the webhook parser bound to its secret);
`mounts` serves the local fake Zoom under /sandbox/zoom when the sandbox is on."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from integrations.video import VideoProviderRegistry
from integrations.zoom import webhooks
from integrations.zoom.client import ZoomProvider
from integrations.zoom.platform import ZOOM
from integrations.zoom.settings import ZoomSettings, production_problems, read

__all__ = ["SANDBOX_PREFIX", "mounts", "production_problems", "read", "register"]

SANDBOX_PREFIX = "/sandbox/zoom"
SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
SANDBOX_USER = "you@zoom-sandbox.mynextslot.test"


def register(video: VideoProviderRegistry, settings: ZoomSettings | None, *, public_base_url: str,
             clock: Callable[[], datetime]) -> None:
    settings = settings or ZoomSettings()  # a Config made without Zoom's settings: not set up
    video.describe(ZOOM)  # known even when not set up here (the bot then says so)
    if settings.sandbox:  # the local fake Zoom, mounted under /sandbox/zoom (see `mounts`)
        video.register(ZoomProvider(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
                                    oauth_base_url=public_base_url + SANDBOX_PREFIX,
                                    api_base_url=public_base_url + SANDBOX_PREFIX + "/v2", clock=clock))
    elif settings.enabled:
        video.register(ZoomProvider(settings.client_id, settings.client_secret,
                                    oauth_base_url=settings.oauth_base_url, api_base_url=settings.api_base_url,
                                    clock=clock))
    video.add_webhook(ZOOM.name, partial(webhooks.parse, settings.webhook_secret_token))


def mounts(settings: ZoomSettings | None, *, public_base_url: str) -> dict[str, object]:
    """WSGI apps to serve beside the bot, by path prefix: the sandbox's fake Zoom (development only)."""
    if settings is None or not settings.sandbox:
        return {}
    from integrations.zoom.fake import FakeZoom, body_validation_available  # the fake only when asked for

    fake = FakeZoom(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
                    redirect_uris=[public_base_url + f"/oauth/{ZOOM.name}/callback"],
                    validate_bodies=body_validation_available())
    fake.add_user(SANDBOX_USER)
    logging.getLogger(__name__).warning("Zoom sandbox on: Zoom is the local fake at %s%s (set ZOOM_CLIENT_ID "
                                        "and ZOOM_CLIENT_SECRET for the real one)", public_base_url,
                                        SANDBOX_PREFIX)
    return {SANDBOX_PREFIX: fake.app}
