"""The conversation handler's own statements, on the connection it holds for one inbound message
(`store.db.connection`): read (or lock) the sender with its provider and conversation, record the message, store
the new state. Every webhook runs them, so they are Core statements built once (threads share them: statements are
immutable), executed on the connection rather than through a Session, and the sender's rows become ORM objects
without an ORM query (`_attach`): what the steps get is the same persistent Contact and Provider a query would have
loaded, for about a third of the CPU."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, exists, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from store.db import Prepared
from store.models import Contact, Conversation, InboundMessage, OutboundMessage, Provider

_contacts, _providers = Contact.__table__, Provider.__table__
_conversations, _inbound = Conversation.__table__, InboundMessage.__table__
_outbound = OutboundMessage.__table__
# Each model's attributes with their columns, in the order the sender's statements select them.
_CONTACT = tuple((attr.key, attr.columns[0]) for attr in Contact.__mapper__.column_attrs)
_PROVIDER = tuple((attr.key, attr.columns[0]) for attr in Provider.__mapper__.column_attrs)
_P = len(_CONTACT)  # where the provider's columns start in a sender row
_V = _P + len(_PROVIDER)  # and the conversation's: id, state, context, updated_at

def _sender_select(*extra: Any) -> Select:
    """The contact of a number with its provider and conversation (and `extra` columns), labelled by position."""
    columns = (*(column for _, column in _CONTACT), *(column for _, column in _PROVIDER), _conversations.c.id,
               _conversations.c.state, _conversations.c.context, _conversations.c.updated_at, *extra)
    return (select(*(column.label(f"c{n}") for n, column in enumerate(columns)))
            .select_from(_contacts.outerjoin(_providers, _providers.c.contact_id == _contacts.c.id)
                         .outerjoin(_conversations, _conversations.c.contact_id == _contacts.c.id))
            .where(_contacts.c.phone == bindparam("phone")))


_SENDER = _sender_select()
# The read-first path (SQLite): the same, unlocked, with the id of the contact's newest inbound message, which every
# handled message changes: the version a later write checks (`save_unless_newer`).
_SENDER_SEEN = _sender_select(select(_inbound.c.id).where(_inbound.c.contact_id == _contacts.c.id)
                              .order_by(_inbound.c.id.desc()).limit(1).scalar_subquery())  # one index step
# PostgreSQL's optimistic way reads the same, unlocked and outside any transaction, with the version of the contact's
# row (the transaction id that wrote it, `xmin`): every handled message writes the contact (`last_inbound_at`), so
# the version changes with each, and `save_if_unchanged` writes only while it has not.
_CONTACT_VERSION = literal_column("contacts.xmin::text")
_SENDER_VERSIONED = {"sqlite": _SENDER_SEEN, "postgresql": _sender_select(_CONTACT_VERSION)}
# PostgreSQL's locked way, one statement: the contact's row locked (FOR NO KEY UPDATE: rows referencing it may still
# be inserted) and read with the transaction ids that wrote its version and the conversation's (see
# `lock_and_record`), then the message recorded for the contact that lock returned (the INSERT reads the locked
# row, so it runs once the lock is held: a retry of the same message waits behind it as before).
_LOCKED = (_sender_select(_CONTACT_VERSION, literal_column("conversations.xmin::text"))
           .with_for_update(of=_contacts, key_share=True).cte("sender"))
_RECORDED = (postgresql_insert(_inbound).from_select(
    ["message_sid", "contact_id", "body", "received_at"],
    select(bindparam("message_sid", type_=_inbound.c.message_sid.type), _LOCKED.c.c0,
           bindparam("body", type_=_inbound.c.body.type), bindparam("received_at", type_=_inbound.c.received_at.type)))
    .on_conflict_do_nothing(index_elements=["message_sid"]).returning(_inbound.c.id).cte("recorded"))
_LOCK_READ_AND_RECORD = select(*_LOCKED.c, select(_RECORDED.c.id).scalar_subquery())
_FIRST_CONTACT = {dialect: dialect_insert(_contacts).values(phone=bindparam("phone"), country=bindparam("country"),
                                                             created_at=bindparam("created_at"))
                  .on_conflict_do_nothing(index_elements=["phone"]).returning(*(c for _, c in _CONTACT))
                  for dialect, dialect_insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}
# PostgreSQL's optimistic way, a first contact: its row inserted by itself, with its version.
_CREATED = _FIRST_CONTACT["postgresql"].returning(_CONTACT_VERSION)
_INBOUND = {dialect: dialect_insert(_inbound)
            .values(message_sid=bindparam("message_sid"), contact_id=bindparam("contact_id"), body=bindparam("body"),
                    received_at=bindparam("received_at"))
            .on_conflict_do_nothing(index_elements=["message_sid"]).returning(_inbound.c.id)
            for dialect, dialect_insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}
_SAVE = (update(_conversations).where(_conversations.c.id == bindparam("conversation_id"))
         .values(state=bindparam("state"), context=bindparam("context"), updated_at=bindparam("updated_at")))
_SAVE_UNLESS_NEWER = _SAVE.where(~select(_inbound.c.id).where(
    _inbound.c.contact_id == bindparam("sender_id"), _inbound.c.id > bindparam("seen")).exists())
_NEW = insert(_conversations).values(contact_id=bindparam("contact_id"), state=bindparam("state"),
                                     context=bindparam("context"), updated_at=bindparam("updated_at"))
_LAST_INBOUND = (update(_contacts).where(_contacts.c.id == bindparam("sender_id"))
                 .values(last_inbound_at=bindparam("last_inbound_at")))
# PostgreSQL: the conversation and the contact's last_inbound_at in one statement (one round trip).
_TOUCHED = _LAST_INBOUND.cte("touched")
_SAVE_AND_TOUCH = {False: _SAVE.add_cte(_TOUCHED), True: _NEW.add_cte(_TOUCHED)}
_PER_PART = frozenset({"body", "media_url"})  # the outbox columns that differ between the parts of one reply


def _save_if_unchanged(columns: tuple[str, ...], parts: int, new: bool) -> Prepared:
    """PostgreSQL's optimistic write, one statement: the contact's `last_inbound_at` set provided its row's version is
    still the one read and this MessageSid is not recorded (`touched`; the UPDATE takes the contact's row lock, as
    the locked way's first statement does, so the two serialise, and a version changed while it waited for that lock
    is seen: a row updated meanwhile is re-checked in its newest version), then, only if it was, the message
    recorded, the conversation saved (inserted if `new`) and the outbox rows inserted (`columns`, `parts` of them,
    each inserted after the one before: ids give the order of sending). It returns the inbound message's id (None:
    nothing was recorded) and the outbox ids. The MessageSid check reads the statement's snapshot, so it relies on
    every inbound row being inserted under its contact's row lock (here, or by the locked way's first statement): a
    writer that did not hold it could leave `last_inbound_at` touched and nothing else written."""
    touched = (update(_contacts)
               .where(_contacts.c.id == bindparam("sender_id"),
                      _CONTACT_VERSION == bindparam("version"),
                      ~exists().where(_inbound.c.message_sid == bindparam("message_sid")))
               .values(last_inbound_at=bindparam("now", type_=_contacts.c.last_inbound_at.type))
               .returning(_contacts.c.id).cte("touched"))
    recorded = (postgresql_insert(_inbound).from_select(
        ["message_sid", "contact_id", "body", "received_at"],
        select(bindparam("message_sid", type_=_inbound.c.message_sid.type), touched.c.id,
               bindparam("inbound_body", type_=_inbound.c.body.type),
               bindparam("now", type_=_inbound.c.received_at.type)))
        .on_conflict_do_nothing(index_elements=["message_sid"]).returning(_inbound.c.id).cte("recorded"))
    state = (bindparam("state", type_=_conversations.c.state.type),
             bindparam("context", type_=_conversations.c.context.type),
             bindparam("now", type_=_conversations.c.updated_at.type))
    if new:  # the contact's first message: its conversation inserted
        saved = (insert(_conversations).from_select(["contact_id", "state", "context", "updated_at"],
                                                    select(touched.c.id, *state).where(exists(select(recorded.c.id))))
                 .returning(_conversations.c.id).cte("saved"))
    else:
        saved = (update(_conversations)
                 .where(_conversations.c.id == bindparam("conversation_id"), exists(select(recorded.c.id)))
                 .values(state=state[0], context=state[1], updated_at=state[2])
                 .returning(_conversations.c.id).cte("saved"))
    queued, source = [], recorded
    for part in range(1, parts + 1):
        values = [bindparam(f"{name}_{part}" if name in _PER_PART else name, type_=_outbound.c[name].type)
                  for name in columns]  # (typed: psycopg's dialect casts each to its column's type)
        source = (insert(_outbound).from_select(list(columns), select(*values).select_from(source))
                  .returning(_outbound.c.id).cte(f"queued_{part}"))
        queued.append(source)
    return Prepared(select(select(recorded.c.id).scalar_subquery(),
                           *(select(q.c.id).scalar_subquery() for q in queued)).add_cte(saved, *queued))


_SAVES_IF_UNCHANGED: dict[tuple[tuple[str, ...], int, bool], Prepared] = {}

# What runs them (store.db.Prepared: compiled once, run on the DB-API cursor).
_RUN = {name: Prepared(statement) for name, statement in (
    ("sender", _SENDER),
    *((f"sender_versioned_{dialect}", statement) for dialect, statement in _SENDER_VERSIONED.items()),
    ("lock_read_and_record", _LOCK_READ_AND_RECORD), ("created", _CREATED),
    ("save", _SAVE),
    ("save_unless_newer", _SAVE_UNLESS_NEWER), ("new", _NEW), ("last_inbound", _LAST_INBOUND),
    ("save_and_touch", _SAVE_AND_TOUCH[False]), ("new_and_touch", _SAVE_AND_TOUCH[True]),
    *((f"first_contact_{dialect}", statement) for dialect, statement in _FIRST_CONTACT.items()),
    *((f"inbound_{dialect}", statement) for dialect, statement in _INBOUND.items()))}


@dataclass(frozen=True)
class StoredConversation:
    """Where a number's dialogue stood after its previous message (read, not tracked: see `save`)."""

    id: int
    state: str
    context: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class Sender:
    """Who wrote: the contact (persistent in the message's Session, its provider loaded), their conversation (None
    before their first message), and for the read-first path the version a later write checks: on SQLite the id of
    their newest inbound message (0 if none), on PostgreSQL the version of the contact's row."""

    contact: Contact
    conversation: StoredConversation | None
    seen: int | str = 0


