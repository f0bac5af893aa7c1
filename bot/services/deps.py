"""The side effects the bot needs, built once by create_app (or by tests with fakes) and handed to the code that
needs them: database sessions, clock, messenger (Twilio), mailer (SMTP), video providers (Zoom)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.config import Config
from integrations.mail import Mailer
from integrations.twilio.messenger import Messenger
from integrations.video import VideoProviderRegistry
from store.crypto import TokenCipher

if TYPE_CHECKING:
    from bot.worker.tasks import TaskQueue


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
    queue: "TaskQueue | None" = None  # set by build_services once the services exist (tasks need them)
    # True where no background sender runs (TASK_QUEUE_URL=immediate, the chat CLI): the outbox is sent right
    # after commit in the same thread. Otherwise the worker's sender (bot/worker/sender.py) sends it.
    inline_delivery: bool = False

    @property
    def status_callback_url(self) -> str | None:
        if not self.config.twilio_enabled:
            return None
        return f"{self.config.public_base_url}/webhooks/twilio/status"

    def url(self, path: str) -> str:
        return self.config.public_base_url + path
