"""A Zoom meeting per booking, made by the background work against the strict fake Zoom: the happy path, and every
failure the issue names (429 with and without Retry-After, the 100-a-day cap, 5xx, timeouts, a revoked or missing
connection), each ending with exactly one meeting per booking, one link message and one confirmation email."""
from __future__ import annotations

import threading
import time as wallclock
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.core import messages as msg
from bot.services import bookings, meetings
from bot.worker import tasks
from integrations.video import VideoProviderRegistry
from integrations.zoom.client import ZoomProvider
from store.db import unit_of_work
from store.models import Booking, Meeting, Offering, Provider
from tests.fixtures.builders import CUSTOMER, make_booking, make_offering
from tests.fixtures.texts import zoom_text
from tests.fixtures.zoom_connect import LINK, click_through



def add_offering(services, **kwargs) -> int:
    """A session of the one provider, every day 9-17 (Kolkata) with an hour's notice."""
    return make_offering(services, **{"notice": 60, **kwargs})


def queue_meeting(services, booking: Booking) -> None:
    services.queue.meeting(booking.meeting_id)


def meeting_row(services, meeting_id) -> Meeting:
    with unit_of_work(services.sessions) as session:
        return session.get(Meeting, meeting_id)


def customer_messages(fake_twilio, phone=CUSTOMER) -> list[str]:
    return fake_twilio.fake.bodies_to(f"whatsapp:{phone}")