def read_sender(conn: Connection, session: Session | None, phone: str) -> Sender | None:
    """The sender of a number without any lock (for a read-only transaction, or none), with the version a later
    write may rely on (`save_unless_newer` on SQLite, `save_if_unchanged` on PostgreSQL); None for a number never
    seen. Without a `session` the contact (and provider) stay detached until `attach` gives them one."""
    row = _RUN[f"sender_versioned_{conn.dialect.name}"].first(conn, {"phone": phone})
    return None if row is None else _sender(session, row, seen=row[_V + 4] or 0)


def create_sender(conn: Connection, phone: str, country: str | None, now: datetime) -> Sender | None:
    """PostgreSQL, outside any transaction: a number's contact inserted (committed at once: a contact without a
    conversation is what a first message leaves until it is handled), as `read_sender` gives it, with no provider
    or conversation; None if it exists (another message created it a moment ago: read it locked)."""
    row = _RUN["created"].first(conn, {"phone": phone, "country": country, "created_at": now})
    return None if row is None else Sender(_attach(None, row, None), None, row[-1])


def lock_and_record(conn: Connection, session: Session, phone: str, message_sid: str, body: str, now: datetime, *,
                    country_of: Callable[[str], str | None], unknown: bool = False) -> tuple[Sender, bool]:
    """The locked way's start: the sender of a number (created on first contact, in the country `country_of`
    finds), locked for this transaction so one number's messages are handled one at a time, and their message
    recorded; whether it was (False: this MessageSid was handled before, a Twilio retry). `unknown`: a read a moment
    ago found no such contact, so the contact is inserted first (read and locked as below if it exists after
    all). SQLite: BEGIN IMMEDIATE already made this transaction the only writer; a SELECT reads, an INSERT
    records. PostgreSQL: one statement locks the contact's row, reads it with the conversation and provider, and
    records. Its lock may have been waited for, and a statement reads other tables as they were when it began,
    before that wait: the conversation
    could then be older than the contact the lock returns. Every message handled writes both rows in one
    transaction (the contact's `last_inbound_at`), so they were written by the same transaction exactly when
    nothing was committed for this number after the statement began (PostgreSQL returns a locked row's newest
    version); otherwise, or when the contact has no conversation yet, a SELECT reads them again now that the lock
    is held."""
    message = {"message_sid": message_sid, "body": body, "received_at": now}
    if not unknown and conn.dialect.name == "postgresql":
        row = _RUN["lock_read_and_record"].first(conn, {"phone": phone, **message})
        if row is not None:
            recorded = row[-1] is not None
            if recorded and row[-3] != row[-2]:  # (no conversation: None)
                row = _RUN["sender"].first(conn, {"phone": phone})
            return _sender(session, row), recorded
    elif not unknown:
        row = _RUN["sender"].first(conn, {"phone": phone})
        if row is not None:
            sender = _sender(session, row)
            return sender, record_inbound(conn, sender.contact, message_sid, body, now)
    created = _RUN[f"first_contact_{conn.dialect.name}"].first(conn, {
        "phone": phone, "country": country_of(phone), "created_at": now})
    if created is None:  # another transaction created it a moment ago (the insert waited for it to commit)
        return lock_and_record(conn, session, phone, message_sid, body, now, country_of=country_of)
    contact = _attach(session, created, None)  # nothing references a row no one else sees yet
    return Sender(contact, None), record_inbound(conn, contact, message_sid, body, now)


