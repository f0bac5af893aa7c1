"""Bookings: which start times are free, taking a place (race-safe: the partial unique index on seats decides),
cancelling and rescheduling. Each booking of an online session on a platform that makes meetings is attached to
the meeting of its occurrence (one per 1:1 booking; one shared by a group's attendees), which bot.meetings creates
on the provider's platform."""
from __future__ import annotations

import bisect
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.core import availability, slots
from store.models import Booking, Contact, Meeting, Offering, Provider

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BOOKING_DAYS = 14


class SlotUnavailable(Exception):
    """The chosen start time is no longer bookable (taken, full, too soon, or outside the availability)."""


def _confirmed(session: Session):
    return select(Booking).where(Booking.status == "confirmed")


def seats_taken(session: Session, offering_id: int, start: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Booking).where(
        Booking.offering_id == offering_id, Booking.start_at == start, Booking.status == "confirmed")) or 0


def free_seats(session: Session, offering_id: int, start: datetime, capacity: int) -> list[int]:
    """Seat numbers still free in an occurrence (a cancelled seat in the middle is free again)."""
    used = set(session.scalars(select(Booking.seat).where(
        Booking.offering_id == offering_id, Booking.start_at == start, Booking.status == "confirmed")))
    return [seat for seat in range(capacity) if seat not in used]


def _provider_busy(session: Session, offering: Offering, start: datetime, end: datetime,
                   ignore_booking: int | None = None) -> bool:
    """Does the provider have another occurrence (of any other session, or another time) overlapping?"""
    query = select(Booking.id).where(
        Booking.provider_id == offering.provider_id, Booking.status == "confirmed",
        Booking.start_at < end, Booking.end_at > start,
        or_(Booking.offering_id != offering.id, Booking.start_at != start))
    if ignore_booking is not None:
        query = query.where(Booking.id != ignore_booking)
    return session.scalars(query.limit(1)).first() is not None


def free_slots(session: Session, offering: Offering, now: datetime, *, ignore_booking: int | None = None,
               days: int = BOOKING_DAYS, busy: Sequence[tuple[datetime, datetime]] = ()) -> list[datetime]:
    """Start times (aware UTC) a customer can book over the next `days` days. `busy`: the provider's busy times
    on their own calendar (bot.services.calendars), left out except where they are our own bookings' events."""
    provider = offering.provider
    horizon = now + timedelta(days=days + 1)
    rows = session.execute(select(Booking.id, Booking.offering_id, Booking.start_at, Booking.end_at).where(
        Booking.provider_id == offering.provider_id, Booking.status == "confirmed",
        Booking.end_at > now, Booking.start_at < horizon)).all()
    others = _without(busy, [(r.start_at, r.end_at) for r in rows])  # our events are busy times there too
    if ignore_booking is not None:
        rows = [r for r in rows if r.id != ignore_booking]
    taken = _taken_check(rows, offering.id, offering.capacity, timedelta(minutes=offering.duration_minutes))
    if others:
        taken = _or_busy(taken, others, timedelta(minutes=offering.duration_minutes))
    return slots.free_slots(windows=availability.from_json(offering.availability), provider_tz=provider.timezone,
                            duration_minutes=offering.duration_minutes, now=now, days=days,
                            min_notice_minutes=offering.min_notice_minutes, taken=taken)


