"""The booking journeys' use cases, called by bot/flows/booking.py and bot/flows/my_bookings.py: find a provider by
code, list what can be booked, `book`, `reschedule`, `cancel`, `list_bookings`.

Each takes the unit of work (the SQLAlchemy session the handler's transaction owns), the services and plain values,
changes the rows, tells the other side (outbox rows in the same transaction) and returns a `Told`: what happened,
for the person talking, and `then`, what runs once the transaction has committed (hand the messages to the sender,
create/update/delete the meeting, send the email)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import messages as msg
from bot.core import slots
from bot.core.sessions_text import place_text
from bot.services import bookings, calendars, meetings, outbox, video_accounts
from bot.services.bookings import SlotUnavailable
from bot.services.deps import Services
from store.models import Booking, Contact, Meeting, Offering, Provider


def _nothing() -> None:
    return None


@dataclass
class Told:
    """The outcome of a use case: `status` ("booked", "rescheduled", "cancelled"; or why not: "gone", "started",
    "paused", "taken", "full"), the booking it is about, and the after-commit work (`then`)."""

    status: str
    booking: Booking | None = None
    old_start: datetime | None = None  # a reschedule: where the booking was
    as_provider: bool = False  # the person talking acted as the session's provider
    same_link: bool = False  # a reschedule kept the booking's meeting, whose link the customer already has
    then: Callable[[], None] = field(default=_nothing, repr=False)
    # the provider's busy times the time was checked against (bot.services.calendars.at_confirm): a time refused
    # lists the next free ones with them
    busy: tuple[tuple[datetime, datetime], ...] | None = None

    @property
    def done(self) -> bool:
        return self.status in ("booked", "rescheduled", "cancelled")


def _both(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        first()
        second()
    return run


def _after_commit(services: Services, messages: list[int], booking_id: int,
                  meeting_ids: Iterable[int | None] = ()) -> Callable[[], None]:
    meetings = list(dict.fromkeys(m for m in meeting_ids if m is not None))

    def run() -> None:
        outbox.after_commit(services, messages)
        for meeting_id in meetings:
            services.queue.meeting(meeting_id)  # creates/updates/deletes the meeting; a new link is then sent
        services.queue.booking_email(booking_id)  # (a Zoom booking's email waits for its link)

    return run


def owns(contact: Contact, booking: Booking | None) -> bool:
    """The booking is the writer's: they booked it, or it is of one of their sessions."""
    provider = contact.provider
    return booking is not None and (booking.customer_id == contact.id or
                                    (provider is not None and booking.provider_id == provider.id))


# -- reading ------------------------------------------------------------------------------------------------------

def provider_for_code(session: Session, code: str) -> Provider | None:
    return session.scalars(select(Provider).where(Provider.booking_code == code)).one_or_none()


def get_provider(session: Session, provider_id: int | None) -> Provider | None:
    return session.get(Provider, provider_id) if provider_id is not None else None


def get_offering(session: Session, offering_id: int | None) -> Offering | None:
    return session.get(Offering, offering_id) if offering_id is not None else None


def get_booking(session: Session, booking_id: int | None) -> Booking | None:
    return session.get(Booking, booking_id) if isinstance(booking_id, int) else None


def has_open_sessions(session: Session, provider_id: int) -> bool:
    return session.scalars(select(Offering.id).where(
        Offering.provider_id == provider_id, Offering.status == "active").limit(1)).first() is not None


def open_sessions(session: Session, provider_id: int | None) -> list[Offering]:
    """The provider's sessions open for booking, in the order they are listed."""
    return list(session.scalars(select(Offering).where(Offering.provider_id == provider_id,
                                                       Offering.status == "active").order_by(Offering.id)))


def free_starts(session: Session, offering: Offering, now: datetime, moving: Booking | None = None,
                busy: Sequence[tuple[datetime, datetime]] = ()) -> list[datetime]:
    """The free starts, leaving out the provider's `busy` times (bot.services.calendars); while `moving` a
    booking its own place counts as free, but its own start (moving it there changes nothing) is not offered."""
    free = bookings.free_slots(session, offering, now, ignore_booking=moving.id if moving else None, busy=busy)
    return [s for s in free if s != moving.start_at] if moving is not None else free


