"""store/conversations.py, the handler's own statements: the sender read without an ORM query is what an ORM query
loads (every column, persistent and unchanged, its provider loaded), and a message that waited for the sender's
lock reads what the lock's holder committed (on PostgreSQL one statement locks and reads, and a second reads
again when the first read the conversation from before the wait)."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from store import conversations, repos
from store.db import Prepared, connection, make_engine, make_session_factory, session_on, transaction, unit_of_work
from store.models import Contact, InboundMessage

PHONE = "+447700900123"
NOW = datetime(2026, 4, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def lock(conn, session, when: datetime = NOW, sid: str | None = None, country: str | None = "GB"):
    """The locked way's start for PHONE, recording a message (a new MessageSid unless `sid`): the sender."""
    sender, recorded = conversations.lock_and_record(conn, session, PHONE, sid or "SM" + uuid.uuid4().hex, "hi", when,
                                                     country_of=lambda _: country)
    assert recorded
    return sender


def statements(factory) -> list[str]:
    seen: list[str] = []
    event.listen(factory.kw["bind"], "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def a_provider_with_a_conversation(sessions) -> None:
    with unit_of_work(sessions) as session:
        contact = repos.get_or_create_contact(session, PHONE, NOW)
        contact.country, contact.email, contact.timezone = "GB", "asha@example.com", "Europe/London"
        repos.create_provider(session, contact, name="Asha", timezone="Europe/London", now=NOW)
    with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
        sender = lock(conn, session)
        conversations.save(conn, sender.contact, None, "provider_menu", {"_v": 2, "draft": {"listed": [3, 1]}}, NOW)


def columns(instance) -> dict:
    return {attr.key: getattr(instance, attr.key) for attr in type(instance).__mapper__.column_attrs}


@pytest.mark.parametrize("read", ["read_sender", "lock_and_record"])
def test_the_sender_is_what_an_orm_query_loads(sessions, read):
    a_provider_with_a_conversation(sessions)
    with unit_of_work(sessions, read_only=True) as session:
        expected = session.scalars(select(Contact).where(Contact.phone == PHONE)).one()
        expected_contact, expected_provider = columns(expected), columns(expected.provider)
    with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
        if read == "read_sender":
            sender = conversations.read_sender(conn, session, PHONE)
        else:
            sender = lock(conn, session, country=None)
        contact = sender.contact
        assert columns(contact) == expected_contact
        assert contact.last_inbound_at == NOW and contact.last_inbound_at.tzinfo is not None
        seen = statements(sessions)
        assert contact.provider is not None and columns(contact.provider) == expected_provider
        assert contact.provider.contact is contact
        assert seen == [], "the provider was loaded with the contact"
        assert contact in session and contact.provider in session
        assert not session.dirty and not session.new
        assert sender.conversation.state == "provider_menu"
        assert sender.conversation.context == {"_v": 2, "draft": {"listed": [3, 1]}}
        assert sender.conversation.updated_at == NOW
        contact.name = "Asha Rao"  # a step changing the contact: flushed like any loaded object
        session.flush()
    with unit_of_work(sessions, read_only=True) as session:
        assert session.scalar(select(Contact.name).where(Contact.phone == PHONE)) == "Asha Rao"


def test_a_first_contact_is_created_with_its_country_and_no_conversation(sessions):
    with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
        assert conversations.read_sender(conn, session, PHONE) is None
        sender = lock(conn, session)
        assert sender.conversation is None and sender.contact.provider is None
        assert (sender.contact.phone, sender.contact.country, sender.contact.created_at) == (PHONE, "GB", NOW)
        assert not session.dirty


def test_a_message_that_waited_for_the_lock_reads_what_its_holder_committed(sessions):
    """The holder moves the conversation on and signs the contact up while the other waits: the waiter's read
    began before that commit, and still sees both."""
    with unit_of_work(sessions) as session:
        repos.get_or_create_contact(session, PHONE, NOW).country = "GB"
    with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
        sender = lock(conn, session)
        conversations.save(conn, sender.contact, None, "customer_menu", {}, NOW)
    waiter: dict = {}

    def wait_for_the_lock() -> None:
        with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
            sender = lock(conn, session)
            waiter.update(state=sender.conversation.state, provider=sender.contact.provider is not None)

    later = NOW + timedelta(seconds=5)
    with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
        sender = lock(conn, session, later)
        repos.create_provider(session, sender.contact, name="Asha", timezone="Europe/London", now=later)
        conversations.save(conn, sender.contact, sender.conversation, "provider_menu", {"_v": 2}, later)
        thread = threading.Thread(target=wait_for_the_lock)
        thread.start()
        waiting_for(sessions, thread)
    thread.join(timeout=20)
    assert waiter == {"state": "provider_menu", "provider": True}


def waiting_for(sessions, thread: threading.Thread) -> None:
    """Until `thread` waits for a lock (PostgreSQL: its statement is blocked; SQLite: it queues for the writer)."""
    engine = sessions.kw["bind"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and thread.is_alive():
        if engine.dialect.name != "postgresql":
            time.sleep(0.3)
            return
        with engine.connect() as probe:
            if probe.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")):
                return
        time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the lock")


def test_postgresql_reads_again_only_when_the_contact_was_written_without_the_conversation(sessions, monkeypatch):
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite's locked way reads once: BEGIN IMMEDIATE made the transaction the only writer")
    a_provider_with_a_conversation(sessions)
    second_reads: list[str] = []
    read = conversations._RUN["sender"]

    class Counted:
        def first(self, conn, params):
            second_reads.append(params["phone"])
            return read.first(conn, params)

    monkeypatch.setitem(conversations._RUN, "sender", Counted())

    def locked_read() -> conversations.Sender:
        with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
            return lock(conn, session)

    assert locked_read().conversation.state == "provider_menu"
    assert second_reads == [], "contact and conversation written by one transaction: one statement locked and read"
    with unit_of_work(sessions) as session:  # the operator renames the contact: its row, not the conversation's
        session.execute(update(Contact).where(Contact.phone == PHONE).values(name="Asha R."))
    sender = locked_read()
    assert (sender.contact.name, sender.conversation.state) == ("Asha R.", "provider_menu")
    assert second_reads == [PHONE], "written apart: read again under the lock"


def test_a_message_recorded_before_is_not_recorded_again(sessions):
    a_provider_with_a_conversation(sessions)
    sid = "SM" + "d" * 32
    for expected in (True, False):
        with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
            sender, recorded = conversations.lock_and_record(conn, session, PHONE, sid, "help", NOW,
                                                             country_of=lambda _: "GB")
            assert recorded is expected and sender.contact.phone == PHONE
    with unit_of_work(sessions, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)
                              .where(InboundMessage.message_sid == sid)) == 1


def test_a_prepared_statement_fails_as_sqlalchemy_with_its_parameters_hidden(sessions):
    """store.db.Prepared runs on the DB-API cursor; its errors are SQLAlchemy's, parameters hidden as the engine's
    (PostgreSQL's own message may still quote the duplicated key, as it would for any statement)."""
    insert_contact = Prepared(insert(Contact.__table__).values(phone=bindparam("phone"), created_at=bindparam("at")))
    with connection(sessions) as conn, transaction(conn):
        assert insert_contact.rowcount(conn, {"phone": PHONE, "at": NOW}) == 1
    with pytest.raises(IntegrityError) as refused:
        with connection(sessions) as conn, transaction(conn):
            insert_contact.rowcount(conn, {"phone": PHONE, "at": NOW})
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(refused.value)


@pytest.fixture
def postgresql(sessions):
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL's optimistic write (SQLite's read-first pass writes in a short transaction)")
    return sessions