def test_meeting_is_created_on_the_providers_zoom_and_the_link_sent(zoom_provider, services, fake_zoom,
                                                                   fake_twilio, smtp_server):
    booking = make_booking(services, add_offering(services))
    queue_meeting(services, booking)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready"
    zoom_meeting = fake_zoom.fake.meetings[row.external_id]
    assert zoom_meeting.owner_user_id == fake_zoom.user.id
    body = zoom_meeting.body
    assert body["duration"] == 60 and body["timezone"] == "Asia/Kolkata" and "Priya" in body["topic"]
    assert body["join_url"] == row.join_url
    texts = customer_messages(fake_twilio)
    assert len([t for t in texts if row.join_url in t]) == 1
    assert not any(body["start_url"] in t for t in texts), "the host's start URL never goes to a customer"
    mails = smtp_server.wait_for(1)
    assert len(mails) == 1 and mails[0]["To"] == "priya@example.com"
    text_part = mails[0].get_body(("plain",)).get_content()
    assert row.join_url in text_part and body["start_url"] not in mails[0].as_string()
    ics = [p for p in mails[0].iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics and "METHOD:REQUEST" in ics[0].get_content()


def test_two_bookings_get_two_different_meetings(zoom_provider, services, fake_zoom):
    offering = add_offering(services)
    first, second = make_booking(services, offering, nth=0), make_booking(services, offering, phone="+447700900999", nth=1)
    queue_meeting(services, first)
    queue_meeting(services, second)
    a, b = meeting_row(services, first.meeting_id), meeting_row(services, second.meeting_id)
    assert a.id != b.id and a.join_url != b.join_url
    assert len(fake_zoom.fake.meetings) == 2


def test_a_repeated_task_does_not_create_a_second_meeting(zoom_provider, services, fake_zoom, smtp_server,
                                                         fake_twilio):
    booking = make_booking(services, add_offering(services))
    queue_meeting(services, booking)
    queue_meeting(services, booking)
    assert meetings.process(services, booking.meeting_id) == "nothing-to-do"
    tasks.sweep(services)
    assert len(fake_zoom.fake.meetings) == 1
    assert len(smtp_server.wait_for(1)) == 1
    row = meeting_row(services, booking.meeting_id)
    assert len([t for t in customer_messages(fake_twilio) if row.join_url in t]) == 1


def test_two_workers_at_once_make_one_meeting(zoom_provider, services, fake_zoom):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.delay_next("create_meeting", 0.3)
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda: outcomes.append(meetings.process(services, booking.meeting_id)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("created") == 1
    assert len(fake_zoom.fake.meetings) == 1


def test_rate_limit_with_retry_after_waits_then_succeeds(zoom_provider, services, fake_zoom, clock, fake_twilio,
                                                        smtp_server):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.fail_next("create_meeting", 429, retry_after=120)
    queue_meeting(services, booking)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "pending" and row.next_attempt_at == clock.now + timedelta(seconds=120)
    delayed = [t for t in customer_messages(fake_twilio) if booking.reference in t]
    assert delayed == [zoom_text(msg.LINK_DELAYED, reference=booking.reference, session="Career coaching",
                                              when=delayed[0].split(" on ")[1].split(" is confirmed")[0])]
    tasks.sweep(services)
    assert meeting_row(services, booking.meeting_id).status == "pending", "not before Retry-After"
    clock.advance(seconds=121)
    tasks.sweep(services)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready" and len(fake_zoom.fake.meetings) == 1
    assert len([t for t in customer_messages(fake_twilio) if row.join_url in t]) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_daily_cap_without_retry_after_waits_for_midnight_utc(zoom_provider, services, fake_zoom, clock,
                                                              fake_twilio):
    token = fake_zoom.fake  # fill today's quota of 100 creates with the provider's own grant
    provider = fake_zoom.provider()
    access = next(iter(next(iter(token.grants.values())).access_tokens))
    from integrations.video import MeetingRequest
    for i in range(100):
        provider.create_meeting(access, MeetingRequest(topic=f"other {i}", start_time=clock.now + timedelta(days=1),
                                                       duration_minutes=30, timezone="UTC"))
    booking = make_booking(services, add_offering(services))
    queue_meeting(services, booking)
    row = meeting_row(services, booking.meeting_id)
    midnight = datetime.combine(clock.now.date() + timedelta(days=1), time(0, 1), tzinfo=timezone.utc)
    assert row.status == "pending" and row.next_attempt_at == midnight
    clock.now = midnight - timedelta(minutes=5)
    tasks.sweep(services)
    assert meeting_row(services, booking.meeting_id).status == "pending"
    clock.now = midnight
    tasks.sweep(services)
    assert meeting_row(services, booking.meeting_id).status == "ready"


@pytest.mark.parametrize("retry_after", [0, "Tue, 01 Apr 2025 08:59:00 GMT", None],
                         ids=["zero", "http-date-in-the-past", "none"])
def test_a_per_second_429_without_a_usable_retry_after_retries_in_seconds(zoom_provider, services, fake_zoom,
                                                                         clock, fake_twilio, retry_after):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.fail_next("create_meeting", 429, retry_after=retry_after)  # X-RateLimit-Type: QPS
    queue_meeting(services, booking)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "pending"
    assert clock.now < row.next_attempt_at <= clock.now + timedelta(seconds=10), "seconds, not the next day"
    clock.advance(seconds=10)
    tasks.sweep(services)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready" and len(fake_zoom.fake.meetings) == 1
    assert len([t for t in customer_messages(fake_twilio) if row.join_url in t]) == 1


def test_a_429_marked_as_the_daily_limit_waits_for_midnight_utc(zoom_provider, services, fake_zoom, clock):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.fail_next("create_meeting", 429, retry_after=0, rate_limit_type="Daily-limit")
    queue_meeting(services, booking)
    midnight = datetime.combine(clock.now.date() + timedelta(days=1), time(0, 1), tzinfo=timezone.utc)
    assert meeting_row(services, booking.meeting_id).next_attempt_at == midnight


def test_server_errors_back_off_and_then_succeed(zoom_provider, services, fake_zoom, clock, fake_twilio):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.fail_next("create_meeting", 503, times=2)
    queue_meeting(services, booking)
    first = meeting_row(services, booking.meeting_id)
    assert first.next_attempt_at == clock.now + timedelta(seconds=30)
    clock.advance(seconds=31)
    tasks.sweep(services)
    second = meeting_row(services, booking.meeting_id)
    assert second.status == "pending" and second.next_attempt_at == clock.now + timedelta(seconds=60)
    clock.advance(seconds=61)
    tasks.sweep(services)
    assert meeting_row(services, booking.meeting_id).status == "ready"
    assert len(fake_zoom.fake.meetings) == 1
    delayed = [t for t in customer_messages(fake_twilio) if "slow to answer" in t or "Zoom is slow" in t]
    assert len(delayed) == 1, "the customer is told once that the link will follow"


def test_a_timeout_keeps_the_booking_and_retries(zoom_provider, services, fake_zoom, clock, fake_twilio,
                                                 smtp_server):
    fast = ZoomProvider(fake_zoom.client_id, fake_zoom.client_secret, oauth_base_url=fake_zoom.oauth_base_url,
                        api_base_url=fake_zoom.api_base_url, timeout=0.2, clock=clock)
    services.video = VideoProviderRegistry()
    services.video.register(fast)
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.delay_next("create_meeting", 0.6)
    queue_meeting(services, booking)
    assert meeting_row(services, booking.meeting_id).status == "pending"
    clock.advance(seconds=31)
    tasks.sweep(services)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready"
    with unit_of_work(services.sessions) as session:
        assert session.get(Booking, booking.id).status == "confirmed"
    # exactly one link reaches the customer and one email, even though Zoom may hold the orphan of the timed-out call
    assert len([t for t in customer_messages(fake_twilio) if "zoom.us/j/" in t]) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_a_worker_killed_during_the_create_call_holds_the_meeting_seconds_not_minutes(zoom_provider, services,
                                                                                     fake_zoom, clock, fake_twilio):
    booking = make_booking(services, add_offering(services))
    with unit_of_work(services.sessions) as session:  # a worker claimed it, sent the create to Zoom, and was killed
        session.get(Meeting, booking.meeting_id).claimed_at = clock.now
    clock.advance(seconds=10)
    tasks.sweep(services)
    assert meeting_row(services, booking.meeting_id).status == "pending", "a live worker may still be waiting"
    assert fake_zoom.fake.meetings == {}
    clock.advance(seconds=20)  # Zoom's own timeout (10 s to connect, 10 s to answer) is over, and a little more
    tasks.sweep(services)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready" and len(fake_zoom.fake.meetings) == 1
    texts = [t for t in customer_messages(fake_twilio) if booking.reference in t]
    assert texts[0].startswith(zoom_text(msg.LINK_DELAYED).split("{reference}")[0]) and "slow to answer" in texts[0]
    assert row.join_url in texts[1] and len(texts) == 2, "told once that it is late, then the link"


def test_a_worker_whose_claim_ran_out_never_leaves_a_second_meeting(zoom_provider, services, fake_zoom, clock,
                                                                    fake_twilio):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.delay_next("create_meeting", 1.0)  # Zoom makes the meeting, then answers slowly
    outcomes: list[str] = []
    slow = _in_background(lambda: outcomes.append(meetings.process(services, booking.meeting_id)))
    wallclock.sleep(0.4)
    clock.advance(seconds=40)  # the slow worker's claim has run out: the sweep takes the meeting over
    assert meetings.process(services, booking.meeting_id) == "created"
    slow.join()
    assert outcomes == ["duplicate-deleted"]
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready" and list(fake_zoom.fake.meetings) == [row.external_id], "the loser's is deleted"
    assert len([t for t in customer_messages(fake_twilio) if "zoom.us/j/" in t]) == 1


def test_revoked_connection_waits_for_reconnect_then_sends_the_link(zoom_provider, services, fake_zoom, clock,
                                                                   client, fake_twilio, smtp_server):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.revoke_user(fake_zoom.user.id)
    clock.advance(hours=2)  # the access token has expired: the refresh meets invalid_grant
    queue_meeting(services, booking)
    assert meeting_row(services, booking.meeting_id).status == "waiting"
    provider_texts = "\n".join(zoom_provider.new_replies())
    assert zoom_text(msg.PLATFORM_BROKEN).split("\n")[0].format(platform="Zoom") in provider_texts
    assert any("reconnect their Zoom account" in t for t in customer_messages(fake_twilio))
    click_through(client, LINK.search(provider_texts).group(1))
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready"
    assert len([t for t in customer_messages(fake_twilio) if row.join_url in t]) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_booking_while_zoom_is_disconnected_asks_the_provider_to_connect(zoom_provider, services, fake_zoom,
                                                                        client, fake_twilio):
    offering = add_offering(services)
    zoom_provider.send("disconnect zoom")
    zoom_provider.send("yes")
    zoom_provider.new_replies()
    booking = make_booking(services, offering)
    queue_meeting(services, booking)
    assert meeting_row(services, booking.meeting_id).status == "waiting"
    provider_texts = "\n".join(zoom_provider.new_replies())
    assert zoom_text(msg.PROVIDER_PLATFORM_NEEDED_FOR_BOOKING).split("{when}, ")[1].split("\n")[0][:40] in provider_texts
    click_through(client, LINK.search(provider_texts).group(1))
    assert meeting_row(services, booking.meeting_id).status == "ready"


def test_zoom_refusing_for_good_tells_both_sides(zoom_provider, services, fake_zoom, clock, fake_twilio):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.fail_next("create_meeting", 400, times=10, body={"code": 300, "message": "Invalid field."})
    queue_meeting(services, booking)
    for _ in range(10):
        clock.advance(hours=1)
        tasks.sweep(services)
    assert meeting_row(services, booking.meeting_id).status == "failed"
    assert any("refused to create the meeting" in t for t in zoom_provider.new_replies())
    with unit_of_work(services.sessions) as session:
        assert session.get(Booking, booking.id).status == "confirmed", "the booking is never lost"


def test_group_attendees_share_the_occurrence_meeting(zoom_provider, services, fake_zoom, fake_twilio):
    offering = add_offering(services, capacity=3, name="Yoga class")
    first = make_booking(services, offering, nth=0)
    second = make_booking(services, offering, phone="+447700900555", email="sam@example.com", name="Sam", nth=0)
    assert first.meeting_id == second.meeting_id
    queue_meeting(services, first)
    row = meeting_row(services, first.meeting_id)
    assert len(fake_zoom.fake.meetings) == 1
    assert any(row.join_url in t for t in customer_messages(fake_twilio))
    assert any(row.join_url in t for t in customer_messages(fake_twilio, "+447700900555"))


def test_cancelling_deletes_the_zoom_meeting_and_404_counts_as_done(zoom_provider, services, fake_zoom):
    offering = add_offering(services)
    booking = make_booking(services, offering)
    queue_meeting(services, booking)
    external = meeting_row(services, booking.meeting_id).external_id
    with unit_of_work(services.sessions) as session:
        to_delete = bookings.cancel(session, session.get(Booking, booking.id), by="customer",
                                    now=services.clock())
    services.queue.meeting(to_delete.id)
    assert external not in fake_zoom.fake.meetings
    assert meeting_row(services, to_delete.id).status == "deleted"
    # already gone at Zoom (deleted there by hand): still done
    again = make_booking(services, offering)
    queue_meeting(services, again)
    gone = meeting_row(services, again.meeting_id).external_id
    del fake_zoom.fake.meetings[gone]
    with unit_of_work(services.sessions) as session:
        m = bookings.cancel(session, session.get(Booking, again.id), by="provider", now=services.clock())
    services.queue.meeting(m.id)
    assert meeting_row(services, m.id).status == "deleted"


@pytest.mark.parametrize("capacity", [1, 3])
def test_racing_for_the_last_place_never_overbooks(zoom_provider, services, capacity):
    offering = add_offering(services, capacity=capacity)
    with unit_of_work(services.sessions) as session:
        start = bookings.free_slots(session, session.get(Offering, offering), services.clock())[0]
    for i in range(capacity - 1):
        make_booking(services, offering, phone=f"+4477009001{i:02d}", start=start)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def racer(i: int) -> None:
        barrier.wait()
        try:
            make_booking(services, offering, phone=f"+4477009002{i:02d}", start=start)
            outcomes.append("booked")
        except bookings.SlotUnavailable:
            outcomes.append("refused")

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] + ["refused"] * 3
    with unit_of_work(services.sessions) as session:
        confirmed = session.scalars(select(Booking).where(Booking.status == "confirmed")).all()
        meeting_ids = {b.meeting_id for b in confirmed}
    assert len(confirmed) == capacity and {b.start_at for b in confirmed} == {start}
    assert len(meeting_ids) == 1


def _in_background(target):
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_cancel_while_zoom_is_creating_leaves_no_orphan(zoom_provider, services, fake_zoom):
    booking = make_booking(services, add_offering(services))
    fake_zoom.fake.delay_next("create_meeting", 0.5)
    worker = _in_background(lambda: meetings.process(services, booking.meeting_id))
    wallclock.sleep(0.2)  # Zoom has the create request
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, booking.id), by="customer", now=services.clock())
    worker.join()
    assert fake_zoom.fake.meetings == {}, "the meeting made meanwhile is deleted at Zoom"
    assert meeting_row(services, booking.meeting_id).status == "deleted"