def list_bookings(session: Session, contact: Contact, now: datetime) -> list[Booking]:
    """The writer's upcoming confirmed bookings: as provider (their sessions) and as customer, by start time."""
    found: dict[int, Booking] = {}
    if contact.provider is not None:
        found.update((b.id, b) for b in bookings.upcoming_for_provider(session, contact.provider.id, now))
    found.update((b.id, b) for b in bookings.upcoming_for_customer(session, contact.id, now))
    return sorted(found.values(), key=lambda b: (b.start_at, b.id))


def unchangeable(booking: Booking | None, now: datetime) -> str | None:
    """Why a booking can't be cancelled or moved any more: "started" (under way), "gone" (cancelled, over, or
    none); None when it can."""
    if booking is not None and booking.status == "confirmed" and booking.start_at > now:
        return None
    if booking is not None and booking.status == "confirmed" and booking.start_at <= now < booking.end_at:
        return "started"
    return "gone"


def owned_booking(session: Session, contact: Contact, booking_id: int | None) -> Booking | None:
    """The booking, if it (still) belongs to the writer."""
    booking = get_booking(session, booking_id)
    return booking if owns(contact, booking) else None


# -- acting -------------------------------------------------------------------------------------------------------

def book(session: Session, services: Services, *, offering_id: int | None, customer: Contact, start: datetime | None,
         name: str, email: str, timezone: str, now: datetime) -> Told:
    """Take the place (in a savepoint, so a lost race changes nothing) and tell the provider; after commit the
    meeting is created and the confirmation emailed."""
    offering = get_offering(session, offering_id)
    if offering is None or start is None:
        return Told("taken")
    checked = calendars.at_confirm(services, session, offering.provider_id, now)  # (turned busy since listed?)
    keep = calendars.keeper(services, offering.provider_id, checked, now)
    try:
        with session.begin_nested():
            booking = bookings.book(session, offering=offering, customer=customer, start=start, name=name,
                                    email=email, timezone=timezone, now=now, busy=checked.periods)
    except SlotUnavailable as exc:
        return Told(exc.args[0] if exc.args else "taken", busy=checked.periods, then=keep)
    customer.name, customer.email = booking.customer_name, booking.customer_email
    if not bookings.needs_meeting(offering):
        booking.link_sent_at = now  # the address or Meet link is in the confirmation itself
    provider = offering.provider
    places = ""
    if offering.capacity > 1:
        places = msg.BOOK_PROVIDER_PLACES.format(taken=bookings.seats_taken(session, offering.id, start),
                                                 capacity=offering.capacity)
    told = outbox.tell(session, provider.contact, msg.BOOK_PROVIDER_NEW.format(
        customer=booking.customer_name, session=offering.name, reference=booking.reference, places=places,
        when=slots.format_slot_with_zone(start, provider.timezone)), now)
    meeting = session.get(Meeting, booking.meeting_id) if booking.meeting_id else None
    if meeting is not None and video_accounts.readiness(services, session, provider, offering.platform,
                                                        now).connection != "connected":
        told += meetings.wait_for_reconnect(services, session, meeting, now)  # (the customer is told it waits)
    return Told("booked", booking, then=_both(_after_commit(services, told, booking.id, [booking.meeting_id]), keep))


