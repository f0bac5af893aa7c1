"""The cost of sending one outbox message, as the worker's sender does it: CPU milliseconds (all the sender's threads)
and SQL statements per message, with the strict fake Twilio in a process of its own answering at once (its CPU is
not counted). Messages are queued first (N recipients, M messages each), then one OutboxSender drains them.
On SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL. (Profile it with `py-spy record --gil`: the work is
in the sender's threads.)

Usage: python -m bench.sender [--recipients 200] [--per-recipient 2] [--threads 16] [--repeat 3]
[--max-rate 0] [--only sqlite|postgresql]. Each round's messages stay in the table (sent) under the next round's.
With `--max-rate 80` (the worker's default) a large backlog drains at the cap, as after a burst of webhooks."""
from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from bench.common import ACCOUNT_SID, AUTH_TOKEN, KEY, SENDER
from bench.hotpath import StatementCounter, postgres_database
from bench.load import free_port, postgres_cpu_seconds, wait_port
from bot.bootstrap import build_services
from bot.core.config import Config
from bot.services import outbox
from bot.worker.sender import OutboxSender
from store import migrate, repos
from store.db import unit_of_work
from store.models import OutboundMessage

ROOT = Path(__file__).resolve().parent.parent


def _queue(services, recipients: int, per_recipient: int, round_: int) -> int:
    now = datetime.now(timezone.utc)
    with unit_of_work(services.sessions) as session:
        for i in range(recipients):
            contact = repos.get_or_create_contact(session, f"+4479{round_:02d}{i:06d}", now)
            contact.last_inbound_at = now
            for j in range(per_recipient):
                outbox.queue(session, contact, [f"reply {j} to message {i}"], now, reply=True)
    return recipients * per_recipient


def _active(services) -> int:
    with unit_of_work(services.sessions, read_only=True) as session:
        return session.scalar(select(func.count()).select_from(OutboundMessage)
                              .where(OutboundMessage.status.in_(outbox.ACTIVE)))


def bench(label: str, url: str, args, twilio_url: str) -> None:
    config = Config(env="test", database_url=url, public_base_url="https://bot.bench.test",
                    twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN, twilio_whatsapp_from=SENDER,
                    twilio_api_base_url=twilio_url, token_encryption_keys=(KEY,), task_queue_url="immediate",
                    sender_threads=args.threads)
    services = dataclasses.replace(build_services(config), inline_delivery=False)
    migrate.upgrade(services.engine)
    counter = StatementCounter(services.engine)
    figures = []
    for round_ in range(args.repeat + 1):  # round 0 warms up
        count = _queue(services, args.recipients, args.per_recipient, round_)
        before, cpu, wall = counter.count, time.process_time(), time.monotonic()
        server = postgres_cpu_seconds()
        sender = OutboxSender(services, threads=args.threads, poll_interval=config.sender_poll_seconds,
                              max_rate=args.max_rate)
        sender.start()
        while _active(services):
            time.sleep(0.02)
        sender.stop()
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        server = postgres_cpu_seconds() - server
        if round_:
            figures.append((cpu * 1000 / count, (counter.count - before) / count, count / wall,
                            server * 1000 / count))
    ms, statements, rate, server_ms = min(figures)
    backend = f"  PostgreSQL's processes {server_ms:5.2f} ms/message" if label == "postgresql" else ""
    print(f"{label:10} {ms:6.2f} ms CPU/message (best of {args.repeat})  {statements:5.2f} statements/message  "
          f"{rate:5.0f} messages/s{backend}")
    services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument("--per-recipient", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-rate", type=float, default=0, help="the sender's cap, messages/s (0: none)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        twilio = subprocess.Popen([sys.executable, "-m", "bench.twilio_server", str(port), "0",
                                   str(Path(tmp) / "accepted.json")], cwd=ROOT, env={**os.environ,
                                                                                    "PYTHONPATH": str(ROOT)},
                                  stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            if args.only != "postgresql":
                bench("sqlite", f"sqlite:///{Path(tmp) / 'sender.db'}", args, f"http://127.0.0.1:{port}")
            pg = os.environ.get("TEST_DATABASE_URL", "")
            if pg and args.only != "sqlite":
                with postgres_database(pg) as url:
                    bench("postgresql", url, args, f"http://127.0.0.1:{port}")
        finally:
            twilio.terminate()
            twilio.wait(10)


if __name__ == "__main__":
    main()