def test_reschedule_while_zoom_is_creating_moves_the_new_meeting(zoom_provider, services, fake_zoom):
    offering = add_offering(services)
    booking = make_booking(services, offering)
    fake_zoom.fake.delay_next("create_meeting", 0.5)
    worker = _in_background(lambda: meetings.process(services, booking.meeting_id))
    wallclock.sleep(0.2)
    with unit_of_work(services.sessions) as session:
        moved = session.get(Booking, booking.id)
        new_start = bookings.free_slots(session, moved.offering, services.clock(), ignore_booking=moved.id)[5]
        bookings.reschedule(session, moved, new_start, services.clock())
    worker.join()
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready" and not row.needs_update
    (zoom_meeting,) = fake_zoom.fake.meetings.values()
    assert zoom_meeting.body["start_time"] == new_start.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_link_not_delivered_before_a_crash_is_sent_by_the_sweep(zoom_provider, services, fake_twilio):
    booking = make_booking(services, add_offering(services))
    queue_meeting(services, booking)
    row = meeting_row(services, booking.meeting_id)
    with unit_of_work(services.sessions) as session:  # as if the process died between "ready" and sending
        session.get(Booking, booking.id).link_sent_at = None
    before = len([t for t in customer_messages(fake_twilio) if row.join_url in t])
    tasks.sweep(services)
    assert len([t for t in customer_messages(fake_twilio) if row.join_url in t]) == before + 1
    tasks.sweep(services)
    assert len([t for t in customer_messages(fake_twilio) if row.join_url in t]) == before + 1