def reschedule(session: Session, services: Services, *, booking_id: int | None, start: datetime | None,
               contact: Contact, now: datetime) -> Told:
    """Move the writer's booking to `start` (in a savepoint) and tell the other side; after commit the meeting is
    updated (or moved, the old one deleted if nobody uses it) and a new invitation emailed."""
    # Lock and re-read: the other side may have cancelled it a moment ago (lock order: booking, then provider).
    booking = session.get(Booking, booking_id, with_for_update=True, populate_existing=True) \
        if booking_id else None
    if unchangeable(booking, now) is not None or not owns(contact, booking):
        return Told("gone", booking)  # (cancelled meanwhile by the other side, started, or not theirs)
    if start is None:
        return Told("taken", booking)
    customer_acts = booking.customer_id == contact.id
    old_start, old_meeting_id = booking.start_at, booking.meeting_id
    checked = calendars.at_confirm(services, session, booking.provider_id, now)
    keep = calendars.keeper(services, booking.provider_id, checked, now)
    try:
        with session.begin_nested():
            meeting = bookings.reschedule(session, booking, start, now, busy=checked.periods)
    except SlotUnavailable as exc:
        session.refresh(booking)
        reason = exc.args[0] if exc.args else "taken"
        return Told("gone" if reason == "started" else reason, booking, busy=checked.periods, then=keep)
    offering, provider = booking.offering, booking.offering.provider
    zone = booking.customer_timezone
    same_link = meeting is not None and meeting.id == old_meeting_id and meeting.join_url is not None
    if customer_acts:
        other, text = provider.contact, msg.BOOK_PROVIDER_RESCHEDULED.format(
            customer=booking.customer_name, reference=booking.reference, session=offering.name,
            old=slots.format_slot_with_zone(old_start, provider.timezone),
            new=slots.format_slot_with_zone(start, provider.timezone))
    else:
        other, text = booking.customer, msg.BOOK_CUSTOMER_RESCHEDULED_BY_PROVIDER.format(
            provider=provider.display_name, reference=booking.reference, session=offering.name,
            old=slots.format_slot_with_zone(old_start, zone), new=slots.format_slot_with_zone(start, zone),
            where=where_booked(services, offering, same_link=same_link))
    told = outbox.tell(session, other, text, now)
    if not bookings.needs_meeting(offering):
        booking.link_sent_at = now
    # the old occurrence's meeting, if the booking left it and nobody else uses it, is deleted at Zoom too
    old = session.get(Meeting, old_meeting_id) if old_meeting_id else None
    stale = old_meeting_id if old is not None and old.status == "deleting" else None
    return Told("rescheduled", booking, old_start=old_start, as_provider=not customer_acts, same_link=same_link,
                then=_both(_after_commit(services, told, booking.id,
                                         [meeting.id if meeting is not None else None, stale]), keep))


def cancel(session: Session, services: Services, *, booking_id: int | None, contact: Contact, now: datetime,
           reason: str | None = None) -> Told:
    """Cancel the writer's booking (the row is locked: a provider and a customer cancelling at once cancel once)
    and tell the other side, with the `reason` if one was given (it is stored on the booking); after commit the meeting nobody uses any more is deleted and the cancellation
    emailed. Not: "started" (under way), "gone" (cancelled, over, or not theirs)."""
    booking = session.get(Booking, booking_id, with_for_update=True, populate_existing=True) \
        if isinstance(booking_id, int) else None
    if not owns(contact, booking):
        return Told("gone")
    if (why := unchangeable(booking, now)) is not None:
        return Told(why, booking)
    as_provider = contact.provider is not None and booking.provider_id == contact.provider.id
    offering, provider = booking.offering, booking.offering.provider
    meeting = bookings.cancel(session, booking, by="provider" if as_provider else "customer", now=now)
    booking.email_status = "pending"
    booking.cancel_reason = reason or None
    if as_provider:
        other, text = booking.customer, msg.MB_TELL_CUSTOMER_CANCELLED.format(
            provider=provider.display_name, reference=booking.reference, session=offering.name,
            when=slots.format_slot_with_zone(booking.start_at, booking.customer_timezone), code=provider.booking_code)
    else:
        other, text = provider.contact, msg.MB_TELL_PROVIDER_CANCELLED.format(
            customer=booking.customer_name, reference=booking.reference, session=offering.name,
            when=slots.format_slot_with_zone(booking.start_at, provider.timezone))
    if reason:
        text += "\n" + msg.MB_TELL_CANCEL_REASON.format(reason=reason)
    told = outbox.tell(session, other, text, now) if other.id != contact.id else []
    return Told("cancelled", booking, as_provider=as_provider,
                then=_after_commit(services, told, booking.id, [meeting.id if meeting is not None else None]))


def where_booked(services: Services, offering: Offering, *, same_link: bool = False) -> str:
    """What a customer is told about the place of a booking (a group shares one meeting per occurrence); after a
    move that kept the meeting (`same_link`), that its link stays the same."""
    per_booking = msg.BOOK_CONFIRMED_PLATFORM_GROUP if offering.capacity > 1 else msg.BOOK_CONFIRMED_PLATFORM
    if same_link:
        per_booking = msg.BOOK_MOVED_SAME_LINK
    return place_text(offering, in_person=msg.BOOK_CONFIRMED_ADDRESS, own_link=msg.BOOK_CONFIRMED_MEET,
                      per_booking=per_booking, **video_accounts.words(services, offering.platform))
