"""The booking flow's half of a reschedule (my bookings → reschedule → day → time → confirm): a group attendee
moving into an occurrence whose meeting already exists gets that meeting's link and the old, now empty, meeting is
deleted at Zoom; a time taken while the customer was choosing changes nothing."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from bot.core import messages as msg
from bot.core.availability import Window
from store.db import unit_of_work
from store.models import Booking, Meeting, Offering
from tests.fixtures.builders import CUSTOMER_IN as CUSTOMER
from tests.fixtures.builders import MORNINGS, load_all, make_offering
from tests.fixtures.builders import OTHER_CUSTOMER_IN as OTHER_CUSTOMER
from tests.fixtures.chat import book, has, read
from tests.fixtures.texts import zoom_text

UTC = timezone.utc


def rows(services, model):
    return load_all(services, model)


def test_group_attendee_moves_into_an_occurrence_with_a_meeting(provider, services, whatsapp, fake_zoom,
                                                                smtp_server):
    make_offering(services, provider.id, windows=MORNINGS, name="Group class", capacity=2)
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr 10:00
    book(whatsapp(OTHER_CUSTOMER), provider.code, day="2", email="meera@example.com", profile="Meera")  # Thu
    smtp_server.wait_for(2)
    old_meeting, new_meeting = rows(services, Meeting)
    provider.new_replies()

    mover.send("my bookings")
    mover.send("1")
    days = mover.send("reschedule")
    assert msg.BOOK_DAY_LINE.format(number=2, day="Thu 3 Apr", times="10:00, 11:00") in days
    times = mover.send("2")
    assert msg.BOOK_TIME_LINE_GROUP.format(number=1, time="10:00", left=1, capacity=2) in times
    summary = read(msg.BOOK_RESCHEDULE_SUMMARY, mover.send("1"))
    assert summary["old"] == "Wed 2 Apr, 10:00 (Asia/Kolkata)" and summary["new"] == "Thu 3 Apr, 10:00 (Asia/Kolkata)"
    done = mover.send("yes")
    assert read(msg.BOOK_RESCHEDULED, done)["when"] == "Thu 3 Apr, 10:00 (Asia/Kolkata)"
    assert read(zoom_text(msg.LINK_READY), done)["join_url"] == new_meeting.join_url  # the occurrence's existing meeting

    moved = rows(services, Booking)[0]
    assert moved.start_at == datetime(2025, 4, 3, 4, 30, tzinfo=UTC) and moved.meeting_id == new_meeting.id
    assert {m.id: m.status for m in rows(services, Meeting)} == {old_meeting.id: "deleted",
                                                                 new_meeting.id: "ready"}
    assert list(fake_zoom.fake.meetings) == [new_meeting.external_id]  # the empty one is gone from Zoom
    told = read(msg.BOOK_PROVIDER_RESCHEDULED, "\n".join(provider.new_replies()))
    assert told["old"] == "Wed 2 Apr, 10:00 (Asia/Kolkata)" and told["new"] == "Thu 3 Apr, 10:00 (Asia/Kolkata)"
    invitation = smtp_server.wait_for(3)[-1]
    assert invitation["To"] == "ravi@example.com" and new_meeting.join_url in invitation.get_body(
        ("plain",)).get_content()


def test_a_time_taken_while_rescheduling_changes_nothing(provider, services, whatsapp, fake_zoom):
    make_offering(services, provider.id, windows=MORNINGS)
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr 10:00
    (before,) = rows(services, Booking)
    mover.send("my bookings")
    mover.send("1")
    mover.send("reschedule")
    mover.send("2")
    assert has(msg.BOOK_RESCHEDULE_SUMMARY, mover.send("1"))  # Thu 3 Apr 10:00
    book(whatsapp(OTHER_CUSTOMER), provider.code, day="2", email="meera@example.com", profile="Meera")
    reply = mover.send("yes")
    assert msg.BOOK_SLOT_GONE in reply and has(msg.BOOK_DAYS, reply)
    after = rows(services, Booking)[0]
    assert (after.status, after.start_at, after.meeting_id, after.seat) == \
        ("confirmed", before.start_at, before.meeting_id, before.seat)
    assert len(fake_zoom.fake.meetings) == 2
    # still rescheduling: another time works
    mover.send("2")
    assert has(msg.BOOK_RESCHEDULE_SUMMARY, mover.send("1"))  # Thu 3 Apr 11:00
    assert has(msg.BOOK_RESCHEDULED, mover.send("yes"))
    assert rows(services, Booking)[0].start_at == datetime(2025, 4, 3, 5, 30, tzinfo=UTC)


def start_rescheduling(chat) -> str:
    chat.send("my bookings")
    chat.send("1")
    return chat.send("reschedule")


def test_cancelled_by_the_provider_while_rescheduling_ends_the_reschedule(provider, services, whatsapp, fake_zoom):
    make_offering(services, provider.id, windows=MORNINGS)
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr 10:00
    start_rescheduling(mover)
    # meanwhile the provider cancels that booking from her phone
    provider.send("my bookings")
    provider.send("1")
    assert has(msg.MB_ASK_CANCEL_REASON, provider.send("cancel booking"))
    assert has(msg.MB_CONFIRM_CANCEL, provider.send("skip"))
    assert has(msg.MB_CANCELLED, provider.send("yes"))
    mover.send("2")
    assert has(msg.BOOK_RESCHEDULE_SUMMARY, mover.send("1"))
    reply = mover.send("yes")
    assert msg.MB_GONE in reply and msg.MB_NONE in reply  # back on the (now empty) list
    assert msg.BOOK_SLOT_GONE not in reply and not has(msg.BOOK_DAYS, reply)
    (booking,) = rows(services, Booking)
    assert (booking.status, booking.cancelled_by) == ("cancelled", "provider")
    assert booking.start_at == datetime(2025, 4, 2, 4, 30, tzinfo=UTC)  # not moved, not revived
    assert msg.MB_NONE in mover.send("1")  # out of the reschedule: no loop


def test_the_booking_own_time_is_not_offered(provider, services, whatsapp):
    make_offering(services, provider.id, windows=MORNINGS)  # daily 10:00 and 11:00
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr 10:00
    days = start_rescheduling(mover)
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="11:00") in days
    assert msg.BOOK_DAY_LINE.format(number=2, day="Thu 3 Apr", times="10:00, 11:00") in days
    times = mover.send("1")
    assert msg.BOOK_TIME_LINE.format(number=1, time="11:00") in times and "10:00" not in times
    assert msg.BOOK_PICK_NUMBER.format(count=1) in mover.send("10:00")  # not even typed


def test_a_group_booking_own_time_is_not_offered(provider, services, whatsapp):
    make_offering(services, provider.id, windows=MORNINGS, name="Group class", capacity=2)
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr 10:00, 1 of 2 places taken
    book(whatsapp(OTHER_CUSTOMER), provider.code, at="2", email="meera@example.com", profile="Meera")  # 11:00
    days = start_rescheduling(mover)
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="11:00") in days
    times = mover.send("1")
    assert msg.BOOK_TIME_LINE_GROUP.format(number=1, time="11:00", left=1, capacity=2) in times
    assert "10:00" not in times


def test_nothing_else_free_while_rescheduling_offers_the_way_back_to_the_booking(provider, services, whatsapp):
    wednesdays = [Window(2, time(10), time(11))]  # Wed 2 and Wed 9 Apr, 10:00
    make_offering(services, provider.id, windows=wednesdays)
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr
    book(whatsapp(OTHER_CUSTOMER), provider.code, email="meera@example.com", profile="Meera")  # Wed 9 Apr
    reply = start_rescheduling(mover)
    assert msg.BOOK_NO_DAYS_RESCHEDULE.format(session="Career coaching", days=14) in reply
    assert not has(msg.BOOK_NO_DAYS, reply) and "another session" not in reply
    assert has(msg.MB_DETAIL, mover.send("back"))  # back is the booking, as the text says


def test_paused_while_rescheduling_still_moves_the_booking(provider, services, whatsapp, fake_zoom):
    """Pausing stops new bookings only: a reschedule under way goes through."""
    offering_id = make_offering(services, provider.id, windows=MORNINGS)
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr 10:00
    start_rescheduling(mover)
    mover.send("2")
    assert has(msg.BOOK_RESCHEDULE_SUMMARY, mover.send("1"))  # Thu 3 Apr 10:00
    with unit_of_work(services.sessions) as session:
        session.get(Offering, offering_id).status = "paused"
    reply = mover.send("yes")
    assert has(msg.BOOK_RESCHEDULED, reply)
    (moved,) = rows(services, Booking)
    assert (moved.status, moved.start_at) == ("confirmed", datetime(2025, 4, 3, 4, 30, tzinfo=UTC))
    # a new booking of the paused session is still refused
    reply = whatsapp(OTHER_CUSTOMER).send(f"book {provider.code}")
    assert has(msg.BOOK_NOTHING_OPEN, reply)


def test_a_booking_that_starts_while_rescheduling_is_not_moved(provider, services, whatsapp, clock):
    make_offering(services, provider.id, windows=MORNINGS)
    mover = whatsapp(CUSTOMER)
    book(mover, provider.code)  # Wed 2 Apr 10:00 (Asia/Kolkata)
    start_rescheduling(mover)
    mover.send("2")
    assert has(msg.BOOK_RESCHEDULE_SUMMARY, mover.send("1"))
    (booking,) = rows(services, Booking)
    clock.now = booking.start_at + timedelta(minutes=5)  # the customer answers once the session is under way
    reply = mover.send("yes")
    assert msg.MB_GONE in reply and msg.BOOK_SLOT_GONE not in reply
    (after,) = rows(services, Booking)
    assert (after.status, after.start_at) == ("confirmed", booking.start_at)