def reply_rows(contact, *bodies: str) -> list[dict]:
    from bot.services import outbox  # (the rows the handler composes)
    return [outbox.compose(contact, [body], NOW, reply=True)[0] for body in bodies]


def optimistic_write(sessions, sender, sid: str, *bodies: str, state: str = "customer_menu"):
    with connection(sessions, autocommit=True) as conn, transaction(conn):
        return conversations.save_if_unchanged(conn, sender.contact, sender.conversation, str(sender.seen), sid,
                                               "help", state, {"_v": 2}, NOW + timedelta(seconds=1),
                                               reply_rows(sender.contact, *bodies))


def read(sessions) -> conversations.Sender:
    with connection(sessions, autocommit=True) as conn, transaction(conn, read_only=True, refuse_writes=True):
        return conversations.read_sender(conn, None, PHONE)


def stored(sessions) -> tuple:
    with unit_of_work(sessions, read_only=True) as session:
        return (session.scalar(text("SELECT state FROM conversations")),
                session.scalar(text("SELECT count(*) FROM inbound_messages")),
                session.scalars(text("SELECT body FROM outbound_messages ORDER BY id")).all(),
                session.scalar(text("SELECT last_inbound_at FROM contacts")))


def test_postgresql_writes_a_message_in_one_statement_outside_a_transaction(postgresql):
    """Recorded, saved and queued (parts in order, as ids give the order of sending) by one statement, committed
    by itself: another connection sees it all before the handler's `transaction` block has even ended."""
    a_provider_with_a_conversation(postgresql)
    sender = read(postgresql)
    later = NOW + timedelta(seconds=1)
    with connection(postgresql, autocommit=True) as conn, transaction(conn):
        ids = conversations.save_if_unchanged(conn, sender.contact, sender.conversation, str(sender.seen),
                                              "SM" + "e" * 32, "help", "customer_menu", {"_v": 2}, later,
                                              reply_rows(sender.contact, "first part", "second part", "third part"))
        assert stored(postgresql) == ("customer_menu", 2, ["first part", "second part", "third part"], later)
    assert len(ids) == 3 and ids == sorted(ids)
    assert sender.contact.last_inbound_at == later


