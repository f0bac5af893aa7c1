"""bot/services/offerings.py (a provider's sessions: create, list, find, pause/resume, change, what is booked) on
the test database through a real unit of work, asserting outcomes: the rows stored and what the journey is told."""
from __future__ import annotations

from datetime import timedelta

from bot.core import availability
from bot.services import offerings
from store.db import unit_of_work
from store.models import Offering
from tests.fixtures.builders import (CUSTOMER_IN, EVERY_DAY_9_TO_17, OTHER_CUSTOMER_IN, free_slots, load,
                                     make_booking, make_offering, make_provider)

MEET = "https://meet.google.com/abc-defg-hij"
NEW = dict(name="Career coaching", kind="group", mode="online", platform="google_meet", meet_url=MEET,
           address="left over", duration_minutes=60, price_minor=150000, currency="INR", capacity=10,
           min_notice_minutes=0, availability=availability.to_json(EVERY_DAY_9_TO_17))


def create(services, provider_id: int, **changes) -> int:
    with unit_of_work(services.sessions) as session:
        return offerings.create(session, provider_id, services.clock(), **{**NEW, **changes}).id


def test_create_keeps_only_the_place_its_mode_uses(services):
    asha = make_provider(services)
    meet = load(services, Offering, create(services, asha))
    assert (meet.status, meet.platform, meet.meet_url, meet.address, meet.capacity) == (
        "active", "google_meet", MEET, None, 10)
    person = load(services, Offering, create(services, asha, kind="one_to_one", mode="in_person",
                                             address="12 MG Road, Bengaluru"))
    assert (person.platform, person.meet_url, person.address, person.capacity) == (
        None, None, "12 MG Road, Bengaluru", 1)


def test_list_mine_in_creation_order_and_find_only_mine(services):
    asha, ben = make_provider(services), make_provider(services, "+447700900999", name="Ben")
    first, second = create(services, asha, name="First"), create(services, asha, name="Second")
    theirs = create(services, ben)
    with unit_of_work(services.sessions, read_only=True) as session:
        assert [o.id for o in offerings.list_mine(session, asha)] == [first, second]
        assert offerings.find(session, asha, second).name == "Second"
        assert offerings.find(session, asha, theirs) is None
        assert offerings.find(session, asha, None) is None


def test_set_status_says_whether_anything_changed(services, clock):
    offering_id = make_offering(services, make_provider(services))
    later = clock.advance(hours=1)
    with unit_of_work(services.sessions) as session:
        offering = session.get(Offering, offering_id)
        assert offerings.set_status(session, offering, "paused", later) is True
        assert offerings.set_status(session, offering, "paused", later) is False
    stored = load(services, Offering, offering_id)
    assert stored.status == "paused" and stored.updated_at.replace(tzinfo=None) == later.replace(tzinfo=None)


def test_change_sets_only_the_columns_given(services):
    offering_id = make_offering(services, make_provider(services), platform="google_meet", meet_url=MEET)
    with unit_of_work(services.sessions) as session:
        offerings.change(session, session.get(Offering, offering_id), services.clock(), mode="in_person",
                         platform=None, meet_url=None, address="12 MG Road, Bengaluru")
    stored = load(services, Offering, offering_id)
    assert (stored.mode, stored.platform, stored.meet_url, stored.address, stored.name) == (
        "in_person", None, None, "12 MG Road, Bengaluru", "Career coaching")


def test_upcoming_bookings_and_the_most_booked_occurrence(services):
    offering_id = make_offering(services, make_provider(services), platform="google_meet", meet_url=MEET,
                                capacity=10)
    now = services.clock()
    with unit_of_work(services.sessions, read_only=True) as session:
        assert offerings.upcoming_bookings(session, offering_id, now) == 0
        assert offerings.most_booked(session, offering_id, now) == (0, None)
    first, second = free_slots(services, offering_id)[:2]
    make_booking(services, offering_id, first)
    make_booking(services, offering_id, second, phone=CUSTOMER_IN)
    make_booking(services, offering_id, second, phone=OTHER_CUSTOMER_IN)
    with unit_of_work(services.sessions, read_only=True) as session:
        assert offerings.upcoming_bookings(session, offering_id, now) == 3
        taken, start = offerings.most_booked(session, offering_id, now)
        assert taken == 2 and start.replace(tzinfo=None) == second.replace(tzinfo=None)
        assert offerings.upcoming_bookings(session, offering_id, second + timedelta(hours=2)) == 0
