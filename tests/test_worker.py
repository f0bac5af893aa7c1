"""`flask --app wsgi worker` as an operator runs it: a separate process with the Huey consumer, reading the same
database and a SQLite task queue, creating the Zoom meeting of a booking and sending the link."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.services import bookings
from bot.worker.tasks import TaskQueue, make_huey
from store import repos
from store.db import unit_of_work
from store.models import Meeting, Offering
from tests.fixtures.builders import CUSTOMER, make_offering
from tests.fixtures.settings import PUBLIC_BASE_URL, TEST_TOKEN_KEY, ZOOM_WEBHOOK_SECRET

ROOT = Path(__file__).resolve().parent.parent


REDIS_URL = "redis://127.0.0.1:6379/15"


def _queue_url(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'tasks.db'}"
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    return REDIS_URL


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_worker_process_creates_the_meeting_and_sends_the_link(zoom_provider, services, config, fake_zoom,
                                                               fake_twilio, smtp_server, tmp_path, queue):
    queue_url = _queue_url(queue, tmp_path)
    offering_id = make_offering(services, notice=60)
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        offering = session.get(Offering, offering_id)
        customer = repos.get_or_create_contact(session, CUSTOMER, now)
        customer.last_inbound_at = datetime.now(timezone.utc)  # the worker runs on the real clock
        start = bookings.free_slots(session, offering, now)[0]
        booking = bookings.book(session, offering=offering, customer=customer, start=start, name="Priya",
                                email="priya@example.com", timezone="Europe/London", now=now)
    TaskQueue(make_huey(queue_url), services).meeting(booking.meeting_id)  # what the web process does

    env = {**os.environ, "DATABASE_URL": config.database_url, "TASK_QUEUE_URL": queue_url,
           "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TOKEN_ENCRYPTION_KEY": TEST_TOKEN_KEY,
           "TWILIO_ACCOUNT_SID": fake_twilio.account_sid, "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
           "TWILIO_WHATSAPP_FROM": fake_twilio.sender, "TWILIO_API_BASE_URL": fake_twilio.url,
           "SMTP_URL": smtp_server.url, "ZOOM_CLIENT_ID": fake_zoom.client_id,
           "ZOOM_CLIENT_SECRET": fake_zoom.client_secret, "ZOOM_WEBHOOK_SECRET_TOKEN": ZOOM_WEBHOOK_SECRET,
           "ZOOM_OAUTH_BASE_URL": fake_zoom.oauth_base_url, "ZOOM_API_BASE_URL": fake_zoom.api_base_url}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            with unit_of_work(services.sessions) as session:
                meeting = session.get(Meeting, booking.meeting_id)
                status, join_url = meeting.status, meeting.join_url
            texts = fake_twilio.fake.bodies_to(f"whatsapp:{CUSTOMER}")
            if status == "ready" and any(join_url in t for t in texts) and smtp_server.messages:
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=10)[0]
    assert status == "ready", output[-2000:]
    with unit_of_work(services.sessions) as session:
        join_url = session.get(Meeting, booking.meeting_id).join_url
    assert len(fake_zoom.fake.meetings) == 1
    assert any(join_url in body for body in fake_twilio.fake.bodies_to(f"whatsapp:{CUSTOMER}"))
    assert [m["To"] for m in smtp_server.messages] == ["priya@example.com"]


def test_worker_refuses_the_immediate_queue(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0 and "immediate" in result.output