def test_moving_a_meeting_while_zoom_is_disconnected_waits_for_the_reconnect(zoom_provider, services, fake_zoom,
                                                                            client):
    offering = add_offering(services)
    booking = make_booking(services, offering)
    queue_meeting(services, booking)
    zoom_provider.send("disconnect zoom")
    zoom_provider.send("yes")
    zoom_provider.new_replies()
    with unit_of_work(services.sessions) as session:
        moved = session.get(Booking, booking.id)
        new_start = bookings.free_slots(session, moved.offering, services.clock(), ignore_booking=moved.id)[3]
        bookings.reschedule(session, moved, new_start, services.clock())
    queue_meeting(services, booking)
    assert meeting_row(services, booking.meeting_id).status == "waiting"
    tasks.sweep(services)  # nothing to retry every minute while it waits
    assert meeting_row(services, booking.meeting_id).status == "waiting"
    click_through(client, LINK.search("\n".join(zoom_provider.new_replies())).group(1))
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready" and not row.needs_update


def test_a_place_freed_in_the_middle_of_a_group_can_be_booked_again(zoom_provider, services):
    offering = add_offering(services, capacity=3, mode="in_person")
    with unit_of_work(services.sessions) as session:
        start = bookings.free_slots(session, session.get(Offering, offering), services.clock())[0]
    first, *_ = [make_booking(services, offering, phone=f"+4477009003{i:02d}", start=start) for i in range(3)]
    with unit_of_work(services.sessions) as session:
        assert start not in bookings.free_slots(session, session.get(Offering, offering), services.clock())
        bookings.cancel(session, session.get(Booking, first.id), by="customer", now=services.clock())
    again = make_booking(services, offering, phone="+447700900399", start=start)
    assert again.seat == first.seat == 0


