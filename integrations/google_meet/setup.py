"""Google Meet plugged into the bot: what the bootstrap calls. `read` and `production_problems` (settings.py)
read GOOGLE_* for bot.core.config; `register` puts Google Meet in the registry (always described; an adapter when
credentials or the sandbox are set); `mounts` serves the strict fake Google under /sandbox/google when the sandbox
is on."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from integrations.google_meet.client import GoogleMeetProvider
from integrations.google_meet.fake import FakeGoogle  # light (Flask only); its discovery document is read when built
from integrations.google_meet.platform import GOOGLE_MEET
from integrations.google_meet.settings import GoogleSettings, production_problems, read
from integrations.video import VideoProviderRegistry

__all__ = ["SANDBOX_PREFIX", "mounts", "production_problems", "read", "register"]

SANDBOX_PREFIX = "/sandbox/google"
SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET = "sandbox-client.apps.googleusercontent.com", "sandbox-secret"
SANDBOX_USER = "you@google-sandbox.mynextslot.test"


def register(video: VideoProviderRegistry, settings: GoogleSettings | None, *, public_base_url: str,
             clock: Callable[[], datetime]) -> None:
    settings = settings or GoogleSettings()  # a Config made without Google's settings: not set up
    video.describe(GOOGLE_MEET)  # known even when not set up here (the bot then says so)
    if settings.sandbox:  # the local fake Google, mounted under /sandbox/google (see `mounts`)
        video.register(GoogleMeetProvider.on_one_host(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
                                                      public_base_url + SANDBOX_PREFIX, clock=clock))
    elif settings.enabled and settings.base_url:
        video.register(GoogleMeetProvider.on_one_host(settings.client_id, settings.client_secret, settings.base_url,
                                                      clock=clock))
    elif settings.enabled:
        video.register(GoogleMeetProvider(settings.client_id, settings.client_secret, clock=clock))


def mounts(settings: GoogleSettings | None, *, public_base_url: str) -> dict[str, object]:
    """WSGI apps to serve beside the bot, by path prefix: the sandbox's fake Google (development only)."""
    if settings is None or not settings.sandbox:
        return {}
    fake = FakeGoogle(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
                      redirect_uris=[public_base_url + f"/oauth/{GOOGLE_MEET.name}/callback"])
    fake.add_user(SANDBOX_USER)
    logging.getLogger(__name__).warning("Google sandbox on: Google is the local fake at %s%s (set GOOGLE_CLIENT_ID "
                                        "and GOOGLE_CLIENT_SECRET for the real one)", public_base_url,
                                        SANDBOX_PREFIX)
    return {SANDBOX_PREFIX: fake.app}
