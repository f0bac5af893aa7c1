"""The reminder sweep's scan (bot.services.reminders.due) over 100,000 future bookings: what the worker runs every
minute to find the reminders that fell due. Target: under 50 ms on SQLite and PostgreSQL.

The database holds 200 providers with one session each, 2,000 customers in four time zones and 100,000 confirmed
bookings spread over the next 60 days (with 5,000 cancelled ones among them), and as many past bookings with their
three reminders each (the reminders table grows with every booking), in the steady state of a running worker:
every reminder that fell due before the last minute is recorded. Timed: `due` at that moment, 30 times
(median and max), and what it found.

Usage: python -m bench.reminders [--bookings 100000]  (PostgreSQL too when TEST_DATABASE_URL is set)"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, text

from bench.common import KEY, each_database
from bot.bootstrap import build_services
from bot.core import reminders as schedule
from bot.core.config import Config
from bot.services import reminders
from store import migrate
from store.models import Booking, Contact, Offering, Provider, Reminder

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
ZONES = ("Europe/London", "Asia/Kolkata", "America/New_York", "Australia/Sydney")
PROVIDERS, CUSTOMERS, DAYS = 200, 2000, 60


def _fill(services, count: int) -> None:
    created = NOW - timedelta(days=3)
    with services.engine.begin() as conn:
        conn.execute(insert(Contact), [{"id": i, "phone": f"+4477009{i:05d}", "created_at": created}
                                       for i in range(1, PROVIDERS + CUSTOMERS + 1)])
        conn.execute(insert(Provider), [{"id": p, "contact_id": p, "display_name": f"Provider {p}",
                                         "timezone": ZONES[p % 4], "plan": "pro", "booking_code": f"B{p:05d}X",
                                         "created_at": created, "remind_customers": "24h1h", "remind_self": "1h"}
                                        for p in range(1, PROVIDERS + 1)])
        conn.execute(insert(Offering), [{"id": p, "provider_id": p, "name": "Coaching", "kind": "one_to_one",
                                         "mode": "in_person", "address": "Somewhere 1", "duration_minutes": 30,
                                         "price_minor": 1000, "currency": "GBP", "capacity": 1,
                                         "availability": [], "status": "active", "created_at": created,
                                         "updated_at": created} for p in range(1, PROVIDERS + 1)])
        step = DAYS * 86400 / count
        rows, recorded = [], []
        for i in range(count):
            start = NOW + timedelta(seconds=int(i * step) + 60)
            provider = i % PROVIDERS + 1
            customer = PROVIDERS + i % CUSTOMERS + 1
            zone = ZONES[customer % 4]
            status = "cancelled" if i % 20 == 0 else "confirmed"
            rows.append({"id": i + 1, "reference": f"R{i:07d}", "offering_id": provider, "provider_id": provider,
                         "customer_id": customer, "start_at": start, "end_at": start + timedelta(minutes=30),
                         "seat": 0, "status": status, "customer_name": "Customer", "customer_email": "c@example.com",
                         "customer_timezone": zone, "email_status": "sent", "created_at": created,
                         "updated_at": created})
            if start - NOW > schedule.MAX_LEAD or status != "confirmed":
                continue
            for kind in schedule.KINDS:  # the steady state: what fell due before the last minute is recorded
                audience, lead = schedule.split_kind(kind)
                if schedule.due_at(start, lead, zone if audience == "customer" else ZONES[provider % 4]) \
                        <= NOW - timedelta(minutes=1):
                    recorded.append({"booking_id": i + 1, "kind": kind, "start_at": start, "status": "queued",
                                     "created_at": NOW})
        past = []
        for i in range(count):  # the past: bookings over the last 60 days and the reminders they had
            start = NOW - timedelta(seconds=int(i * step) + 3600)
            past.append({**rows[i], "id": count + i + 1, "reference": f"P{i:07d}", "start_at": start,
                         "end_at": start + timedelta(minutes=30), "status": "confirmed"})
            recorded += [{"booking_id": count + i + 1, "kind": kind, "start_at": start, "status": "queued",
                          "created_at": start} for kind in ("customer_24h", "customer_1h", "provider_1h")]
        rows += past
        for chunk in range(0, len(rows), 10000):
            conn.execute(insert(Booking), rows[chunk:chunk + 10000])
        for chunk in range(0, len(recorded), 10000):
            conn.execute(insert(Reminder), recorded[chunk:chunk + 10000])
    if services.engine.dialect.name == "postgresql":
        with services.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with services.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def bench(label: str, database_url: str, count: int) -> None:
    config = Config(env="test", database_url=database_url, token_encryption_keys=(KEY,), task_queue_url="immediate")
    services = build_services(config, clock=lambda: NOW)
    migrate.upgrade(services.engine)
    began = time.perf_counter()
    _fill(services, count)
    filled = time.perf_counter() - began
    found = reminders.due(services, NOW)  # warm-up: connection, statement cache
    timings = []
    for _ in range(30):
        began = time.perf_counter()
        found = reminders.due(services, NOW)
        timings.append((time.perf_counter() - began) * 1000)
    print(f"{label}: {count} bookings (filled in {filled:.1f} s); due scan median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms; {len(found)} reminders due (target < 50 ms)")
    services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=100_000)
    args = parser.parse_args()
    for label, url in each_database("reminders"):
        bench(label, url, args.bookings)


if __name__ == "__main__":
    main()
