"""Measure what the targets are about, against the same local fakes the tests use:

- webhook: a signed WhatsApp message in, the reply accepted by the (fake) Twilio REST API: latency per message
  (p50/p95/max; target: p95 far inside Twilio's 15 s, we aim under 250 ms) and messages per second, one sender
  after another, on SQLite (and PostgreSQL when TEST_DATABASE_URL is set);
- slots: computing a session's free slots over 14 days with 200 existing bookings (target: under 50 ms), since every
  "book" conversation does it.

Usage: python -m bench.run [--messages 300]"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from datetime import time as dtime
from pathlib import Path

from bench.common import postgres_database
from bot.bootstrap import build_services, create_app
from bot.core import availability
from bot.core.availability import Window
from bot.core.config import Config
from bot.services import bookings
from integrations.mail import ConsoleMailer
from integrations.serving import serve_wsgi
from integrations.twilio.fake import DEFAULT_ACCOUNT_SID, DEFAULT_SENDER, FakeTwilio
from integrations.twilio.signing import sign
from store import migrate, repos
from store.db import unit_of_work
from store.models import Offering

BASE = "https://bot.bench.test"
TOKEN = "bench-twilio-token"
KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXktMTI="


def _services(database_url: str, twilio_url: str):
    config = Config(env="test", database_url=database_url, public_base_url=BASE,
                    twilio_account_sid=DEFAULT_ACCOUNT_SID, twilio_auth_token=TOKEN,
                    twilio_whatsapp_from=DEFAULT_SENDER, twilio_api_base_url=twilio_url,
                    token_encryption_keys=(KEY,), task_queue_url="immediate")
    services = build_services(config)
    services.mailer = ConsoleMailer(stream=open(os.devnull, "w"))
    migrate.upgrade(services.engine)
    return services


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_webhook(label: str, database_url: str, messages: int) -> None:
    fake = FakeTwilio(account_sid=DEFAULT_ACCOUNT_SID, auth_token=TOKEN)
    served = serve_wsgi(fake.app)
    try:
        services = _services(database_url, served.url)
        client = create_app(services=services).test_client()
        script = ["hi", "help", "1", "menu", "what?", "2", "back", "menu"]
        latencies = []
        started = time.perf_counter()
        for i in range(messages):
            phone = f"+4477009{i % 50:05d}"
            form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": DEFAULT_ACCOUNT_SID,
                    "From": f"whatsapp:{phone}", "To": DEFAULT_SENDER, "Body": script[i // 50 % len(script)]}
            headers = {"X-Twilio-Signature": sign(TOKEN, BASE + "/webhooks/twilio/whatsapp", form)}
            t0 = time.perf_counter()
            response = client.post("/webhooks/twilio/whatsapp", data=form, headers=headers, base_url=BASE)
            latencies.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.get_data(as_text=True)
        elapsed = time.perf_counter() - started
        services.engine.dispose()
    finally:
        served.stop()
    ms = [x * 1000 for x in latencies]
    print(f"webhook [{label}] {messages} messages (each: signed POST, transaction, state machine, reply sent to "
          f"fake Twilio over HTTP): p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, .95):.1f} ms, "
          f"max {max(ms):.1f} ms, {messages / elapsed:.0f} msg/s; Twilio accepted {len(fake.messages)} replies")


def bench_slots(database_url: str) -> None:
    services = _services(database_url, "http://127.0.0.1:9")
    now = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
    with unit_of_work(services.sessions) as session:
        contact = repos.get_or_create_contact(session, "+919940790402", now)
        provider = repos.create_provider(session, contact, name="Bench", timezone="Europe/London", now=now)
        offering = Offering(provider_id=provider.id, name="Bench", kind="group", mode="in_person", address="x",
                            duration_minutes=30, price_minor=0, currency="GBP", capacity=3, min_notice_minutes=0,
                            availability=availability.to_json([Window(d, dtime(8), dtime(20)) for d in range(7)]),
                            status="active", created_at=now, updated_at=now)
        session.add(offering)
        session.flush()
        customer = repos.get_or_create_contact(session, "+447700900000", now)
        for start in bookings.free_slots(session, offering, now)[:200]:
            bookings.book(session, offering=offering, customer=customer, start=start, name="C", email="c@x.io",
                          timezone="Europe/London", now=now)
    runs = []
    with unit_of_work(services.sessions) as session:
        offering = session.get(Offering, offering.id)
        for _ in range(20):
            t0 = time.perf_counter()
            free = bookings.free_slots(session, offering, now)
            runs.append((time.perf_counter() - t0) * 1000)
    services.engine.dispose()
    print(f"slots: 14 days x 24 slots/day with 200 bookings -> {len(free)} free slots: "
          f"median {statistics.median(runs):.1f} ms, max {max(runs):.1f} ms over {len(runs)} runs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_webhook("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.messages)
        bench_slots(f"sqlite:///{Path(tmp) / 'slots.db'}")
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        with postgres_database(pg) as url:
            bench_webhook("postgresql", url, args.messages)


if __name__ == "__main__":
    main()
