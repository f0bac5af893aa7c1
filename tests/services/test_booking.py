"""The booking use cases (bot/services/booking.py) called directly, cosmicpython style: a real unit of work on the
test's database, the Jobs port faked (tests/fixtures/jobs.py), and outcomes asserted: the rows, the messages
queued for the other side, the after-commit work asked for. The conversation around them is tested end to end in
tests/test_booking*.py and tests/test_my_bookings*.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import messages as msg
from bot.core.phones import whatsapp as whatsapp_address
from bot.core.slots import format_slot_with_zone
from bot.services import booking, bookings
from store import repos
from store.db import unit_of_work
from store.models import Booking, Contact, Offering, OutboundMessage, Provider
from tests.fixtures.builders import CUSTOMER, CUSTOMER_TZ, PROVIDER, PROVIDER_TZ, load, make_offering, make_provider
from tests.fixtures.jobs import FakeJobs

STRANGER = "+447700900999"
ADDRESS = "12 MG Road"


@pytest.fixture
def jobs(services) -> FakeJobs:
    services.queue = fake = FakeJobs()
    return fake


@pytest.fixture
def offering_id(services) -> int:
    """Asha's in-person session, open every day 9-17 (her zone): no meeting to make, so only the email is queued."""
    return make_offering(services, make_provider(services), mode="in_person", address=ADDRESS)


def _book(services, offering_id: int, nth: int = 0, phone: str = CUSTOMER) -> booking.Told:
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        customer = repos.get_or_create_contact(session, phone, now)
        start = bookings.free_slots(session, session.get(Offering, offering_id), now)[nth]
        told = booking.book(session, services, offering_id=offering_id, customer=customer, start=start,
                            name="Priya", email="priya@example.com", timezone=CUSTOMER_TZ, now=now)
        session.flush()
        told_id = told.booking.id if told.booking is not None else None
    told.then()  # what the handler runs once the transaction has committed
    return told if told_id is None else _reread(services, told, told_id)


def _reread(services, told: booking.Told, booking_id: int) -> booking.Told:
    told.booking = load(services, Booking, booking_id)
    return told


def _sent_to(services, phone: str) -> list[str]:
    """The bodies queued for `phone`, oldest first."""
    with unit_of_work(services.sessions) as session:
        return list(session.scalars(select(OutboundMessage.body).where(
            OutboundMessage.to == whatsapp_address(phone)).order_by(OutboundMessage.id)))


def _contact(session, phone: str) -> Contact:
    return repos.contact_by_phone(session, phone)


def test_book_takes_the_place_tells_the_provider_and_queues_the_email(services, jobs, offering_id):
    told = _book(services, offering_id)
    assert told.status == "booked" and told.done
    row = told.booking
    assert (row.status, row.customer_name, row.customer_email) == ("confirmed", "Priya", "priya@example.com")
    assert row.link_sent_at is not None  # the address is in the confirmation itself
    [told_provider] = _sent_to(services, PROVIDER)
    assert told_provider == msg.BOOK_PROVIDER_NEW.format(
        customer="Priya", session="Career coaching", reference=row.reference, places="",
        when=format_slot_with_zone(row.start_at, PROVIDER_TZ))
    assert _sent_to(services, CUSTOMER) == []  # the customer's confirmation is the conversation's own reply
    assert (jobs.meetings, jobs.booking_emails) == ([], [row.id])
    with unit_of_work(services.sessions) as session:
        customer = _contact(session, CUSTOMER)
        assert (customer.name, customer.email) == ("Priya", "priya@example.com")


def test_book_a_paused_session_changes_nothing(services, jobs, offering_id):
    with unit_of_work(services.sessions) as session:
        session.get(Offering, offering_id).status = "paused"
    told = _book(services, offering_id)
    assert (told.status, told.done, told.booking) == ("paused", False, None)
    assert _sent_to(services, PROVIDER) == [] and jobs.booking_emails == []
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(Booking)).all() == []


def test_book_a_taken_start_is_refused(services, jobs, offering_id):
    first = _book(services, offering_id)
    with unit_of_work(services.sessions) as session:
        told = booking.book(session, services, offering_id=offering_id,
                            customer=repos.get_or_create_contact(session, STRANGER, services.clock()),
                            start=first.booking.start_at, name="Ravi", email="ravi@example.com",
                            timezone=CUSTOMER_TZ, now=services.clock())
    assert told.status == "taken" and len(_sent_to(services, PROVIDER)) == 1


