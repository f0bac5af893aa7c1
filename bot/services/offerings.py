"""Use cases of a provider's sessions (offerings): create one, list them, find one, pause or resume it, change
its details. They take the unit of work (the message's database session) and plain values, and return what the
journey must tell; they never speak themselves."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.sessions_text import GROUP, IN_PERSON, ONLINE
from bot.services import booking as booking_service
from bot.services.deps import Services
from store.models import Booking, Contact, Offering

ARCHIVED = "archived"  # a deleted session: gone from lists and booking, its rows and past bookings kept


def create(session: Session, provider_id: int, now: datetime, *, name: str, kind: str, mode: str,
           platform: str | None, meet_url: str | None, address: str | None, duration_minutes: int,
           price_minor: int, currency: str, capacity: int | None, min_notice_minutes: int,
           availability: list[Any], description: str | None = None) -> Offering:
    """A new active session; only the place fields its mode uses are kept (a 1:1 session has one place)."""
    online = mode == ONLINE
    offering = Offering(provider_id=provider_id, name=name, kind=kind, mode=mode,
                        platform=platform if online else None, meet_url=meet_url if online else None,
                        address=address if mode == IN_PERSON else None, duration_minutes=duration_minutes,
                        price_minor=price_minor, currency=currency, capacity=capacity if kind == GROUP else 1,
                        min_notice_minutes=min_notice_minutes, availability=availability, status="active",
                        description=description,
                        created_at=now, updated_at=now)
    session.add(offering)
    session.flush()
    return offering


def list_mine(session: Session, provider_id: int) -> list[Offering]:
    """A provider's sessions, oldest first (the order "my sessions" numbers them in); deleted ones are not."""
    return list(session.scalars(select(Offering).where(Offering.provider_id == provider_id,
                                                       Offering.status != ARCHIVED)
                                .order_by(Offering.created_at, Offering.id)))


def find(session: Session, provider_id: int, offering_id: int | None) -> Offering | None:
    """This provider's session with this id; None for anyone else's, a deleted or a missing one."""
    offering = session.get(Offering, offering_id) if isinstance(offering_id, int) else None
    return offering if offering is not None and offering.provider_id == provider_id \
        and offering.status != ARCHIVED else None


def set_status(session: Session, offering: Offering, status: str, now: datetime) -> bool:
    """Pause ("paused") or resume ("active"); False when it already was."""
    if offering.status == status:
        return False
    offering.status, offering.updated_at = status, now
    return True


def change(session: Session, offering: Offering, now: datetime, **columns: Any) -> None:
    """Set these of the session's columns (one edit: a name, a price, the place's four columns...)."""
    for column, value in columns.items():
        setattr(offering, column, value)
    offering.updated_at = now


def upcoming_bookings(session: Session, offering_id: int, now: datetime) -> int:
    """How many confirmed bookings of it have not ended yet."""
    return session.scalar(select(func.count()).select_from(Booking).where(
        Booking.offering_id == offering_id, Booking.status == "confirmed", Booking.end_at > now)) or 0


def most_booked(session: Session, offering_id: int, now: datetime) -> tuple[int, datetime | None]:
    """The most confirmed places taken in one upcoming (not yet ended) occurrence, and that occurrence's start."""
    row = session.execute(
        select(Booking.start_at, func.count().label("taken")).where(
            Booking.offering_id == offering_id, Booking.status == "confirmed", Booking.end_at > now)
        .group_by(Booking.start_at).order_by(func.count().desc(), Booking.start_at).limit(1)).first()
    return (row.taken, row.start_at) if row else (0, None)


def _nothing() -> None:
    return None


@dataclass
class Archived:
    """What deleting a session did: `status` "archived", or "has_bookings" (it has upcoming bookings and the
    provider did not choose to cancel them); how many bookings were cancelled; the after-commit work (`then`)."""

    status: str
    cancelled: int = 0
    then: Callable[[], None] = field(default=_nothing, repr=False)


def archive(session: Session, services: Services, offering: Offering, *, contact: Contact, now: datetime,
            cancel_bookings: bool = False) -> Archived:
    """Delete (archive) the session: refused while it has upcoming bookings unless `cancel_bookings`, in which case
    each is cancelled as its provider cancels it (`booking.cancel`: the customer told, the meeting deleted, the
    cancellation emailed after commit)."""
    upcoming = list(session.scalars(select(Booking.id).where(
        Booking.offering_id == offering.id, Booking.status == "confirmed", Booking.end_at > now)
        .order_by(Booking.start_at, Booking.id)))
    if upcoming and not cancel_bookings:
        return Archived("has_bookings")
    told = [booking_service.cancel(session, services, booking_id=booking_id, contact=contact, now=now)
            for booking_id in upcoming]
    offering.status, offering.updated_at = ARCHIVED, now

    def then() -> None:
        for each in told:
            each.then()

    return Archived("archived", cancelled=sum(1 for t in told if t.status == "cancelled"), then=then)
