"""Background work on Huey: meeting creation/update/deletion with backoff, booking emails, the providers' busy
times read from their calendars, and a periodic sweep that sends whatever is still pending (outbox, support
tickets, meetings, emails), the reminders that fell due, and keeps fresh the busy times customers are looking at.
The embedded default keeps the queue in a SQLite file (no extra server); TASK_QUEUE_URL=redis://... shares it
between machines; "immediate" runs tasks inline (tests, and a single process with no worker)."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from bot.services import calendars, meetings, notify, outbox, reminders, support, video_accounts

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
DEFAULT_QUEUE_FILE = Path(__file__).resolve().parents[2] / "instance" / "tasks.db"


def make_huey(url: str) -> Huey:
    if url == "immediate":
        return MemoryHuey("mynextslot", immediate=True)
    if url.startswith(("redis://", "rediss://")):
        return RedisHuey("mynextslot", url=url)
    path = Path(url.removeprefix("sqlite:///")) if url else DEFAULT_QUEUE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("mynextslot", filename=str(path))


class TaskQueue:
    """What the rest of the bot enqueues. Every task re-reads its state from the database, so a lost or repeated
    task is harmless: the sweep finds pending work again, and done work is not done twice."""

    def __init__(self, huey: Huey, services: "Services") -> None:
        self.huey = huey
        self._meeting = huey.task(name="meeting")(lambda meeting_id: meetings.process(services, meeting_id))
        self._email = huey.task(name="booking_email")(
            lambda booking_id: notify.send_booking_email(services, booking_id))
        self._after_deletion = huey.task(name="after_deletion")(lambda ids: _after_deletion(services, ids))
        self._deauthorize = huey.task(name="deauthorize", retries=5, retry_delay=2)(
            lambda platform, user_id, account_id: video_accounts.deauthorize(services, platform, user_id,
                                                                             account_id))
        self._busy_times = huey.task(name="busy_times")(
            lambda provider_id, watch: calendars.refresh(services, provider_id, watch=watch))
        self.sweep = huey.periodic_task(crontab(minute="*"), name="sweep")(lambda: sweep(services))

    def meeting(self, meeting_id: int, eta: datetime | None = None) -> None:
        if eta is None:
            self._meeting(meeting_id)
        else:
            self._meeting.schedule((meeting_id,), eta=eta)

    def booking_email(self, booking_id: int) -> None:
        self._email(booking_id)

    def after_deletion(self, message_ids: list[int]) -> None:
        """Tell the provider (their messages are already in the outbox) and reclaim the deleted rows' storage."""
        self._after_deletion(list(message_ids))

    def deauthorize(self, platform: str, user_id: str, account_id: str | None) -> None:
        self._deauthorize(platform, user_id, account_id)

    def busy_times(self, provider_id: int, watch: bool = True) -> None:
        self._busy_times(provider_id, watch)


def _after_deletion(services: "Services", message_ids: list[int]) -> None:
    outbox.after_commit(services, message_ids)
    video_accounts.purge_deleted_rows(services)


def sweep(services: "Services") -> dict[str, int]:
    """Retry everything that is due: tickets, meetings, emails (and the outbox where no sender runs), and queue the
    reminders that fell due; what the worker runs every minute (and once when it starts)."""
    notify.requeue_stale(services)
    support.requeue_stale(services)
    # The worker's own sender (bot/worker/sender.py) sends the outbox; only where none runs does the sweep send it too.
    done = {"messages": outbox.dispatch(services) if services.inline_delivery else 0,
            "tickets": support.deliver_pending(services)}
    done["meetings"] = sum(meetings.process(services, m) in ("created", "updated", "deleted")
                           for m in meetings.due(services))
    done["emails"] = sum(notify.send_booking_email(services, b) == "sent" for b in notify.pending(services))
    done["reminders"] = reminders.send_due(services)
    done["busy_times"] = calendars.refresh_watched(services)
    return done
