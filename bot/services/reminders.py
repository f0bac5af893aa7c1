"""Reminders before each booking, derived from the bookings rather than scheduled when booking: the worker's minute
sweep asks `due` which reminders have fallen due and are not recorded yet (one indexed query over the confirmed
bookings starting within the next 35 hours), and `send_due` records each (booking, kind, start) in the `reminders`
table in the same transaction as the outbox message it queues. The unique row makes a reminder exactly once across
several workers, restarts and retries; a moved booking has a new start, so it gets the reminders of its new time
only; a cancelled one is no longer confirmed and gets none. A reminder that fell due before the booking was made
(or moved) is recorded as `late` and not sent; one the provider's settings turn off as `off`; one to a customer who
sent STOP as `opted_out`.

What is sent: the customer gets the session, the time in their zone, the join link (or the address, or what to
expect when the link is not there yet) and the choices I'll be there / Reschedule / Cancel (by reference); the
provider gets one message per occurrence naming its customers, with the link or, an hour before a meeting that
has none, what to do. Outside WhatsApp's 24-hour window it goes as the approved reminder template
(TWILIO_REMINDER_CONTENT_SID) when one is configured, else as the generic fallback template (bot.services.outbox)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import case, func, literal_column, or_, select, update
from sqlalchemy.orm import Session

from bot.core import messages as msg
from bot.core import reminders as schedule
from bot.core.choices import booking_payload
from bot.core.slots import format_slot_with_zone
from bot.services import outbox, rich, video_accounts
from bot.services.booking import owns
from bot.services.bookings import needs_meeting
from bot.services.notify import where_text
from store import repos
from store.db import unit_of_work
from store.models import Booking, Contact, Provider, Reminder

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
CONFIRMED = literal_column("'confirmed'")  # a literal, so SQLite can use the partial index on confirmed bookings


@dataclass(frozen=True)
class DueReminder:
    booking_id: int
    offering_id: int
    kind: str  # see bot.core.reminders.KINDS
    start_at: datetime


def _recorded(kind: str):
    """How many reminders of this kind are recorded for the booking's current start (0 or 1), in the grouped scan."""
    return func.sum(case((Reminder.kind == kind, 1), else_=0))


def due(services: "Services", now: datetime | None = None, limit: int = 2000) -> list[DueReminder]:
    """The reminders due now and not recorded yet. One grouped query: the confirmed bookings starting within
    bot.core.reminders.MAX_LEAD (the partial index on confirmed starts), each with the kinds recorded for its current
    start (the unique index of reminders), less those whose 24-hour reminders are recorded and whose 1-hour ones are
    not near. The due times, which depend on each recipient's zone, are computed here."""
    now = now or services.clock()
    recorded = {kind: _recorded(kind) for kind in schedule.KINDS}
    soon, horizon = Booking.start_at <= now + schedule.LEADS["1h"], now + schedule.MAX_LEAD
    # The reminders joined are read by their start (the window's, as the bookings'), never the whole table.
    of_booking = ((Reminder.booking_id == Booking.id) & (Reminder.start_at == Booking.start_at)
                  & (Reminder.start_at > now) & (Reminder.start_at <= horizon))
    query = (select(Booking.id, Booking.offering_id, Booking.start_at, Booking.customer_timezone,
                    func.max(Provider.timezone).label("provider_timezone"),
                    *(recorded[kind].label(kind) for kind in schedule.KINDS))
             .join(Provider, Provider.id == Booking.provider_id)
             .outerjoin(Reminder, of_booking)
             .where(Booking.status == CONFIRMED, Booking.start_at > now, Booking.start_at <= horizon)
             .group_by(Booking.id, Booking.offering_id, Booking.start_at, Booking.customer_timezone)
             .having(or_(recorded["customer_24h"] + recorded["provider_24h"] < 2,
                         soon & (recorded["customer_1h"] + recorded["provider_1h"] < 2)))
             .order_by(Booking.start_at, Booking.id).limit(limit))
    found: list[DueReminder] = []
    with unit_of_work(services.sessions, read_only=True) as session:
        rows = session.execute(query).all()
    near = now + schedule.LEADS["1h"]
    for row in rows:
        recorded_kinds = row[5:]
        for kind, is_recorded in zip(schedule.KINDS, recorded_kinds):
            audience, lead = schedule.split_kind(kind)
            if is_recorded or (lead == "1h" and row.start_at > near):
                continue
            zone = row.customer_timezone if audience == "customer" else row.provider_timezone
            if schedule.due_at(row.start_at, lead, zone) <= now:
                found.append(DueReminder(row.id, row.offering_id, kind, row.start_at))
    return found


