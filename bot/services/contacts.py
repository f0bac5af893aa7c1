"""The person writing: the zone their times are shown in, STOP and START, and signing up as a provider."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store import repos
from store.models import Contact, Provider


def set_timezone(contact: Contact, zone: str) -> None:
    """Times are shown to them in `zone` from now on; a provider's availability is read in it too."""
    contact.timezone = zone
    if contact.provider is not None:
        contact.provider.timezone = zone


def confirm_timezone(contact: Contact, zone: str) -> None:
    """A customer confirmed the zone while booking: later bookings don't ask again."""
    contact.timezone = zone


def opt_out(contact: Contact, now: datetime) -> None:
    contact.opted_out_at = contact.opted_out_at or now


def opt_in(contact: Contact) -> bool:
    """START from someone who had sent STOP; False if they had not."""
    if contact.opted_out_at is None:
        return False
    contact.opted_out_at = None
    return True


def sign_up(session: Session, contact: Contact, *, name: str, timezone: str, now: datetime,
            trial_days: int) -> Provider:
    return repos.create_provider(session, contact, name=name, timezone=timezone, now=now, trial_days=trial_days)
