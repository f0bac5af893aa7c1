"""Busy times on the provider's own calendar, from each connected platform that reads them
(`PlatformInfo.reads_busy_times`: a calendar's free/busy query), so that the slots offered leave them out.

They are read on the webhook's path, so: with an access token that is still valid (a refresh writes, and the
message's transaction is open: a token about to expire is refreshed after commit and used from the next
message), with a short timeout, and cached per provider for CACHE_TTL. When the platform does not answer the
slots are offered as they are and the booking checks again, fresh, at confirm."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.services import video_accounts
from integrations.video import AccessTokenInvalid, ReadsBusyTimes, VideoProviderError

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
CACHE_TTL = timedelta(minutes=3)
HORIZON = timedelta(days=16)  # a little more than the days slots are offered for
READ_TIMEOUT = 3.0  # seconds: a customer is waiting for the slots

Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class Busy:
    periods: tuple[Period, ...]
    known: bool  # every platform answered (else the periods are what is known, and confirm checks again)
    refresh: tuple[str, ...] = ()  # platforms whose access token must be refreshed (after commit)


def busy_times(services: "Services", session: Session, provider_id: int, now: datetime, *,
               fresh: bool = False) -> Busy:
    """The provider's busy periods over the next HORIZON (cached; `fresh` reads them again, as a confirm does)."""
    cached = services.busy_cache.get(provider_id)
    if not fresh and cached is not None and cached[0] > now:
        return cached[1]
    periods: list[Period] = []
    known, refresh = True, []
    for info in services.video.platforms():
        if not info.reads_busy_times or not services.video.configured(info.name):
            continue
        conn = video_accounts.connection(session, provider_id, info.name)
        if conn is None or conn.status != "connected":
            continue
        if conn.access_expires_at - video_accounts.REFRESH_MARGIN <= now:
            known = False
            refresh.append(info.name)
            continue
        reader: ReadsBusyTimes = services.video.get(info.name)  # type: ignore[assignment]
        try:
            periods += reader.busy_times(services.cipher.decrypt(conn.access_token_enc), now, now + HORIZON,
                                         timeout=READ_TIMEOUT)
        except AccessTokenInvalid:
            known = False
            refresh.append(info.name)
        except VideoProviderError as exc:
            log.warning("busy times of provider %s at %s: %s", provider_id, info.name, type(exc).__name__)
            known = False
    busy = Busy(tuple(sorted(periods)), known, tuple(refresh))
    if known:
        services.busy_cache[provider_id] = (now + CACHE_TTL, busy)
    else:
        services.busy_cache.pop(provider_id, None)
    return busy


def refresher(services: "Services", provider_id: int, busy: Busy) -> Callable[[], None]:
    """What to run after commit: refresh the access tokens `busy` could not use, so the next message reads the
    busy times."""
    def refresh() -> None:
        for platform in busy.refresh:
            try:
                video_accounts.access_token(services, provider_id, platform)
            except (video_accounts.NotConnected, VideoProviderError) as exc:
                log.info("busy times: no token for provider %s at %s: %s", provider_id, platform,
                         type(exc).__name__)

    return refresh