def test_provider_reschedules_and_the_customer_is_told(services, jobs, offering_id):
    made = _book(services, offering_id).booking
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        new_start = booking.free_starts(session, session.get(Offering, offering_id), now,
                                        moving=session.get(Booking, made.id))[0]
        told = booking.reschedule(session, services, booking_id=made.id, start=new_start,
                                  contact=_contact(session, PROVIDER), now=now)
        assert (told.status, told.as_provider, told.old_start) == ("rescheduled", True, made.start_at)
    told.then()
    moved = _reread(services, told, made.id).booking
    assert moved.start_at == new_start and moved.status == "confirmed" and moved.email_sequence == 1
    assert _sent_to(services, CUSTOMER) == [msg.BOOK_CUSTOMER_RESCHEDULED_BY_PROVIDER.format(
        provider="Asha Coaching", reference=made.reference, session="Career coaching",
        old=format_slot_with_zone(made.start_at, CUSTOMER_TZ), new=format_slot_with_zone(new_start, CUSTOMER_TZ),
        where=msg.BOOK_CONFIRMED_ADDRESS.format(address=ADDRESS))]
    assert jobs.booking_emails == [made.id, made.id]  # the confirmation, then the updated invitation


def test_nobody_else_can_move_or_cancel_a_booking(services, jobs, offering_id):
    made = _book(services, offering_id).booking
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        stranger = repos.get_or_create_contact(session, STRANGER, now)
        moved = booking.reschedule(session, services, booking_id=made.id, start=made.start_at + timedelta(hours=1),
                                   contact=stranger, now=now)
        cancelled = booking.cancel(session, services, booking_id=made.id, contact=stranger, now=now)
    assert (moved.status, cancelled.status) == ("gone", "gone")
    assert _sent_to(services, CUSTOMER) == [] and len(_sent_to(services, PROVIDER)) == 1
    with unit_of_work(services.sessions) as session:
        assert (session.get(Booking, made.id).status, session.get(Booking, made.id).start_at) == \
            ("confirmed", made.start_at)


def test_customer_cancels_the_provider_is_told_and_the_start_is_free_again(services, jobs, offering_id):
    made = _book(services, offering_id).booking
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        told = booking.cancel(session, services, booking_id=made.id, contact=_contact(session, CUSTOMER), now=now)
        assert (told.status, told.as_provider) == ("cancelled", False)
    told.then()
    with unit_of_work(services.sessions) as session:
        row = session.get(Booking, made.id)
        assert (row.status, row.cancelled_by, row.email_status) == ("cancelled", "customer", "pending")
        assert made.start_at in bookings.free_slots(session, session.get(Offering, offering_id), now)
        assert booking.list_bookings(session, _contact(session, CUSTOMER), now) == []
    assert _sent_to(services, PROVIDER)[-1] == msg.MB_TELL_PROVIDER_CANCELLED.format(
        customer="Priya", reference=made.reference, session="Career coaching",
        when=format_slot_with_zone(made.start_at, PROVIDER_TZ))
    assert jobs.booking_emails == [made.id, made.id]  # the confirmation, then the cancellation


def test_a_booking_under_way_cannot_be_cancelled(services, jobs, offering_id, clock):
    made = _book(services, offering_id).booking
    clock.advance(seconds=(made.start_at - clock()).total_seconds() + 60)
    with unit_of_work(services.sessions) as session:
        told = booking.cancel(session, services, booking_id=made.id, contact=_contact(session, CUSTOMER),
                              now=clock())
    assert told.status == "started" and not told.done
    assert len(_sent_to(services, PROVIDER)) == 1 and jobs.booking_emails == [made.id]


def test_list_bookings_shows_both_roles_in_start_order(services, jobs, offering_id):
    second = _book(services, offering_id, nth=1).booking
    first = _book(services, offering_id, nth=0, phone=STRANGER).booking
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        provider = session.scalars(select(Provider)).one()
        assert [b.id for b in booking.list_bookings(session, provider.contact, now)] == [first.id, second.id]
        assert [b.id for b in booking.list_bookings(session, _contact(session, CUSTOMER), now)] == [second.id]

