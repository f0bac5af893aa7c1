"""The outbox: replies and notifications are stored in the same transaction as the change that caused them, then
sent through the Messenger after commit. Nothing is dropped silently: a message Twilio could not take stays
pending for the worker; a message to someone outside WhatsApp's 24-hour window goes as the approved template, or
is recorded as not_sendable when no template is configured."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot import phones
from integrations.twilio.messenger import MessengerUnavailable, split_body
from store.db import unit_of_work
from store.models import Contact, OutboundMessage

if TYPE_CHECKING:
    from bot.services import Services
    from store.crypto import TokenCipher

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
TEMPLATE_VARIABLE_LIMIT = 1000
STALE_SENDING = timedelta(minutes=10)
# Twilio's delivery progress; callbacks may arrive out of order, so a later one never moves a message back.
PROGRESS = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4, "failed": 4,
            "read": 5}


def queue(session: Session, contact: Contact, texts: Iterable[str], now: datetime, *, reply: bool = False,
          seal_with: "TokenCipher | None" = None) -> list[int]:
    """Write one WhatsApp message (split at 1,600 characters) holding all `texts`, in order. `reply`: it answers the
    recipient's own message (sent even to someone who opted out). `seal_with`: the texts name personal data of a
    connected account (its email), so the body is stored encrypted with this cipher (see `message_body`)."""
    body = "\n\n".join(t for t in texts if t)
    if not body:
        return []
    seal = seal_with.encrypt if seal_with is not None else str
    rows = [OutboundMessage(contact_id=contact.id, to=phones.whatsapp(contact.phone), body=seal(part), reply=reply,
                            sealed=seal_with is not None, status="pending", created_at=now, updated_at=now)
            for part in split_body(body)]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def message_body(services: "Services", row: OutboundMessage) -> str:
    """The text to send: a sealed body is decrypted only here, at send time."""
    return services.cipher.decrypt(row.body) if row.sealed else row.body


def dispatch(services: "Services", ids: Iterable[int] | None = None) -> int:
    """Send pending messages (the given ones, or all); returns how many Twilio accepted. Older messages still
    pending for the same contacts go first, so a reply never overtakes one that Twilio could not take earlier."""
    with unit_of_work(services.sessions) as session:
        query = select(OutboundMessage.id).where(OutboundMessage.status == "pending").order_by(OutboundMessage.id)
        if ids is not None:
            ids = list(ids)
            if not ids:
                return 0
            same_contacts = select(OutboundMessage.contact_id).where(OutboundMessage.id.in_(ids))
            query = query.where(or_(OutboundMessage.id.in_(ids),
                                    and_(OutboundMessage.contact_id.in_(same_contacts),
                                         OutboundMessage.id < max(ids))))
        pending = session.scalars(query).all()
    accepted = 0
    for message_id in pending:
        try:
            accepted += _send_one(services, message_id)
        except MessengerUnavailable as exc:
            log.warning("Twilio unavailable, %d message(s) left for the worker: %s", len(pending), exc)
            break
    return accepted


def _send_one(services: "Services", message_id: int) -> int:
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        claimed = session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id,
                                                                OutboundMessage.status == "pending")
                                  .values(status="sending", attempts=OutboundMessage.attempts + 1,
                                          updated_at=now)).rowcount
        if not claimed:
            return 0
        row = session.get(OutboundMessage, message_id)
        contact = session.get(Contact, row.contact_id) if row.contact_id else None
        to, body, template_only = row.to, message_body(services, row), row.via_template
        opted_out = contact is not None and contact.opted_out_at is not None and not row.reply
    in_window = not template_only and contact is not None and contact.last_inbound_at is not None and \
        contact.last_inbound_at >= now - WINDOW
    if opted_out:
        log.info("message %s to %s not sent: they opted out (STOP)", message_id, phones.mask(to))
        _finish(services, message_id, status="opted_out", error_message="the recipient sent STOP")
        return 0
    template = services.config.twilio_template_content_sid
    callback = services.status_callback_url
    try:
        if in_window:
            result, via_template = services.messenger.send_text(to, body, status_callback=callback), False
        elif template:  # one template message per part: a template variable holds at most 1,000 characters
            for part in split_body(body, TEMPLATE_VARIABLE_LIMIT) or [body]:
                result = services.messenger.send_template(to, template, {"1": part}, status_callback=callback)
                if not result.ok:
                    break
            via_template = True
        else:
            log.warning("message %s to %s not sendable: 24-hour window closed and no template configured",
                        message_id, phones.mask(to))
            _finish(services, message_id, status="not_sendable", error_message="24-hour window closed; "
                    "no TWILIO_TEMPLATE_CONTENT_SID configured")
            return 0
    except MessengerUnavailable:
        _finish(services, message_id, status="pending")
        raise
    _finish(services, message_id, status=result.status, twilio_sid=result.sid, via_template=via_template,
            error_code=result.error_code, error_message=result.error_message)
    if result.status == "failed":
        log.warning("Twilio refused message %s to %s: %s %s", message_id, phones.mask(to), result.error_code,
                    result.error_message)
        return 0
    return 1


def _finish(services: "Services", message_id: int, **values) -> None:
    if values.get("error_message"):
        values["error_message"] = values["error_message"][:255]
    with unit_of_work(services.sessions) as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                        .values(updated_at=services.clock(), **values))


def requeue_stale(services: "Services") -> int:
    """Messages left 'sending' by a process that died mid-send go back to pending (at-least-once delivery)."""
    with unit_of_work(services.sessions) as session:
        return session.execute(update(OutboundMessage).where(
            OutboundMessage.status == "sending",
            OutboundMessage.updated_at < services.clock() - STALE_SENDING).values(status="pending")).rowcount


def record_status(services: "Services", sid: str, status: str, error_code: int | None) -> bool:
    """Apply a Twilio status callback; False if the sid is not ours. A free-form message WhatsApp refused as outside
    the 24-hour window (63016) is sent again as the approved template when one is configured."""
    resend: list[int] = []
    with unit_of_work(services.sessions) as session:
        row = session.scalars(select(OutboundMessage).where(OutboundMessage.twilio_sid == sid)).one_or_none()
        if row is None:
            return False
        if PROGRESS.get(status, 99) < PROGRESS.get(row.status, -1):
            log.info("late status %s for message %s ignored (already %s)", status, row.id, row.status)
            return True
        row.status = status[:20]
        row.error_code = error_code
        row.updated_at = services.clock()
        if error_code == 63016:
            row.error_message = "outside the 24-hour window: needs an approved template"
            log.warning("message %s to %s failed: outside the 24-hour window", row.id, phones.mask(row.to))
            if not row.via_template and services.config.twilio_template_content_sid:
                again = OutboundMessage(contact_id=row.contact_id, to=row.to, body=row.body, sealed=row.sealed,
                                        status="pending", via_template=True, created_at=row.updated_at,
                                        updated_at=row.updated_at)
                session.add(again)
                session.flush()
                resend.append(again.id)
    if resend:
        dispatch(services, resend)
    return True