def send_due(services: "Services") -> int:
    """Record and queue every reminder due now (what the worker's sweep runs each minute); returns how many
    messages were queued. The provider's reminders of one occurrence (a group's attendees) go as one message."""
    queued = 0
    occurrences: dict[tuple[int, datetime, str], None] = {}
    for item in due(services):
        if item.kind.startswith("customer_"):
            queued += _remind_customer(services, item)
        else:
            occurrences[(item.offering_id, item.start_at, item.kind)] = None
    for offering_id, start_at, kind in occurrences:
        queued += _remind_provider(services, offering_id, start_at, kind)
    return queued


def _outcome(booking: Booking, kind: str, zone: str, setting: str, opted_out: bool, now: datetime) -> str:
    """What becomes of a reminder that fell due: queued, or why not (late, missed, off, opted_out)."""
    _, lead = schedule.split_kind(kind)
    if booking.updated_at > schedule.due_at(booking.start_at, lead, zone):
        return "late"  # booked (or moved) after it was due: the confirmation is fresher than a reminder
    if lead == "24h" and now >= schedule.due_at(booking.start_at, "1h", zone):
        return "missed"  # found only once the 1-hour one is due (no worker ran meanwhile): that one goes
    if not schedule.wanted(setting, lead):
        return "off"
    return "opted_out" if opted_out else "queued"


def _one_line(text: str) -> str:
    """A template variable holds no line breaks (WhatsApp refuses them)."""
    return " ".join(text.split())


def _template(services: "Services", what: str, when: str, where: str,
              reference: str) -> tuple[str, dict[str, str]] | None:
    sid = services.config.twilio_reminder_content_sid
    if not sid:
        return None
    return sid, {"1": _one_line(what), "2": _one_line(when), "3": _one_line(where), "4": reference}


def _no_link(booking: Booking) -> bool:
    meeting = booking.meeting
    return needs_meeting(booking.offering) and (meeting is None or not meeting.join_url)


def _remind_customer(services: "Services", item: DueReminder) -> int:
    now = services.clock()
    ids: list[int] = []
    with unit_of_work(services.sessions) as session:
        booking = session.scalars(select(Booking).where(Booking.id == item.booking_id).with_for_update()).one_or_none()
        if booking is None or booking.status != "confirmed" or booking.start_at != item.start_at:
            return 0  # cancelled or moved since the scan
        offering, customer = booking.offering, booking.customer
        provider = offering.provider
        status = _outcome(booking, item.kind, booking.customer_timezone, provider.remind_customers,
                          customer.opted_out_at is not None, now)
        reminder_id = repos.record_reminder(session, booking.id, item.kind, booking.start_at, status, now)
        if reminder_id is None or status != "queued":
            return 0
        lead = schedule.split_kind(item.kind)[1]
        words = video_accounts.words(services, offering.platform)
        where = where_text(booking, booking.meeting, words)[1]
        if lead == "1h" and _no_link(booking):
            where += "\n" + msg.REMINDER_NO_LINK_CUSTOMER.format(**words, provider=provider.display_name)
        when = format_slot_with_zone(booking.start_at, booking.customer_timezone)
        template = msg.REMINDER_CUSTOMER_24H if lead == "24h" else msg.REMINDER_CUSTOMER_1H
        text = template.format(session=offering.name, provider=provider.display_name, when=when, where=where,
                               choices=msg.REMINDER_CHOICES.format(reference=booking.reference))
        what = msg.REMINDER_TEMPLATE_WHAT.format(session=offering.name, other=provider.display_name)
        ref = booking.reference
        tappable = rich.buttons(services, template.format(session=offering.name, provider=provider.display_name,
                                                          when=when, where=where, choices="").strip(),
                                [(booking_payload("attend", ref), msg.REMINDER_BUTTON_ATTEND),
                                 (booking_payload("reschedule_ref", ref), msg.REMINDER_BUTTON_RESCHEDULE),
                                 (booking_payload("cancel_ref", ref), msg.REMINDER_BUTTON_CANCEL)])
        ids = outbox.queue(session, customer, [text], now,
                           template=_template(services, what, when, where, booking.reference), rich_form=tappable)
        _link(session, [reminder_id], ids)
    outbox.after_commit(services, ids)
    return 1