def record_inbound(conn: Connection, contact: Contact, message_sid: str, body: str, now: datetime) -> bool:
    """Store an inbound message; False if this MessageSid was handled before (a Twilio retry)."""
    return _RUN[f"inbound_{conn.dialect.name}"].scalar(conn, {
        "message_sid": message_sid, "contact_id": contact.id, "body": body, "received_at": now}) is not None


def save(conn: Connection, contact: Contact, conv: StoredConversation | None, state: str, context: dict[str, Any],
         now: datetime) -> None:
    """Store where the dialogue stands (the first message's conversation is inserted here, once its state is known)
    and when the contact last wrote (one statement on PostgreSQL, two on SQLite; no unit-of-work flush)."""
    values = {"state": state, "context": context, "updated_at": now}
    values.update({"contact_id": contact.id} if conv is None else {"conversation_id": conv.id})
    touch = {"sender_id": contact.id, "last_inbound_at": now}
    if conn.dialect.name == "postgresql":
        _RUN["new_and_touch" if conv is None else "save_and_touch"].rowcount(conn, {**values, **touch})
    else:
        _RUN["new" if conv is None else "save"].rowcount(conn, values)
        _RUN["last_inbound"].rowcount(conn, touch)
    set_committed_value(contact, "last_inbound_at", now)


