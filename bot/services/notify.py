"""Booking emails: the confirmation (with the join link or address, and an .ics invitation) once per booking, a
new invitation after a reschedule, a cancellation after a cancel. The booking row holds the state (email_status), so
SMTP being down only delays them; the periodic sweep sends what is pending."""
from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bot.core import messages as msg
from bot.core import money
from bot.core.sessions_text import format_duration, place_text
from bot.core.slots import format_slot_with_zone
from bot.services import video_accounts
from bot.services.bookings import needs_meeting
from integrations.ics import build_invitation, content_type_for
from integrations.mail import Attachment, Email, MailUnavailable
from store.db import unit_of_work
from store.models import Booking, Meeting

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)


def where_text(booking: Booking, meeting: Meeting | None, words: dict[str, str]) -> tuple[str, str]:
    """(location for the invitation, the line for the message) of a booking."""
    offering = booking.offering
    join_url = meeting.join_url if meeting is not None else None
    values = {**words, "join_url": join_url or "", "passcode": (meeting.password if meeting else None) or "-"}
    location = place_text(offering, in_person="{address}", own_link="{url}", per_booking="{join_url}",
                          missing="", **values)
    pending = msg.WHERE_PLATFORM_WAITING if _link_later(meeting) else msg.WHERE_PLATFORM_PENDING
    line = place_text(offering, in_person=msg.WHERE_ADDRESS, own_link=msg.WHERE_MEET,
                      per_booking=msg.WHERE_PLATFORM if join_url else pending, **values)
    return location, line


def _link_later(meeting: Meeting | None) -> bool:
    """The meeting waits for the provider to reconnect (or the platform refused it): its link is not coming in a
    moment, so the confirmation goes without it and an update follows with the link."""
    return meeting is not None and not meeting.join_url and meeting.status in ("waiting", "failed")


