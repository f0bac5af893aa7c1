"""Small repositories: the queries the bot needs, by name. Callers own the transaction."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from store.models import Contact, Conversation, InboundMessage, Provider, Reminder

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I

# The conversation handler's statements, built once: every message runs them, and a statement built anew costs
# more than executing it (construction and cache key). Statements are immutable, so threads share them.
_LOCK_SENDER = select(Contact.id).where(Contact.phone == bindparam("phone")).with_for_update(key_share=True)
_SENDER = (select(Contact, Conversation.id, Conversation.state, Conversation.context, Conversation.updated_at)
           .where(Contact.phone == bindparam("phone"))
           .outerjoin(Conversation, Conversation.contact_id == Contact.id).options(joinedload(Contact.provider)))
# The read-first path (SQLite, bot/conversation/handler.py): the same, unlocked, with the id of the contact's newest inbound
# message, which every handled message changes: the version a later write checks.
_inbound = InboundMessage.__table__
_SENDER_SEEN = _SENDER.add_columns(select(_inbound.c.id).where(_inbound.c.contact_id == Contact.id)
                                   .order_by(_inbound.c.id.desc()).limit(1).scalar_subquery())  # one index step
_conversations = Conversation.__table__
_contacts = Contact.__table__
_SAVE_CONVERSATION = (update(_conversations).where(_conversations.c.id == bindparam("conversation_id"))
                      .values(state=bindparam("state"), context=bindparam("context"),
                              updated_at=bindparam("updated_at")))
_SAVE_CONVERSATION_UNLESS_NEWER = _SAVE_CONVERSATION.where(~select(_inbound.c.id).where(
    _inbound.c.contact_id == bindparam("sender_id"), _inbound.c.id > bindparam("seen")).exists())
_NEW_CONVERSATION = insert(_conversations).values(contact_id=bindparam("contact_id"), state=bindparam("state"),
                                                 context=bindparam("context"), updated_at=bindparam("updated_at"))
_LAST_INBOUND = (update(_contacts).where(_contacts.c.id == bindparam("contact_id"))
                 .values(last_inbound_at=bindparam("last_inbound_at")))
_INBOUND = {dialect: dialect_insert(InboundMessage.__table__)
            .values(message_sid=bindparam("message_sid"), contact_id=bindparam("contact_id"), body=bindparam("body"),
                    received_at=bindparam("received_at"))
            .on_conflict_do_nothing(index_elements=["message_sid"]).returning(InboundMessage.__table__.c.id)
            for dialect, dialect_insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}


def get_or_create_contact(session: Session, phone: str, now: datetime) -> Contact:
    """The contact for a number, created on first contact."""
    query = select(Contact).where(Contact.phone == phone)
    contact = session.scalars(query).one_or_none()
    if contact is not None:
        return contact
    try:
        with session.begin_nested():
            contact = Contact(phone=phone, created_at=now)
            session.add(contact)
    except IntegrityError:  # another process created it a moment ago
        contact = session.scalars(query).one()
    return contact


@dataclass(frozen=True)
class StoredConversation:
    """Where a number's dialogue stood after its previous message (read, not tracked: see save_conversation)."""

    id: int
    state: str
    context: dict[str, Any]
    updated_at: datetime


def lock_sender(session: Session, phone: str, now: datetime, *,
                country_of: Callable[[str], str | None]) -> tuple[Contact, StoredConversation | None]:
    """The conversation handler's start: the contact of a number (created on first contact, in the country
    `country_of` finds for the number) with its provider, and its conversation (None before its first message),
    read in one statement. The contact row is locked for this transaction so one number's messages are handled one
    at a time: on PostgreSQL by SELECT ... FOR NO KEY UPDATE first (other transactions may still insert rows that
    reference the contact); the read is a later statement, so it sees what the previous holder of the lock
    committed. On SQLite BEGIN IMMEDIATE already made this transaction the only writer."""
    if _dialect(session) == "postgresql":
        locked = session.scalar(_LOCK_SENDER, {"phone": phone})
        if locked is None:
            return _first_contact(session, phone, now, country_of)
    row = session.execute(_SENDER, {"phone": phone}).one_or_none()
    if row is None:
        return _first_contact(session, phone, now, country_of)
    contact, conversation_id, state, context, updated_at = row
    if conversation_id is None:
        return contact, None
    return contact, StoredConversation(conversation_id, state, context, updated_at)


def read_sender(session: Session, phone: str) -> tuple[Contact, StoredConversation | None, int] | None:
    """What `lock_sender` reads, without any lock (for a read-only transaction), and the id of the contact's newest
    inbound message (0 if none): a write may rely on what was read here only while no newer one exists (see
    `save_conversation_unless_newer`). None for a number never seen."""
    row = session.execute(_SENDER_SEEN, {"phone": phone}).one_or_none()
    if row is None:
        return None
    contact, conversation_id, state, context, updated_at, seen = row
    conversation = None if conversation_id is None else StoredConversation(conversation_id, state, context, updated_at)
    return contact, conversation, seen or 0