def _remind_provider(services: "Services", offering_id: int, start_at: datetime, kind: str) -> int:
    now = services.clock()
    ids: list[int] = []
    with unit_of_work(services.sessions) as session:
        attendees = session.scalars(select(Booking).where(
            Booking.offering_id == offering_id, Booking.start_at == start_at, Booking.status == "confirmed")
            .order_by(Booking.id).with_for_update()).all()
        if not attendees:
            return 0
        offering = attendees[0].offering
        provider = offering.provider
        opted_out = provider.contact.opted_out_at is not None
        named: list[tuple[Booking, int]] = []
        for booking in attendees:
            status = _outcome(booking, kind, provider.timezone, provider.remind_self, opted_out, now)
            reminder_id = repos.record_reminder(session, booking.id, kind, start_at, status, now)
            if reminder_id is not None and status == "queued":
                named.append((booking, reminder_id))
        if not named:
            return 0
        lead = schedule.split_kind(kind)[1]
        first = named[0][0]
        if lead == "1h" and _no_link(first):
            where = _what_to_do(services, session, provider, offering.platform or "", [b for b, _ in named], now)
        else:
            where = where_text(first, first.meeting, video_accounts.words(services, offering.platform))[1]
        customers = ", ".join((msg.REMINDER_CUSTOMER_ATTENDING if b.attending_at else msg.REMINDER_CUSTOMER_NAME)
                              .format(name=b.customer_name) for b, _ in named)
        when = format_slot_with_zone(start_at, provider.timezone)
        template = msg.REMINDER_PROVIDER_24H if lead == "24h" else msg.REMINDER_PROVIDER_1H
        text = template.format(session=offering.name, when=when, customers=customers, where=where)
        what = msg.REMINDER_TEMPLATE_WHAT.format(session=offering.name, other=customers)
        ids = outbox.queue(session, provider.contact, [text], now,
                           template=_template(services, what, when, where,
                                              ", ".join(b.reference for b, _ in named)))
        _link(session, [reminder_id for _, reminder_id in named], ids)
    outbox.after_commit(services, ids)
    return 1


def _what_to_do(services: "Services", session: Session, provider: Provider, platform: str,
                attendees: list[Booking], now: datetime) -> str:
    """An hour before, the meeting has no link: the provider is told plainly what to do."""
    words = video_accounts.words(services, platform)
    contacts = ", ".join(msg.REMINDER_CONTACT.format(name=b.customer_name, phone=b.customer.phone)
                         for b in attendees)
    connection = video_accounts.connection(session, provider.id, platform)
    if connection is None or connection.status != "connected":
        link = video_accounts.new_connect_link(services, session, provider, platform, now)
        return msg.REMINDER_NO_LINK_PROVIDER_DISCONNECTED.format(**words, link=link, contacts=contacts)
    return msg.REMINDER_NO_LINK_PROVIDER_FAILED.format(**words, contacts=contacts)


def _link(session: Session, reminder_ids: list[int], message_ids: list[int]) -> None:
    if message_ids:
        session.execute(update(Reminder).where(Reminder.id.in_(reminder_ids)).values(message_id=message_ids[0]))


# -- what people answer, and the provider's settings --------------------------------------------------------------

def own_booking(session: Session, contact: Contact, reference: str) -> Booking | None:
    """The booking with this reference if `contact` is its customer or its provider."""
    booking = session.scalars(select(Booking).where(Booking.reference == reference.strip().lstrip("#").upper())
                              ).one_or_none()
    return booking if owns(contact, booking) else None


def last_reminded(session: Session, contact: Contact, now: datetime) -> Booking | None:
    """The upcoming booking of `contact`'s most recent reminder (what a bare "I'll be there" answers)."""
    return session.scalars(select(Booking).join(Reminder, Reminder.booking_id == Booking.id).where(
        Booking.customer_id == contact.id, Booking.status == "confirmed", Booking.end_at > now,
        Reminder.start_at == Booking.start_at, Reminder.kind.in_(("customer_24h", "customer_1h")),
        Reminder.status == "queued").order_by(Reminder.id.desc()).limit(1)).first()


def attending_booking(session: Session, contact: Contact, reference: str | None, now: datetime) -> Booking | None:
    """The customer's upcoming confirmed booking an "I'll be there" is about (by reference, or the last
    reminded)."""
    booking = own_booking(session, contact, reference) if reference else last_reminded(session, contact, now)
    if booking is None or booking.customer_id != contact.id or booking.status != "confirmed" or booking.end_at <= now:
        return None
    return booking


def attend(session: Session, booking: Booking, now: datetime) -> Booking:
    """Record "I'll be there" (the provider sees it in my bookings and in their reminder). Its time stays the
    first answer; updated_at is not touched (it says when the start was set)."""
    if booking.attending_at is None:
        booking.attending_at = now
    return booking


def set_preference(session: Session, provider: Provider, audience: str, setting: str) -> None:
    """A provider's choice for their customers' reminders ("customer") or their own ("provider")."""
    if setting not in schedule.SETTINGS or audience not in schedule.AUDIENCES:
        raise ValueError(f"unknown reminder setting {audience}={setting}")
    if audience == "customer":
        provider.remind_customers = setting
    else:
        provider.remind_self = setting