def save_unless_newer(conn: Connection, contact: Contact, conv: StoredConversation, seen: int, state: str,
                      context: dict[str, Any], now: datetime) -> bool:
    """`save`, unless a message from `contact` newer than inbound message `seen` has been recorded (another
    transaction handled one since `read_sender` read `seen`): then nothing is written and False."""
    saved = _RUN["save_unless_newer"].rowcount(conn, {"conversation_id": conv.id, "sender_id": contact.id,
                                                       "seen": seen, "state": state, "context": context,
                                                       "updated_at": now})
    if saved:
        _RUN["last_inbound"].rowcount(conn, {"sender_id": contact.id, "last_inbound_at": now})
        set_committed_value(contact, "last_inbound_at", now)
    return bool(saved)


def save_if_unchanged(conn: Connection, contact: Contact, conv: StoredConversation | None, version: str,
                      message_sid: str, body: str, state: str, context: dict[str, Any], now: datetime,
                      outbox_rows: list[dict[str, Any]]) -> list[int] | None:
    """PostgreSQL, outside any transaction: record the message, store the new state and queue `outbox_rows` (from
    `bot.services.outbox.compose`) in one statement, committed by itself, unless the contact's row changed since
    `read_sender` read `version` (another message from this number was handled meanwhile, or is being) or this
    MessageSid was recorded (a Twilio retry): then nothing is written and None. The outbox ids otherwise."""
    columns = tuple(sorted(outbox_rows[0])) if outbox_rows else ()
    key = (columns, len(outbox_rows), conv is None)
    statement = _SAVES_IF_UNCHANGED.get(key)
    if statement is None:
        statement = _SAVES_IF_UNCHANGED[key] = _save_if_unchanged(*key)
    params: dict[str, Any] = {}
    for part, row in enumerate(outbox_rows, 1):
        params.update(row)
        params.update({f"{name}_{part}": row[name] for name in _PER_PART})
    params.update({"sender_id": contact.id, "version": version, "message_sid": message_sid, "inbound_body": body,
                   "now": now, "state": state, "context": context})
    if conv is not None:
        params["conversation_id"] = conv.id
    row = statement.first(conn, params)
    if row is None or row[0] is None:
        return None
    set_committed_value(contact, "last_inbound_at", now)
    return list(row[1:])