def _without(periods: Sequence[tuple[datetime, datetime]],
             holes: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """`periods` minus every hole (interval subtraction), in order."""
    holes = sorted(holes)
    left: list[tuple[datetime, datetime]] = []
    for start, end in sorted(periods):
        for hole_start, hole_end in holes:
            if hole_end <= start or hole_start >= end:
                continue
            if hole_start > start:
                left.append((start, hole_start))
            start = max(start, hole_end)
            if start >= end:
                break
        if start < end:
            left.append((start, end))
    return left


def _or_busy(taken: Callable[[datetime], bool], busy: list[tuple[datetime, datetime]],
             duration: timedelta) -> Callable[[datetime], bool]:
    """`taken`, or the slot overlaps one of the (sorted, disjoint) busy periods."""
    starts = [start for start, _ in busy]

    def check(start: datetime) -> bool:
        if taken(start):
            return True
        i = bisect.bisect_left(starts, start + duration)  # busy periods starting before the slot ends...
        return bool(i) and busy[i - 1][1] > start  # ...the latest of which still runs when it starts

    return check


def _taken_check(rows, offering_id: int, capacity: int, duration: timedelta):
    """A fast `taken(start)` over the provider's confirmed bookings: the occurrence is full, or the provider is in
    another occurrence (of this session at an overlapping time, or of another session) that overlaps it."""
    seats: dict[datetime, int] = {}
    intervals: list[tuple[datetime, datetime, bool]] = []  # (start, end as booked, of this session?)
    for r in rows:
        own = r.offering_id == offering_id
        if own:
            seats[r.start_at] = seats.get(r.start_at, 0) + 1
        intervals.append((r.start_at, r.end_at, own))
    intervals.sort(key=lambda i: i[0])
    starts = [i[0] for i in intervals]
    reach: list[datetime] = []  # reach[i] = the latest end among intervals[0..i]
    for _, end, _own in intervals:
        reach.append(max(end, reach[-1]) if reach else end)

    def taken(start: datetime) -> bool:
        end = start + duration
        if seats.get(start, 0) >= capacity:
            return True
        i = bisect.bisect_left(starts, end)  # bookings starting before this slot ends...
        if not i or reach[i - 1] <= start:  # ...none of which ends after it starts
            return False
        # Something overlaps; it only doesn't count if it is this very occurrence (its other attendees).
        return any(b_end > start and not (own and b_start == start)
                   for b_start, b_end, own in intervals[:i])

    return taken




def _new_reference(session: Session) -> str:
    while True:
        ref = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalars(select(Booking.id).where(Booking.reference == ref)).first() is None:
            return ref


def _lock_provider(session: Session, provider_id: int) -> None:
    session.scalars(select(Provider.id).where(Provider.id == provider_id).with_for_update(key_share=True)).one()


def _check_free(session: Session, offering: Offering, start: datetime, now: datetime,
                ignore_booking: int | None = None, busy: Sequence[tuple[datetime, datetime]] = ()) -> None:
    if start not in free_slots(session, offering, now, ignore_booking=ignore_booking, busy=busy):
        raise SlotUnavailable("taken")


def book(session: Session, *, offering: Offering, customer: Contact, start: datetime, name: str, email: str,
         timezone: str, now: datetime, busy: Sequence[tuple[datetime, datetime]] = ()) -> Booking:
    """Take a place in the occurrence `start` of `offering`, or raise SlotUnavailable. The seat number comes from
    the places already taken; two customers racing for the same seat hit the unique index and one of them loses."""
    _lock_provider(session, offering.provider_id)  # PostgreSQL: one booking per provider at a time
    if offering.status != "active":
        raise SlotUnavailable("paused")  # pausing stops new bookings (moving one that exists is still fine)
    _check_free(session, offering, start, now, busy=busy)
    end = start + timedelta(minutes=offering.duration_minutes)
    for seat in free_seats(session, offering.id, start, offering.capacity):
        booking = Booking(reference=_new_reference(session), offering_id=offering.id,
                          provider_id=offering.provider_id, customer_id=customer.id, start_at=start, end_at=end,
                          seat=seat, status="confirmed", customer_name=name, customer_email=email,
                          customer_timezone=timezone, email_status="pending", created_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(booking)
        except IntegrityError:
            continue  # someone took this seat a moment ago: try the next one
        attach_meeting(session, booking, offering, now)
        return booking
    raise SlotUnavailable("full")


def needs_meeting(offering: Offering) -> bool:
    """An online session without a link of its own: its platform makes a meeting for each booking."""
    return offering.mode == "online" and offering.platform is not None and not offering.meet_url


def live_meeting(session: Session, offering_id: int, start: datetime) -> Meeting | None:
    return session.scalars(select(Meeting).where(
        Meeting.offering_id == offering_id, Meeting.start_at == start,
        Meeting.status.not_in(("deleting", "deleted"))).order_by(Meeting.generation.desc())).first()


def _next_generation(session: Session, offering_id: int, start: datetime) -> int:
    highest = session.scalar(select(func.max(Meeting.generation)).where(Meeting.offering_id == offering_id,
                                                                         Meeting.start_at == start))
    return 0 if highest is None else highest + 1


def attach_meeting(session: Session, booking: Booking, offering: Offering, now: datetime) -> Meeting | None:
    """The occurrence's meeting (created pending if there is none yet; unique per occurrence and generation)."""
    if not needs_meeting(offering):
        return None
    for _ in range(3):
        meeting = live_meeting(session, offering.id, booking.start_at)
        if meeting is None:
            generation = _next_generation(session, offering.id, booking.start_at)
            try:
                with session.begin_nested():
                    meeting = Meeting(offering_id=offering.id, provider_id=offering.provider_id,
                                      start_at=booking.start_at, generation=generation, platform=offering.platform,
                                      status="pending", created_at=now, updated_at=now)
                    session.add(meeting)
            except IntegrityError:
                continue  # another booking of this occurrence created it: use theirs
        booking.meeting_id = meeting.id
        return meeting
    raise RuntimeError("could not attach a meeting")


def cancel(session: Session, booking: Booking, *, by: str, now: datetime) -> Meeting | None:
    """Cancel; returns the meeting to delete at the platform if no confirmed booking uses it any more."""
    booking.status, booking.cancelled_at, booking.cancelled_by, booking.updated_at = "cancelled", now, by, now
    session.flush()
    return _release_meeting(session, booking.meeting_id, now)


def _release_meeting(session: Session, meeting_id: int | None, now: datetime) -> Meeting | None:
    if meeting_id is None:
        return None
    still_used = session.scalars(select(Booking.id).where(Booking.meeting_id == meeting_id,
                                                         Booking.status == "confirmed").limit(1)).first()
    if still_used is not None:
        return None
    meeting = session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
    meeting.status = "deleting" if meeting.external_id else "deleted"
    meeting.updated_at, meeting.next_attempt_at = now, None
    meeting.version += 1  # a worker creating it right now will see this and delete what it made
    return meeting if meeting.status == "deleting" else None


def reschedule(session: Session, booking: Booking, new_start: datetime, now: datetime,
               busy: Sequence[tuple[datetime, datetime]] = ()) -> Meeting | None:
    """Move the booking to another start of the same session. 1:1: the meeting moves with it (updated at the platform);
    group: the attendee leaves the old occurrence's meeting and joins the new one's. A paused session's bookings
    can be moved too: pausing only stops new bookings."""
    offering = booking.offering
    _lock_provider(session, offering.provider_id)
    if booking.start_at <= now:
        raise SlotUnavailable("started")  # a session under way (or over) is not moved
    _check_free(session, offering, new_start, now, ignore_booking=booking.id, busy=busy)
    old_meeting_id = booking.meeting_id
    booking.status = "cancelled"  # leave the old seat first (the partial index only sees confirmed rows)
    session.flush()
    for seat in free_seats(session, offering.id, new_start, offering.capacity):
        try:
            with session.begin_nested():
                booking.start_at, booking.end_at = new_start, new_start + timedelta(minutes=offering.duration_minutes)
                booking.seat, booking.status, booking.updated_at = seat, "confirmed", now
                session.flush()
        except IntegrityError:
            continue
        break
    else:
        raise SlotUnavailable("full")
    booking.link_sent_at = None
    booking.email_sequence += 1
    booking.email_status = "pending"
    if not needs_meeting(offering):
        return None
    old = session.get(Meeting, old_meeting_id) if old_meeting_id else None
    if old is not None and offering.capacity == 1 and old.status not in ("deleting", "deleted"):
        old.generation = _next_generation(session, offering.id, new_start)
        old.start_at, old.updated_at = new_start, now  # same meeting, new time
        old.needs_update = old.external_id is not None
        old.version += 1  # a worker creating or updating it right now will update it again
        return old
    attach_meeting(session, booking, offering, now)
    _release_meeting(session, old_meeting_id, now)
    return session.get(Meeting, booking.meeting_id)


# What a list of bookings shows of each (the session and its provider, the meeting's link), loaded with them in one
# statement: not one query per booking.
_AS_LISTED = (joinedload(Booking.offering).joinedload(Offering.provider), joinedload(Booking.meeting))


def upcoming_for_customer(session: Session, customer_id: int, now: datetime) -> list[Booking]:
    return list(session.scalars(select(Booking).where(Booking.customer_id == customer_id,
                                                      Booking.status == "confirmed", Booking.end_at > now)
                                .options(*_AS_LISTED).order_by(Booking.start_at)))


def upcoming_for_provider(session: Session, provider_id: int, now: datetime) -> list[Booking]:
    return list(session.scalars(select(Booking).where(Booking.provider_id == provider_id,
                                                      Booking.status == "confirmed", Booking.end_at > now)
                                .options(*_AS_LISTED).order_by(Booking.start_at, Booking.id)))


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))

