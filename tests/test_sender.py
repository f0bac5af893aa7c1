"""The background sender as it runs in production: the webhook only commits, the worker's sender hands the outbox to
(the fake) Twilio over HTTP. Twilio down then up, a sender killed mid-batch, order per recipient with several
senders at once."""
from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.bootstrap import create_app
from bot.services import outbox
from bot.worker.sender import OutboxSender
from store import repos
from store.db import unit_of_work
from store.models import OutboundMessage
from tests.fixtures.chat import WhatsAppUser
from tests.fixtures.worker import ROOT, wait_until, worker_env


def statuses(services) -> dict[str, int]:
    with unit_of_work(services.sessions) as session:
        return dict(session.execute(select(OutboundMessage.status, func.count())
                                    .group_by(OutboundMessage.status)).all())


def queue_for(services, phone: str, text: str, *, in_window: bool = True) -> int:
    """A notification to `phone`, written as a flow writes it, in a transaction of its own."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        contact = repos.get_or_create_contact(session, phone, now)
        if in_window:
            contact.last_inbound_at = now
        [message_id] = outbox.queue(session, contact, [text], now)
    return message_id


@pytest.fixture
def background(services):
    """The services as the web process and the worker have them in production: no inline sending."""
    return dataclasses.replace(services, inline_delivery=False)


@pytest.fixture
def sender(background):
    started: list[OutboxSender] = []

    def start(threads: int = 4, services=None) -> OutboxSender:
        one = OutboxSender(services or background, threads=threads, poll_interval=0.02).start()
        started.append(one)
        return one
    yield start
    for one in started:
        one.stop()


def test_the_webhook_answers_before_anything_is_sent_and_the_sender_delivers(background, fake_twilio, sender):
    client = create_app(services=background).test_client()
    user = WhatsAppUser(client, fake_twilio, "+447700900100")
    response = user.post(user.form("hi"))
    assert response.status_code == 200
    assert fake_twilio.fake.messages == [], "the request did not call Twilio"
    assert statuses(background) == {"pending": 1}
    sender()
    wait_until(lambda: statuses(background) == {"queued": 1}, "the reply handed to Twilio")
    assert len(user.new_replies()) == 1


def test_twilio_down_then_up_loses_nothing_and_retries_within_seconds(background, fake_twilio, sender, clock):
    phones = [f"+4477009002{i:02d}" for i in range(5)]
    ids = [queue_for(background, phone, f"hello {i}") for i, phone in enumerate(phones)]
    fake_twilio.fake.fail_next(503, 20503, times=3)
    sender(threads=2)
    wait_until(lambda: statuses(background).get("queued", 0) == 2, "the two messages Twilio took")
    assert statuses(background) == {"queued": 2, "pending": 3}
    with unit_of_work(background.sessions) as session:
        waiting = session.scalars(select(OutboundMessage).where(OutboundMessage.status == "pending")).all()
        assert {m.next_attempt_at for m in waiting} == {clock.now + outbox.backoff(1)}, "retried in a second"
    clock.advance(seconds=1)
    wait_until(lambda: statuses(background) == {"queued": 5}, "all five after Twilio came back")
    sent = sorted((m["to"], m["body"]) for m in fake_twilio.fake.messages)
    assert sent == sorted((f"whatsapp:{p}", f"hello {i}") for i, p in enumerate(phones)), "each once"
    assert len(ids) == 5


def test_two_senders_keep_each_persons_order(background, fake_twilio, sender, services):
    fake_twilio.fake.latency = 0.01
    anna, ben = "+447700900301", "+447700900302"
    expected = {anna: [], ben: []}
    for i in range(12):
        for phone in (anna, ben):
            text = f"{phone[-3:]} part {i}"
            queue_for(background, phone, text)
            expected[phone].append(text)
    sender(threads=4)  # two processes' senders, racing for the same rows
    sender(threads=4, services=dataclasses.replace(background))
    wait_until(lambda: statuses(background) == {"queued": 24}, "all 24 messages")
    for phone in (anna, ben):
        assert fake_twilio.fake.bodies_to(f"whatsapp:{phone}") == expected[phone]


def test_one_batch_claims_each_persons_oldest_message_and_none_of_someone_with_one_in_hand(background):
    """What the sender's loop does in one transaction: each recipient's oldest message, at most `limit`, in the order
    asked; a recipient whose message another sender holds gets nothing, so nothing overtakes it."""
    anna, ben, cleo = (f"whatsapp:+44770090060{i}" for i in range(3))
    ids = {to: [queue_for(background, to.removeprefix("whatsapp:"), f"{to[-1]} part {n}") for n in range(2)]
           for to in (anna, ben, cleo)}
    first = outbox.finish_and_claim(background, [], [anna, ben])  # one sender takes Anna's and Ben's first
    assert [(c.to, c.id) for c in first] == [(anna, ids[anna][0]), (ben, ids[ben][0])]
    other = outbox.finish_and_claim(background, [], [ben, cleo, anna])  # another sender, racing
    assert [(c.to, c.id) for c in other] == [(cleo, ids[cleo][0])], "Anna's and Ben's wait for the first sender"
    sent = {"status": "queued", "twilio_sid": "SM" + "a" * 32}
    after = outbox.finish_and_claim(background, [(first[0], sent)], [anna, ben], limit=1)
    assert [(c.to, c.id) for c in after] == [(anna, ids[anna][1])], "Anna's second once her first is with Twilio"
    assert statuses(background) == {"queued": 1, "claimed": 3, "pending": 2}


def test_the_due_scan_lists_each_recipients_oldest_message_that_can_go_oldest_first(background, clock):
    """`due_recipients` over a backlog in every state: a recipient is listed once, by their oldest active message,
    and only when that one can go (pending and due, or claimed by a sender whose lease ran out)."""
    anna, ben, cleo, dan, eve = (f"+4477009007{i:02d}" for i in range(5))
    for phone in (anna, ben, cleo, dan, eve, anna, ben, cleo, dan, eve):
        queue_for(background, phone, f"to {phone}")
    [ben_first] = outbox.finish_and_claim(background, [], [f"whatsapp:{ben}"])  # in a sender's hands
    [dan_first] = outbox.finish_and_claim(background, [], [f"whatsapp:{dan}"])
    with unit_of_work(background.sessions) as session:
        session.get(OutboundMessage, dan_first.id).claimed_until = clock.now  # that sender died: its lease ends
        cleo_first = session.scalars(select(OutboundMessage).where(OutboundMessage.to == f"whatsapp:{cleo}")
                                     .order_by(OutboundMessage.id)).first()
        cleo_first.next_attempt_at = clock.now + outbox.backoff(1)  # Twilio was down: it waits a second
    clock.advance(seconds=0.5)
    assert outbox.due_recipients(background) == [f"whatsapp:{p}" for p in (anna, dan, eve)]
    assert outbox.due_recipients(background, limit=2) == [f"whatsapp:{anna}", f"whatsapp:{dan}"]
    clock.advance(seconds=1)
    assert outbox.due_recipients(background) == [f"whatsapp:{p}" for p in (anna, cleo, dan, eve)]
    assert ben_first.to == f"whatsapp:{ben}"  # (still held: a live claim hides Ben's second message)


def test_a_backlog_drains_at_the_cap_in_order_with_few_scans_and_batched_claims(background, fake_twilio,
                                                                                  monkeypatch):
    """After a burst: more recipients than a scan's page, the sender at its cap. Everything goes, in order per
    person; the page is reused rather than the backlog scanned every poll, and the returned calls are recorded and
    the next claimed in batches rather than one transaction per call."""
    scans, transactions = [], []
    real_scan, real_batch = outbox.due_recipients, outbox.finish_and_claim
    monkeypatch.setattr(outbox, "due_recipients", lambda *a, **k: scans.append(1) or real_scan(*a, **k))
    monkeypatch.setattr(outbox, "finish_and_claim", lambda *a, **k: transactions.append(1) or real_batch(*a, **k))
    phones = [f"+4477009008{i:02d}" for i in range(30)]  # a page is threads x 8 = 16 recipients
    for part in range(2):
        for phone in phones:
            queue_for(background, phone, f"part {part}")
    sender = OutboxSender(background, threads=2, poll_interval=0.01, max_rate=100).start()
    try:
        wait_until(lambda: statuses(background) == {"queued": 60}, "all 60 messages", timeout=30)
    finally:
        sender.stop()
    for phone in phones:
        assert fake_twilio.fake.bodies_to(f"whatsapp:{phone}") == ["part 0", "part 1"]
    assert len(scans) < 15, f"{len(scans)} scans for 60 messages (one per poll would be ~60)"
    assert len(transactions) <= 45, f"{len(transactions)} transactions for 60 messages"


def test_a_reply_written_while_an_earlier_message_is_in_flight_waits_for_it(background, fake_twilio, sender):
    fake_twilio.fake.latency = 0.3
    phone = "+447700900401"
    queue_for(background, phone, "your Zoom link")
    sender(threads=4)
    wait_until(lambda: statuses(background).get("claimed") == 1, "the first message in flight")
    queue_for(background, phone, "the answer to your question")
    wait_until(lambda: statuses(background) == {"queued": 2}, "both")
    assert fake_twilio.fake.bodies_to(f"whatsapp:{phone}") == ["your Zoom link", "the answer to your question"]


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(services, config, fake_twilio, tmp_path):
    """kill -9 while Twilio calls are in flight: the next worker finds the expired claims, asks Twilio which it
    took, and sends only the rest."""
    phones = [f"+4477009005{i:02d}" for i in range(8)]
    real_now = datetime.now(timezone.utc)  # the worker runs on the real clock
    with unit_of_work(services.sessions) as session:
        for i, phone in enumerate(phones):
            contact = repos.get_or_create_contact(session, phone, real_now)
            contact.last_inbound_at = real_now
            outbox.queue(session, contact, [f"message {i} a"], real_now)
            outbox.queue(session, contact, [f"message {i} b"], real_now)
    fake_twilio.fake.latency = 0.8
    env = {**worker_env(config, fake_twilio, tmp_path), "TWILIO_TIMEOUT_SECONDS": "2"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"]
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: len(fake_twilio.fake.messages) >= 2 and fake_twilio.fake.in_flight == 2,
                   "the first worker in the middle of the batch, both threads mid-call")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    assert statuses(services).get("claimed"), "killed with calls in flight"
    time.sleep(1.0)  # the calls in flight still reach Twilio, as they do when a client dies after sending
    fake_twilio.fake.latency = 0.0
    second = subprocess.Popen(command, cwd=ROOT, env={**env, "SENDER_THREADS": "4"}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: set(statuses(services)) == {"queued"}, "every message handed to Twilio", timeout=40)
    finally:
        second.terminate()
        output = second.communicate(timeout=15)[0]
    for i, phone in enumerate(phones):
        assert fake_twilio.fake.bodies_to(f"whatsapp:{phone}") == [f"message {i} a", f"message {i} b"], output[-3000:]
    assert "before its sender stopped: not sent again" in output
