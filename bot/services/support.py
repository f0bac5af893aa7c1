"""Support tickets: opened in the conversation's transaction, emailed to SUPPORT_EMAIL after commit, and kept
(status pending) while SMTP is down; the worker's periodic job sends what is left."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core import messages as msg
from bot.core import phones
from bot.services import plans
from integrations.mail import Email, MailUnavailable
from store import repos
from store.db import unit_of_work
from store.models import Contact, SupportTicket

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)


def open_ticket(session: Session, contact: Contact, description: str, now: datetime) -> SupportTicket:
    provider = contact.provider
    transcript = "\n".join(f"[{m.received_at:%Y-%m-%d %H:%M} UTC] {m.body}"
                           for m in repos.recent_inbound(session, contact, limit=10))
    ticket = SupportTicket(contact_id=contact.id, description=description,
                           role="provider" if provider else "customer",
                           plan=plans.effective_plan(provider, now) if provider else None,
                           transcript=transcript, status="pending", created_at=now)
    session.add(ticket)
    session.flush()
    return ticket


@dataclass(frozen=True)
class Opened:
    """A ticket opened: its number for the reply, and `then`, its email sent once the transaction has committed."""

    number: str
    then: Callable[[], None]


def ask_a_person(session: Session, services: "Services", contact: Contact, description: str,
                 now: datetime) -> Opened:
    ticket = open_ticket(session, contact, description, now)
    return Opened(ticket.number, lambda: deliver_pending(services))


def _email(ticket: SupportTicket, contact: Contact, to: str) -> Email:
    subject = msg.SUPPORT_EMAIL_SUBJECT.format(ticket=ticket.number, role=ticket.role,
                                               masked_phone=phones.mask(contact.phone))
    body = msg.SUPPORT_EMAIL_BODY.format(
        ticket=ticket.number, phone=contact.phone, name=contact.name or "-", role=ticket.role,
        plan=ticket.plan or "-", created=f"{ticket.created_at:%Y-%m-%d %H:%M} UTC", description=ticket.description,
        transcript=ticket.transcript or "-")
    return Email(to=to, subject=subject, text=body, reply_to=contact.email or None)


def deliver_pending(services: "Services", limit: int = 50) -> int:
    """Email every pending ticket; returns how many went out. Stops at the first SMTP failure (retry later)."""
    sent = 0
    with unit_of_work(services.sessions) as session:
        ids = session.scalars(select(SupportTicket.id).where(SupportTicket.status == "pending")
                              .order_by(SupportTicket.id).limit(limit)).all()
    for ticket_id in ids:
        with unit_of_work(services.sessions) as session:
            claimed = session.execute(update(SupportTicket).where(SupportTicket.id == ticket_id,
                                                                  SupportTicket.status == "pending")
                                      .values(status="sending", attempts=SupportTicket.attempts + 1,
                                              claimed_at=services.clock())).rowcount
            if not claimed:
                continue
            ticket = session.get(SupportTicket, ticket_id)
            contact = session.get(Contact, ticket.contact_id)
            email = _email(ticket, contact, services.config.support_email)
        try:
            services.mailer.send(email)
        except MailUnavailable as exc:
            log.warning("support ticket %s kept for later: %s", ticket_id, exc)
            _set_status(services, ticket_id, "pending", None)
            break
        except Exception:  # noqa: BLE001 - never leave a ticket 'sending' for good; it is retried later
            log.exception("support ticket %s kept for later: unexpected mail error", ticket_id)
            _set_status(services, ticket_id, "pending", None)
            break
        _set_status(services, ticket_id, "sent", services.clock())
        sent += 1
    return sent


def requeue_stale(services: "Services") -> int:
    """Tickets left 'sending' by a process that died mid-send go back to pending (sent at least once)."""
    with unit_of_work(services.sessions) as session:
        return session.execute(update(SupportTicket).where(
            SupportTicket.status == "sending", SupportTicket.claimed_at < services.clock() - STALE_CLAIM)
            .values(status="pending", claimed_at=None)).rowcount


def _set_status(services: "Services", ticket_id: int, status: str, sent_at: datetime | None) -> None:
    with unit_of_work(services.sessions) as session:
        session.execute(update(SupportTicket).where(SupportTicket.id == ticket_id)
                        .values(status=status, sent_at=sent_at))
