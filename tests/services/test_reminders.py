"""bot/services/reminders.py as a use case: `due` is the sweep's scan (what fell due and is not recorded), the
settings and the lookups behind the reminder's choices. Outcomes are read from what `due` returns and the rows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services import bookings, reminders
from store import repos
from store.db import unit_of_work
from store.models import Booking, Provider
from tests.fixtures.builders import CUSTOMER, make_booking, make_offering, make_provider


def ist(day: int, hour: int) -> datetime:
    return datetime(2025, 4, day, hour, tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(timezone.utc)


@pytest.fixture
def offering_id(services) -> int:
    make_provider(services)
    return make_offering(services, mode="in_person")


def kinds_due(services, at: datetime) -> set[tuple[int, str]]:
    return {(r.booking_id, r.kind) for r in reminders.due(services, at)}


def test_due_lists_what_fell_due_and_is_not_recorded(services, offering_id):
    start = ist(3, 14)
    booking = make_booking(services, offering_id, start)
    assert kinds_due(services, start - timedelta(hours=25)) == set()
    # (the provider's are due too: whether they go is the provider's setting, decided when recorded)
    assert kinds_due(services, start - timedelta(hours=24)) == {(booking.id, "customer_24h"),
                                                                (booking.id, "provider_24h")}
    assert kinds_due(services, start - timedelta(hours=1)) == {
        (booking.id, kind) for kind in ("customer_24h", "customer_1h", "provider_24h", "provider_1h")}
    with unit_of_work(services.sessions) as session:
        repos.record_reminder(session, booking.id, "customer_24h", start, "queued", services.clock())
        assert repos.record_reminder(session, booking.id, "customer_24h", start, "queued", services.clock()) is None
    assert (booking.id, "customer_24h") not in kinds_due(services, start - timedelta(hours=1))
    assert kinds_due(services, start) == set()  # started: too late for any


def test_a_moved_booking_is_due_again_at_its_new_time_and_a_cancelled_one_never(services, offering_id):
    booking = make_booking(services, offering_id, ist(3, 14))
    other = make_booking(services, offering_id, ist(3, 15), phone="+447700900555")
    with unit_of_work(services.sessions) as session:
        repos.record_reminder(session, booking.id, "customer_24h", ist(3, 14), "queued", services.clock())
        bookings.reschedule(session, session.get(Booking, booking.id), ist(3, 16), services.clock())
        bookings.cancel(session, session.get(Booking, other.id), by="customer", now=services.clock())
    assert kinds_due(services, ist(3, 16) - timedelta(hours=24)) == {(booking.id, "customer_24h"),
                                                                     (booking.id, "provider_24h")}


def test_settings_are_checked(services, offering_id):
    with unit_of_work(services.sessions) as session:
        provider = session.query(Provider).one()
        reminders.set_preference(session, provider, "customer", "off")
        reminders.set_preference(session, provider, "provider", "24h1h")
        with pytest.raises(ValueError):
            reminders.set_preference(session, provider, "customer", "weekly")
        assert (provider.remind_customers, provider.remind_self) == ("off", "24h1h")


def test_only_its_customer_and_provider_reach_a_booking_by_reference(services, offering_id):
    booking = make_booking(services, offering_id, ist(3, 14))
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        customer = repos.contact_by_phone(session, CUSTOMER)
        provider = session.query(Provider).one()
        stranger = repos.get_or_create_contact(session, "+447700900999", now)
        assert reminders.own_booking(session, customer, booking.reference.lower()).id == booking.id
        assert reminders.own_booking(session, provider.contact, "#" + booking.reference).id == booking.id
        assert reminders.own_booking(session, stranger, booking.reference) is None
        assert reminders.attending_booking(session, provider.contact, booking.reference, now) is None
        assert reminders.last_reminded(session, customer, now) is None