def send_booking_email(services: "Services", booking_id: int) -> str:
    """Send whatever email the booking is waiting for; returns what happened."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        booking = session.get(Booking, booking_id)
        if booking is None or booking.email_status != "pending":
            return "nothing-to-send"
        meeting = session.get(Meeting, booking.meeting_id) if booking.meeting_id else None
        cancelled = booking.status == "cancelled"
        if cancelled and not booking.invited:
            booking.email_status = "none"
            return "nothing-to-send"
        without_link = not cancelled and needs_meeting(booking.offering) and (meeting is None or not meeting.join_url)
        if without_link and not _link_later(meeting):
            return "waiting-for-link"  # (being created: the email waits a moment for its link)
        claimed = session.execute(update(Booking).where(Booking.id == booking_id,
                                                        Booking.email_status == "pending")
                                  .values(email_status="sending", email_claimed_at=now)).rowcount
        if not claimed:
            return "nothing-to-send"
        seen = (booking.status, booking.email_sequence)
        email = _build(services, booking, meeting, cancelled, now)
    try:
        services.mailer.send(email)
    except (MailUnavailable, ValueError) as exc:
        log.warning("booking %s email %s kept for later%s: %s", booking_id, email.message_id,
                    " (it may have been delivered; the retry has the same Message-ID)"
                    if getattr(exc, "maybe_sent", False) else "", exc)
        _finish(services, booking_id, seen, "pending")
        return "kept"
    if not cancelled:  # whatever happens next, this invitation went out (without the link: an update follows)
        _set(services, booking_id, invited=True, email_link_pending=without_link)
    _finish(services, booking_id, seen, "sent")
    return "sent"


def _finish(services: "Services", booking_id: int, seen: tuple[str, int], email_status: str) -> None:
    """Leave 'sending' — unless a cancel or reschedule asked for a new email meanwhile (then it stays pending)."""
    with unit_of_work(services.sessions) as session:
        session.execute(update(Booking).where(
            Booking.id == booking_id, Booking.email_status == "sending", Booking.status == seen[0],
            Booking.email_sequence == seen[1]).values(email_status=email_status, email_claimed_at=None))
        session.execute(update(Booking).where(Booking.id == booking_id, Booking.email_status == "sending")
                        .values(email_status="pending", email_claimed_at=None))


def requeue_stale(services: "Services") -> int:
    """Emails left 'sending' by a worker that died mid-send go back to pending."""
    with unit_of_work(services.sessions) as session:
        return session.execute(update(Booking).where(
            Booking.email_status == "sending", Booking.email_claimed_at < services.clock() - STALE_CLAIM)
            .values(email_status="pending", email_claimed_at=None)).rowcount


def _build(services: "Services", booking: Booking, meeting: Meeting | None, cancelled: bool, now) -> Email:
    offering, provider = booking.offering, booking.offering.provider
    location, where_line = where_text(booking, meeting, video_accounts.words(services, booking.offering.platform))
    when = format_slot_with_zone(booking.start_at, booking.customer_timezone)
    price = money.format_price(offering.price_minor, offering.currency, provider.country)
    method = "CANCEL" if cancelled else "REQUEST"
    sequence = booking.email_sequence + (1 if cancelled else 0)
    organizer = parseaddr(services.config.mail_from)[1] or "no-reply@mynextslot.com"
    ics = build_invitation(
        uid=f"booking-{booking.reference}@mynextslot.com", start=booking.start_at,
        duration_minutes=offering.duration_minutes, summary=f"{offering.name} with {provider.display_name}",
        description=msg.ICS_DESCRIPTION.format(where=where_line, reference=booking.reference), location=location,
        organizer_email=organizer, organizer_name=provider.display_name, attendee_email=booking.customer_email,
        attendee_name=booking.customer_name, sequence=sequence, method=method, now=now)
    if cancelled:
        template_subject, template_body = msg.EMAIL_CANCELLED_SUBJECT, msg.EMAIL_CANCELLED_BODY
    elif booking.invited and booking.email_link_pending and meeting is not None and meeting.join_url:
        template_subject, template_body = msg.EMAIL_LINK_SUBJECT, msg.EMAIL_LINK_BODY  # the link that waited
    elif booking.invited:  # a confirmation went out before: this one tells of the new time
        template_subject, template_body = msg.EMAIL_MOVED_SUBJECT, msg.EMAIL_MOVED_BODY
    else:
        template_subject, template_body = msg.EMAIL_CONFIRMED_SUBJECT, msg.EMAIL_CONFIRMED_BODY
    values = dict(name=booking.customer_name, session=offering.name, provider=provider.display_name, when=when,
                  duration=format_duration(offering.duration_minutes), price=price, where=where_line, reference=booking.reference,
                  support_email=services.config.support_email)
    return Email(to=booking.customer_email, subject=template_subject.format(**values),
                 text=template_body.format(**values), reply_to=services.config.support_email,
                 attachments=(Attachment("invite.ics", content_type_for(method), ics),),
                 message_id=message_id(booking, method, sequence, organizer))


def message_id(booking: Booking, method: str, sequence: int, sender: str) -> str:
    """The Message-ID of one version of a booking's email (its invitation's METHOD and SEQUENCE): the same each
    time that version is sent, so a retry after SMTP took the mail but its answer was lost is recognisably the
    same mail (clients show one; the mail server's log names it), and every new version is a new mail."""
    domain = sender.rpartition("@")[2] or "mynextslot.com"
    return f"<booking-{booking.reference}.{method.lower()}.{sequence}@{domain}>"


def _set(services: "Services", booking_id: int, **values) -> None:
    with unit_of_work(services.sessions) as session:
        session.execute(update(Booking).where(Booking.id == booking_id).values(**values))


def pending(services: "Services", limit: int = 100) -> list[int]:
    with unit_of_work(services.sessions) as session:
        return list(session.scalars(select(Booking.id).where(Booking.email_status == "pending")
                                    .order_by(Booking.id).limit(limit)))
