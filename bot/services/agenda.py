"""Use case: a provider's day (or week) at a glance. One entry per occurrence (a session at a start time), with
the people booked into it (name and WhatsApp number) and where it happens, so a group class is one line, not one
per attendee."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.services.notify import where_text
from store.models import Booking


@dataclass(frozen=True)
class Attendee:
    name: str
    phone: str  # E.164: shown to the provider (their own customer), masked in logs


@dataclass(frozen=True)
class Occurrence:
    session: str
    start: datetime  # UTC
    capacity: int
    attendees: tuple[Attendee, ...]
    where: str  # the line saying where it happens (link, address, or that the link is on its way)


def days_from(today: date, count: int, zone: str) -> tuple[datetime, datetime]:
    """The UTC span of `count` whole days from `today`, in the provider's zone."""
    tz = ZoneInfo(zone)
    start = datetime.combine(today, time(0), tz)
    return start, datetime.combine(today + timedelta(days=count), time(0), tz)


def occurrences(session: Session, provider_id: int, start: datetime, end: datetime,
                words: Callable[[str | None], dict[str, str]]) -> list[Occurrence]:
    """The provider's confirmed bookings starting in [start, end), grouped by occurrence, in time order. `words`:
    a platform's template variables (video_accounts.words)."""
    rows = session.scalars(select(Booking).where(Booking.provider_id == provider_id, Booking.status == "confirmed",
                                                 Booking.start_at >= start, Booking.start_at < end)
                           .options(joinedload(Booking.offering), joinedload(Booking.customer),
                                    joinedload(Booking.meeting))
                           .order_by(Booking.start_at, Booking.offering_id, Booking.id)).all()
    grouped: dict[tuple[int, datetime], list[Booking]] = {}
    for booking in rows:
        grouped.setdefault((booking.offering_id, booking.start_at), []).append(booking)
    return [Occurrence(session=group[0].offering.name, start=group[0].start_at, capacity=group[0].offering.capacity,
                       attendees=tuple(Attendee(b.customer_name, b.customer.phone) for b in group),
                       where=where_text(group[0], group[0].meeting, words(group[0].offering.platform))[1])
            for group in grouped.values()]