def test_shortening_a_session_does_not_free_time_its_bookings_still_take(zoom_provider, services):
    offering = add_offering(services, mode="in_person")
    booking = make_booking(services, offering)  # 60 minutes
    with unit_of_work(services.sessions) as session:
        session.get(Offering, offering).duration_minutes = 30
    with unit_of_work(services.sessions) as session:
        free = bookings.free_slots(session, session.get(Offering, offering), services.clock())
    assert booking.start_at not in free
    assert booking.start_at + timedelta(minutes=30) not in free, "the 60-minute booking still runs then"


def test_a_customer_booking_while_zoom_is_disconnected_is_told_before_confirming(zoom_provider, services,
                                                                                whatsapp):
    add_offering(services)
    zoom_provider.send("disconnect zoom")
    zoom_provider.send("yes")
    with unit_of_work(services.sessions) as session:
        code = session.scalars(select(Provider)).one().booking_code
    customer = whatsapp(CUSTOMER)
    customer.send(f"book {code}")
    customer.send("1")
    customer.send("yes")
    customer.send("1")
    customer.send("1")
    customer.send("Priya")
    summary = customer.send("priya@example.com")
    assert zoom_text(msg.BOOK_SUMMARY_WHERE_PLATFORM_DELAYED) in summary and zoom_text(msg.BOOK_SUMMARY_WHERE_PLATFORM) not in summary
    booked = customer.send("yes")
    assert zoom_text(msg.BOOK_CONFIRMED_PLATFORM_DELAYED) in booked and zoom_text(msg.BOOK_CONFIRMED_PLATFORM) not in booked
