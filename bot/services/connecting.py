"""Use case: a provider finished a platform's consent page. The connection is stored (video_accounts) and then the
meetings that were waiting for it are made (meetings); the one place that knows both, so neither imports the
other."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services import meetings, video_accounts

if TYPE_CHECKING:
    from bot.services.deps import Services


def complete(services: "Services", platform: str, *, state: str, code: str | None, error: str | None,
             browser_nonce: str | None) -> video_accounts.Connected:
    """See video_accounts.complete; raises its LinkRefused. Meetings that waited for this provider's platform are
    queued once the connection is stored."""
    connected = video_accounts.complete(services, platform, state=state, code=code, error=error,
                                        browser_nonce=browser_nonce)
    meetings.resume_waiting(services, connected.provider_id)
    return connected
