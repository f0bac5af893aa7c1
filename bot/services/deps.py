"""The side effects the bot needs, built once by create_app (or by tests with fakes) and handed to the code that
needs them: database sessions, clock, messenger (Twilio), mailer (SMTP), video platforms (the registry)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.config import Config
from integrations.mail import Mailer
from integrations.twilio.messenger import Messenger
from integrations.video import VideoProviderRegistry
from store.crypto import TokenCipher

UnitOfWork = Session  # what a use case takes: the open transaction of the message (or job) it serves


class Jobs(Protocol):
    """Background work the use cases ask for; the worker's TaskQueue (bot/worker/tasks.py) is the real one. Every
    job re-reads its state from the database, so a lost or repeated job is harmless."""

    def meeting(self, meeting_id: int, eta: datetime | None = None) -> None: ...

    def booking_email(self, booking_id: int) -> None: ...

    def after_deletion(self, message_ids: list[int]) -> None: ...

    def deauthorize(self, platform: str, user_id: str, account_id: str | None) -> None: ...

    def busy_times(self, provider_id: int, watch: bool = True) -> None:
        """Read the provider's busy times again (bot.services.calendars.refresh)."""
        ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    messenger: Messenger
    mailer: Mailer
    video: VideoProviderRegistry
    cipher: TokenCipher
    clock: Callable[[], datetime] = utc_now
    queue: Jobs | None = None  # set by the bootstrap once the services exist (the tasks need them)
    # True where no background sender runs (TASK_QUEUE_URL=immediate, the chat CLI): the outbox is sent right
    # after commit in the same thread. Otherwise the worker's sender (bot/worker/sender.py) sends it.
    inline_delivery: bool = False
    # (provider id, thread) -> (the message's now, busy times read at confirm): bot.services.calendars.at_confirm's
    # read, taken by the same message's locked pass on SQLite (the stored reads are in the database)
    busy_cache: dict[tuple[int, int], tuple[datetime, Any]] = field(default_factory=dict)
    # definition key -> content sid: bot.services.rich's memory of the content_templates table
    content_sids: dict[str, str] = field(default_factory=dict)

    @property
    def status_callback_url(self) -> str | None:
        if not self.config.twilio_enabled:
            return None
        return f"{self.config.public_base_url}/webhooks/twilio/status"

    def url(self, path: str) -> str:
        return self.config.public_base_url + path
