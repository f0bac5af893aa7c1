"""Simultaneous webhooks, as Twilio sends them when a user types fast or retries: one contact per number, each
MessageSid handled once, one sender's messages one at a time, never a 5xx. Runs on SQLite (BEGIN IMMEDIATE) and
on PostgreSQL (row lock) alike, whichever TEST_DATABASE_URL selects."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from bot.conversation.handler import ConversationHandler
from bot.core import messages as msg
from store.db import unit_of_work
from store.models import Contact, Conversation, InboundMessage, Provider
from tests.fixtures.chat import WhatsAppUser, post_at_once

PHONE = "+919940790402"
THREADS = 6


def count(services, model, *where) -> int:
    with unit_of_work(services.sessions) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def form(fake_twilio, body: str, sid: str | None = None, phone: str = PHONE) -> dict[str, str]:
    return WhatsAppUser(None, fake_twilio, phone).form(body, MessageSid=sid or "SM" + uuid.uuid4().hex)


def test_a_new_number_writing_several_messages_at_once_gets_one_contact(app, services, fake_twilio):
    forms = [form(fake_twilio, text) for text in ("hi", "hello", "menu", "help", "1", "2")[:THREADS]]
    assert post_at_once(app, fake_twilio, forms) == [200] * THREADS
    assert count(services, Contact) == 1
    assert count(services, Conversation) == 1
    assert count(services, InboundMessage) == THREADS
    with unit_of_work(services.sessions) as session:
        sids = session.scalars(select(InboundMessage.message_sid)).all()
    assert sorted(sids) == sorted(f["MessageSid"] for f in forms)
    assert len(fake_twilio.fake.bodies_to("whatsapp:" + PHONE)) == THREADS, "every message answered once"


def test_the_same_message_sid_at_once_is_handled_once(app, services, fake_twilio):
    same = form(fake_twilio, "hi", sid="SM" + "c" * 32)
    assert post_at_once(app, fake_twilio, [dict(same) for _ in range(THREADS)]) == [200] * THREADS
    assert count(services, Contact) == 1
    assert count(services, InboundMessage) == 1
    assert len(fake_twilio.fake.messages) == 1


def test_retries_of_several_messages_interleaved(app, services, fake_twilio):
    first, second = form(fake_twilio, "hi"), form(fake_twilio, "help")
    assert post_at_once(app, fake_twilio, [first, second, dict(first), dict(second)]) == [200] * 4
    assert count(services, InboundMessage) == 2
    assert len(fake_twilio.fake.messages) == 2


def test_different_new_numbers_at_once_each_get_their_contact(app, services, fake_twilio):
    phones = [f"+4479111234{i:02d}" for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    statuses: dict[str, int] = {}

    def run(phone: str) -> None:
        user = WhatsAppUser(app.test_client(), fake_twilio, phone)
        barrier.wait(timeout=10)
        statuses[phone] = user.post(user.form("hi")).status_code

    threads = [threading.Thread(target=run, args=(p,)) for p in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == {p: 200 for p in phones}
    assert count(services, Contact) == THREADS
    assert all(len(fake_twilio.fake.bodies_to("whatsapp:" + p)) == 1 for p in phones)


@pytest.mark.parametrize("existing", [False, True], ids=["new number", "known number"])
def test_one_senders_messages_are_handled_one_at_a_time(app, services, fake_twilio, monkeypatch, whatsapp,
                                                         existing):
    """The first message to reach the state machine waits for a second one to join it. With the sender locked the
    second cannot (a first contact on SQLite): the wait runs out and no overlap is ever seen. A known number's
    messages run the machine before anything is locked (SQLite's writer lock, PostgreSQL's row lock; on PostgreSQL
    a new number's too, once its contact row is inserted), so the two may meet there; then only the first to commit
    keeps its outcome, and the other is handled again after it, from the state it left: the outcome is always that
    of one message after the other."""
    if existing:
        whatsapp(PHONE).send("hi")
    inside, overlap, lock = [0], [False], threading.Lock()
    second_arrived = threading.Event()
    runs: list[tuple[str, str, str]] = []  # (text, state before, state after), in the order they ended
    original = ConversationHandler._run

    def watched(self, dialogue, state):
        with lock:
            inside[0] += 1
            if inside[0] > 1:
                overlap[0] = True
                second_arrived.set()
        try:
            second_arrived.wait(timeout=0.3)
            return original(self, dialogue, state)
        finally:
            with lock:
                inside[0] -= 1
                runs.append((dialogue.inbound.text, state, dialogue.state))

    monkeypatch.setattr(ConversationHandler, "_run", watched)
    forms = [form(fake_twilio, "menu"), form(fake_twilio, "help")]
    assert post_at_once(app, fake_twilio, forms) == [200, 200]
    if not existing and services.engine.dialect.name == "sqlite":
        assert not overlap[0], "two messages from one sender were in the state machine at the same time"
    if overlap[0]:
        assert len(runs) == 3, "the message that lost the race was handled again"
        again = runs[2]
        kept = next(run for run in runs[:2] if run[0] != again[0])
        assert again[1] == kept[2], "handled again from the state the other one left"
    else:
        assert len(runs) == 2 and runs[1][1] == runs[0][2]
    with unit_of_work(services.sessions) as session:
        assert session.scalar(select(Conversation.state)) == runs[-1][2]
    assert count(services, InboundMessage) == 2 + existing


def test_a_step_that_only_talks_skips_the_lock_and_one_that_writes_is_run_again_locked(whatsapp, services,
                                                                                      monkeypatch):
    """The read-first path: "help" from a known number is answered without the locked transaction; a sign-up (a
    step that inserts the provider) is refused its write there and handled again the locked way, to the same
    outcome as if it had been locked from the start."""
    user = whatsapp(PHONE)
    user.send("hi")
    locked = []
    original = ConversationHandler._handle_locked

    def watched(self, inbound, now, **options):
        locked.append(inbound.text)
        return original(self, inbound, now, **options)

    monkeypatch.setattr(ConversationHandler, "_handle_locked", watched)
    assert msg.HELP_MENU.split("\n")[0] in user.send("help")
    assert msg.CUSTOMER_MENU.split("\n")[0] in user.send("menu")
    assert locked == []
    assert msg.SIGNUP_ASK_NAME in user.send("sign up")
    reply = user.send("Asha Rao")
    assert "Asha Rao" in reply
    user.send("YES")
    assert locked == ["YES"], "only the step that created the provider needed the lock"
    with unit_of_work(services.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 1
        assert session.scalar(select(Conversation.state)) == "provider_menu"
    assert count(services, InboundMessage) == 6, "each message recorded once"