@pytest.mark.parametrize("meanwhile", ["another message", "the contact edited", "the same MessageSid"])
def test_postgresql_writes_nothing_when_the_sender_changed_since_the_read(postgresql, meanwhile):
    a_provider_with_a_conversation(postgresql)
    sender = read(postgresql)
    sid = "SM" + "f" * 32
    if meanwhile == "the contact edited":
        with unit_of_work(postgresql) as session:
            session.execute(update(Contact).where(Contact.phone == PHONE).values(name="Asha R."))
    else:
        with connection(postgresql) as conn, transaction(conn), session_on(conn, postgresql) as session:
            other = lock(conn, session, NOW, sid=sid if meanwhile == "the same MessageSid" else None)
            conversations.save(conn, other.contact, other.conversation, "provider_menu", {"_v": 2}, NOW)
    before = stored(postgresql)
    assert optimistic_write(postgresql, sender, sid, "a reply") is None
    assert stored(postgresql) == before, "nothing written: not the message, the state, a reply or last_inbound_at"


def test_postgresql_write_waits_for_a_message_being_handled_and_then_writes_nothing(postgresql):
    """Another message from the same number holds the contact's lock (the locked way) when the write comes: the
    write waits for it, sees the contact's newer version once it commits, and writes nothing."""
    a_provider_with_a_conversation(postgresql)
    sender = read(postgresql)
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(optimistic_write(postgresql, sender, "SM" + "a" * 32,
                                                                             "a reply")))
    with connection(postgresql) as conn, transaction(conn), session_on(conn, postgresql) as session:
        other = lock(conn, session)
        thread.start()
        waiting_for(postgresql, thread)
        conversations.save(conn, other.contact, other.conversation, "provider_menu", {"_v": 2}, NOW)
    thread.join(timeout=20)
    assert outcome == [None]
    state, inbound, bodies, _ = stored(postgresql)
    assert (state, inbound, bodies) == ("provider_menu", 2, [])


def test_a_number_thought_unknown_that_has_a_contact_after_all_is_read_and_locked(sessions):
    """The read-first pass found no contact, and another message created it since: the insert finds it there
    and the locked way reads it (one contact, this message recorded for it)."""
    a_provider_with_a_conversation(sessions)
    with connection(sessions) as conn, transaction(conn), session_on(conn, sessions) as session:
        sender, recorded = conversations.lock_and_record(conn, session, PHONE, "SM" + "b" * 32, "hi", NOW,
                                                         country_of=lambda _: "GB", unknown=True)
        assert recorded and sender.contact.provider is not None
        assert sender.conversation.state == "provider_menu"
    with unit_of_work(sessions, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_postgresql_a_first_contacts_row_goes_first_and_its_conversation_with_the_message(postgresql):
    """A new number: its contact is inserted by itself (a second insert, as by a message at the same moment, finds
    it there and gets None: the locked way reads it); the message then inserts the conversation."""
    with connection(postgresql, autocommit=True) as conn:
        sender = conversations.create_sender(conn, PHONE, "GB", NOW)
        assert conversations.create_sender(conn, PHONE, "GB", NOW) is None
    assert (sender.contact.phone, sender.contact.country, sender.contact.provider, sender.conversation) == (
        PHONE, "GB", None, None)
    assert optimistic_write(postgresql, sender, "SM" + "9" * 32, "welcome", state="start") is not None
    state, inbound, bodies, _ = stored(postgresql)
    assert (state, inbound, bodies) == ("start", 1, ["welcome"])
    again = read(postgresql)
    assert again.conversation.state == "start" and again.seen != sender.seen
