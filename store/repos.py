"""Small repositories: the queries the bot needs, by name. Callers own the transaction. (The conversation
handler's own statements, run for every webhook, are in store/conversations.py.)"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import Contact, Conversation, InboundMessage, Provider, Reminder

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


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


def contact_by_phone(session: Session, phone: str) -> Contact | None:
    return session.scalars(select(Contact).where(Contact.phone == phone)).one_or_none()


def conversation_for(session: Session, contact: Contact, now: datetime) -> Conversation:
    conv = session.scalars(select(Conversation).where(Conversation.contact_id == contact.id)).one_or_none()
    if conv is None:
        conv = Conversation(contact_id=contact.id, state="start", context={}, updated_at=now)
        session.add(conv)
    return conv


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