def _sender(session: Session | None, row: tuple, seen: int | str = 0) -> Sender:
    provider = _loaded(Provider, _PROVIDER, row[_P:_V]) if row[_P] is not None else None
    contact = _attach(session, row, provider)
    conversation = None if row[_V] is None else StoredConversation(*row[_V:_V + 4])
    return Sender(contact, conversation, seen)


def _attach(session: Session | None, values: tuple, provider: Provider | None) -> Contact:
    """The Contact of a row just read, persistent in `session` (if given) and unchanged (not dirty), as an ORM
    query would have loaded it, with its `provider` (and the provider's `contact`) loaded: no lazy query."""
    contact = _loaded(Contact, _CONTACT, values)
    set_committed_value(contact, "provider", provider)
    if provider is not None:
        set_committed_value(provider, "contact", contact)
    if session is not None:
        attach(session, contact)
    return contact


def attach(session: Session, contact: Contact) -> None:
    """Make a sender read without a Session (`read_sender(conn, None, ...)`) persistent in `session`, with its
    provider, as they were read (a change made to them meanwhile stays a change: the session sees it dirty)."""
    if contact.provider is not None:
        session.add(contact.provider)
    session.add(contact)


def _loaded(model: type, attributes: tuple[tuple[str, Any], ...], values: tuple) -> Any:
    """A detached instance of `model` holding `values` as what the database has (every column committed)."""
    instance = model.__mapper__.class_manager.new_instance()
    instance_dict(instance).update(zip((key for key, _ in attributes), values))
    make_transient_to_detached(instance)  # its identity from the primary key
    return instance
