"""The background sender: hands the outbox to Twilio outside any request. It runs in the worker process
(`flask --app wsgi worker`), next to the Huey consumer; several workers on several machines may run one each.

A poll loop asks the database, every `poll_interval` seconds, which recipients have a message that can go (one
indexed query over the few rows not yet handed to Twilio); a pool of threads delivers each such recipient's
messages oldest first, one thread per recipient at a time, so Twilio's latency is paid in parallel across
recipients and never by a webhook. Which process sends which message is decided by the claim in bot/services/outbox.py, so
order per recipient holds across processes too."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from bot.core import phones
from bot.services import outbox
from integrations.twilio.messenger import MessengerUnavailable

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)


class OutboxSender:
    def __init__(self, services: "Services", threads: int = 16, poll_interval: float = 0.1) -> None:
        if threads < 1:
            raise ValueError("the sender needs at least one thread")
        self.services = services
        self.threads = threads
        self.poll_interval = poll_interval
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._loop: threading.Thread | None = None

    def start(self) -> "OutboxSender":
        self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="outbox-sender")
        self._loop = threading.Thread(target=self._run, name="outbox-poll", daemon=True)
        self._loop.start()
        log.info("outbox sender: %d thread(s), polling every %.2f s", self.threads, self.poll_interval)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop polling and let the messages in hand finish (a Twilio call is never cut off mid-way)."""
        self._stop.set()
        self._wake.set()
        if self._loop is not None:
            self._loop.join(timeout)
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def wake(self) -> None:
        """Look for due messages now instead of at the next poll."""
        self._wake.set()

    def idle(self) -> bool:
        with self._lock:
            return not self._busy

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - the database may be away for a moment; try again next poll
                log.exception("outbox sender: poll failed")
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def poll_once(self) -> int:
        """Start delivering to every recipient with due messages that no thread here is serving; returns how many
        were started."""
        assert self._executor is not None, "start() first"
        started = 0
        for to in outbox.due_recipients(self.services, limit=self.threads * 4):
            with self._lock:
                if to in self._busy:
                    continue
                self._busy.add(to)
            self._executor.submit(self._deliver, to)
            started += 1
        return started

    def _deliver(self, to: str) -> None:
        try:
            outbox.deliver(self.services, to, should_stop=self._stop.is_set)
        except MessengerUnavailable:
            pass  # the message is pending again with a backoff; the poll loop comes back to it
        except Exception:  # noqa: BLE001 - one recipient's failure must not stop the others
            log.exception("outbox sender: delivery to %s failed", phones.mask(to))
        finally:
            with self._lock:
                self._busy.discard(to)
