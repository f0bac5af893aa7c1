"""The background sender: hands the outbox to Twilio outside any request. It runs in the worker process
(`flask --app wsgi worker`), next to the Huey consumer; several workers on several machines may run one each.

One loop thread does all the database work, in batches: every `poll_interval` seconds (or as soon as a call
returns) it asks which recipients have a message that can go (one read-only indexed query over the few rows not
yet handed to Twilio), then in ONE write transaction records the calls that returned and claims the next message
of each recipient that can have one (theirs, and newly due ones, as many as threads are free). A pool of threads
only makes the Twilio calls, one message per thread, one recipient per thread at a time, so Twilio's latency is
paid in parallel across recipients and never by a webhook, and the database sees one short transaction per batch
rather than two per message (on SQLite each one queues for the single writer). Which process sends which message
is decided by the claim in bot/services/outbox.py, so order per recipient holds across processes too."""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from bot.core import phones
from bot.services import outbox

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
RATE_BATCH = 8  # messages claimed together when the cap holds the sender back (100 ms of sending at 80/s)
BACKLOG_RESCAN = 1.0  # seconds a full page of due recipients is used before the backlog is scanned again


class OutboxSender:
    def __init__(self, services: "Services", threads: int = 16, poll_interval: float = 0.1,
                 batch_window: float = 0.005, max_rate: float = 0) -> None:
        if threads < 1:
            raise ValueError("the sender needs at least one thread")
        self.services = services
        self.threads = threads
        self.poll_interval = poll_interval
        self.batch_window = batch_window  # after a call returns, wait this long for others to finish with it
        # At most this many messages a second (0: no cap). Twilio queues what a WhatsApp sender is given faster than
        # its throughput (80/s by default), so sending faster gains nothing; and on a machine shared with the web
        # app, a burst of webhooks is not slowed by a sender racing through their replies (they lag it instead).
        self.max_rate = max_rate
        self._tokens, self._refilled = float(threads), time.monotonic()
        self._in_flight: dict[str, outbox._Claimed] = {}  # recipient -> its message in a thread's hands
        self._done: "queue.SimpleQueue[tuple[outbox._Claimed, dict]]" = queue.SimpleQueue()
        self._unfinished: list[tuple[outbox._Claimed, dict]] = []  # returned calls whose finish failed: retried
        self._due: list[str] = []  # recipients the last scan found due, not yet tried
        self._scanned_at = float("-inf")
        self._due_complete = True  # the last scan found every due recipient (fewer than its limit)
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
        """Stop claiming, let the messages in hand finish (a Twilio call is never cut off mid-way) and record them."""
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
            return not self._in_flight

    def _run(self) -> None:
        deadline = None
        while True:
            stopping = self._stop.is_set()
            try:
                self.poll_once(claim=not stopping)
            except Exception:  # noqa: BLE001 - the database may be away for a moment; try again next poll
                log.exception("outbox sender: poll failed")
            with self._lock:
                if stopping and not self._in_flight and not self._unfinished:
                    return
            if stopping and deadline is None:
                deadline = time.monotonic() + 60  # calls in hand end within Twilio's timeout; then give up
            elif deadline is not None and time.monotonic() > deadline:
                log.error("outbox sender: stopped with calls unrecorded (their claims expire and are checked)")
                return
            pause = self._rate_pause()
            if pause:
                self._stop.wait(pause)  # calls returning meanwhile are recorded together, after it
            else:
                self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self.batch_window and not self._stop.is_set():
                time.sleep(self.batch_window)  # calls returning together are recorded together

    def _rate_pause(self) -> float:
        """Seconds to wait before the next batch when the cap, not the messages, limits the sender (a backlog left
        by a burst): until a batch of `RATE_BATCH` may be claimed. The returned calls are then recorded and the
        next claimed in one transaction per batch rather than one per call, for the same messages per second.
        0 when there is no backlog (a new message goes within the poll interval) or no cap."""
        if not self.max_rate or (self._due_complete and not self._due):
            return 0.0
        missing = min(RATE_BATCH, self.threads) - self._tokens
        return min(self.poll_interval, missing / self.max_rate) if missing > 0 else 0.0

    def poll_once(self, claim: bool = True) -> int:
        """Record the calls that returned and claim the next messages, as many as threads are free; hand them to
        the threads. Returns how many were started."""
        assert self._executor is not None, "start() first"
        finished = self._unfinished
        self._unfinished = []
        while True:
            try:
                finished.append(self._done.get_nowait())
            except queue.Empty:
                break
        with self._lock:
            for claimed, _values in finished:
                self._in_flight.pop(claimed.to, None)
            free = self.threads - len(self._in_flight)
            busy = set(self._in_flight)
        if self.max_rate:
            now = time.monotonic()
            self._tokens = min(float(self.threads), self._tokens + (now - self._refilled) * self.max_rate)
            self._refilled = now
            free = min(free, int(self._tokens))
        wanted: list[str] = []
        if claim:
            # A recipient just served may have a next message; one whose call failed waits for its backoff.
            # Newly due ones fill the threads those find nothing for, in the same transaction.
            wanted = [c.to for c, values in finished if not values.get("_unavailable")][:free]
            if free:
                wanted += self._next_due(busy.union(wanted), free)
        if not finished and not wanted:
            return 0
        try:
            claimed_now = outbox.finish_and_claim(self.services, finished, wanted, limit=free)
        except Exception:
            self._unfinished = finished  # their claims stay ours until the lease ends: record them next time
            raise
        self._tokens -= len(claimed_now)
        with self._lock:
            for claimed in claimed_now:
                self._in_flight[claimed.to] = claimed
        for claimed in claimed_now:
            self._executor.submit(self._send, claimed)
        return len(claimed_now)

    def _next_due(self, taken: set[str], count: int) -> list[str]:
        """Up to `count` recipients with due messages, not in `taken`, from the last scan while it can supply them
        and is fresh, else from a new one. Fresh: younger than the poll interval when that scan found every due
        recipient (a new message may be due since), younger than `BACKLOG_RESCAN` when it found a full page (a
        backlog: the oldest come first, and a newer message waits behind them anyway). A slot freed by a call that
        returned is filled without a scan per call, and a backlog of thousands is not scanned ten times a second.
        The claim checks each again, so a stale one costs nothing but a try."""
        now = time.monotonic()
        fresh_for = self.poll_interval if self._due_complete else BACKLOG_RESCAN
        short = len(self._due) < count and not self._due_complete  # (a complete scan that found none stays fresh)
        if short or now - self._scanned_at >= fresh_for:
            limit = self.threads * 8
            self._due = outbox.due_recipients(self.services, limit=limit)
            self._due_complete = len(self._due) < limit
            self._scanned_at = now
        chosen = [to for to in self._due if to not in taken][:count]
        self._due = [to for to in self._due if to not in taken and to not in chosen]
        return chosen

    def _send(self, claimed: "outbox._Claimed") -> None:
        try:
            values = outbox.send(self.services, claimed)
        except Exception:  # noqa: BLE001 - one recipient's failure must not stop the others
            log.exception("outbox sender: delivery to %s failed", phones.mask(claimed.to))
            values = {"status": "claimed", "_unavailable": True}  # unknown: kept claimed, checked with Twilio
        self._done.put((claimed, values))
        self._wake.set()