def save_conversation_unless_newer(session: Session, contact: Contact, conv: StoredConversation, seen: int,
                                   state: str, context: dict[str, Any], now: datetime) -> bool:
    """`save_conversation`, unless a message from `contact` newer than inbound message `seen` has been recorded
    (another transaction handled one since `read_sender` read `seen`): then nothing is written and False."""
    saved = session.execute(_SAVE_CONVERSATION_UNLESS_NEWER, {
        "conversation_id": conv.id, "sender_id": contact.id, "seen": seen, "state": state, "context": context,
        "updated_at": now}).rowcount
    if saved:
        session.execute(_LAST_INBOUND, {"contact_id": contact.id, "last_inbound_at": now})
        set_committed_value(contact, "last_inbound_at", now)
    return bool(saved)


def _first_contact(session: Session, phone: str, now: datetime,
                   country_of: Callable[[str], str | None]) -> tuple[Contact, StoredConversation | None]:
    inserted = session.scalars(_insert(session)(Contact).values(phone=phone, country=country_of(phone), created_at=now)
                               .on_conflict_do_nothing(index_elements=["phone"])
                               .returning(Contact)).one_or_none()
    if inserted is None:  # another transaction created it a moment ago (the insert waited for it to commit)
        return lock_sender(session, phone, now, country_of=country_of)
    set_committed_value(inserted, "provider", None)  # nothing can reference a row no other transaction sees yet
    return inserted, None


def save_conversation(session: Session, contact: Contact, conv: StoredConversation | None, state: str,
                      context: dict[str, Any], now: datetime) -> None:
    """Store where the dialogue stands (the first message's conversation is inserted here, once its state is known)
    and when the contact last wrote: two plain statements, no unit-of-work flush."""
    values = {"state": state, "context": context, "updated_at": now}
    if conv is None:
        session.execute(_NEW_CONVERSATION, {"contact_id": contact.id, **values})
    else:
        session.execute(_SAVE_CONVERSATION, {"conversation_id": conv.id, **values})
    session.execute(_LAST_INBOUND, {"contact_id": contact.id, "last_inbound_at": now})
    set_committed_value(contact, "last_inbound_at", now)


def contact_by_phone(session: Session, phone: str) -> Contact | None:
    return session.scalars(select(Contact).where(Contact.phone == phone)).one_or_none()


def conversation_for(session: Session, contact: Contact, now: datetime) -> Conversation:
    conv = session.scalars(select(Conversation).where(Conversation.contact_id == contact.id)).one_or_none()
    if conv is None:
        conv = Conversation(contact_id=contact.id, state="start", context={}, updated_at=now)
        session.add(conv)
    return conv


def record_inbound(session: Session, contact: Contact, message_sid: str, body: str, now: datetime) -> bool:
    """Store an inbound message; False if this MessageSid was handled before (a Twilio retry)."""
    inserted = session.execute(_INBOUND[_dialect(session)], {"message_sid": message_sid, "contact_id": contact.id,
                                                             "body": body, "received_at": now}).scalar()
    return inserted is not None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert(session: Session) -> Callable[..., Any]:
    """INSERT with ON CONFLICT for the session's database."""
    return postgresql_insert if _dialect(session) == "postgresql" else sqlite_insert


def recent_inbound(session: Session, contact: Contact, limit: int = 10) -> list[InboundMessage]:
    rows = session.scalars(select(InboundMessage).where(InboundMessage.contact_id == contact.id)
                           .order_by(InboundMessage.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def new_booking_code(session: Session, length: int = 6) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if not any(c.isdigit() for c in code):
            continue  # a code with a digit is never mistaken for a word when pasted on its own
        if session.scalars(select(Provider.id).where(Provider.booking_code == code)).first() is None:
            return code


def create_provider(session: Session, contact: Contact, *, name: str, timezone: str, now: datetime,
                    trial_days: int = 14, plan: str = "trial") -> Provider:
    provider = Provider(contact=contact, display_name=name, timezone=timezone, country=contact.country, plan=plan,
                        trial_ends_at=now + timedelta(days=trial_days), booking_code=new_booking_code(session),
                        created_at=now)
    session.add(provider)
    contact.name = contact.name or name
    contact.timezone = contact.timezone or timezone
    session.flush()
    return provider


def provider_by_phone(session: Session, phone: str) -> Provider | None:
    return session.scalars(select(Provider).join(Contact).where(Contact.phone == phone)).one_or_none()


def record_reminder(session: Session, booking_id: int, kind: str, start_at: datetime, status: str,
                    now: datetime) -> int | None:
    """Record that the reminder `kind` of a booking's start `start_at` fell due; its id, or None when it was
    recorded before (by another worker, or before a restart): the unique row is what sends a reminder once. On
    PostgreSQL a second transaction inserting the same row waits for the first and then inserts nothing."""
    return session.execute(_insert(session)(Reminder).values(
        booking_id=booking_id, kind=kind, start_at=start_at, status=status, created_at=now)
        .on_conflict_do_nothing(index_elements=["start_at", "booking_id", "kind"])
        .returning(Reminder.id)).scalar_one_or_none()
