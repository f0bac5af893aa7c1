"""Small repositories: the queries the bot needs, by name. Callers own the transaction."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from store.models import Contact, Conversation, InboundMessage, Provider

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def get_or_create_contact(session: Session, phone: str, now: datetime, *, lock: bool = False) -> Contact:
    """The contact for a number, created on first contact; with lock=True the row is locked for this transaction
    (PostgreSQL: SELECT ... FOR UPDATE) so one number's messages are handled one at a time."""
    query = select(Contact).where(Contact.phone == phone)
    if lock:  # the conversation handler: it asks at once whether the contact is a provider
        query = query.options(selectinload(Contact.provider))
    if lock:  # FOR NO KEY UPDATE: other transactions may still insert rows that reference this contact
        query = query.with_for_update(key_share=True)
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
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(insert(InboundMessage).values(message_sid=message_sid, contact_id=contact.id, body=body,
                                                            received_at=now)
                               .on_conflict_do_nothing(index_elements=["message_sid"])
                               .returning(InboundMessage.id)).scalar()
    return inserted is not None


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
