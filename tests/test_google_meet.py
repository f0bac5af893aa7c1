"""Google Meet end to end: connecting by chat (the strict fake Google over HTTP, its consent page clicked
through), a Meet link per booking made by the worker on the provider's calendar, a reschedule moving the event
(same link), a cancellation deleting it, disconnect revoking at Google, a broken refresh token, and busy times
on the provider's calendar kept out of the slots."""
from __future__ import annotations

import dataclasses
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.core import messages as msg
from bot.services import bookings, calendars, video_accounts
from integrations.google_meet.client import SCOPES
from store.db import unit_of_work
from store.models import Booking, Meeting, Offering, VideoConnection
from tests.fixtures.builders import (CUSTOMER, CUSTOMER_IN, MORNINGS, OTHER_CUSTOMER_IN, code_of, load, make_booking,
                                     make_offering)
from tests.fixtures.chat import book, walk
from tests.fixtures.google_connect import LINK, MEET_LINK, connect_google
from tests.fixtures.texts import google_text

OTHER_CUSTOMER = "+447700900999"


@pytest.fixture
def config(config, google_settings):
    """The app of these tests has Google set up (beside Zoom), pointed at the fake Google."""
    return dataclasses.replace(config, platforms={**config.platforms, "google_meet": google_settings})


def queue_meeting(services, booking: Booking) -> None:
    services.queue.meeting(booking.meeting_id)


def meeting_row(services, meeting_id: int) -> Meeting:
    return load(services, Meeting, meeting_id)


def customer_messages(fake_twilio, phone: str = CUSTOMER) -> list[str]:
    return fake_twilio.fake.bodies_to(f"whatsapp:{phone}")


def meet_offering(services, **kwargs) -> int:
    """A session on Google Meet with a link made per booking (no link of the provider's own)."""
    return make_offering(services, platform="google_meet", **kwargs)


def test_connect_by_chat_shows_the_google_account(client, provider_chat, services, fake_google):
    page = connect_google(client, provider_chat)
    assert page.status_code == 200
    email = fake_google.user.email
    assert html.escape(google_text(msg.PAGE_CONNECTED, email=email)) in page.get_data(as_text=True)
    assert google_text(msg.PLATFORM_CONNECTED_CHAT, email=email) in "\n".join(provider_chat.new_replies())
    [grant] = fake_google.fake.grants.values()
    assert grant.scopes == frozenset(SCOPES), "only openid email, calendar.events and calendar.freebusy"
    with unit_of_work(services.sessions) as session:
        conn = session.scalars(select(VideoConnection)).one()
        assert conn.platform == "google_meet" and conn.external_user_id == fake_google.user.sub
        assert video_accounts.connected_email(services, conn) == email
    assert google_text(msg.INTEGRATIONS_CONNECTED, email=email) in provider_chat.send("connect google")


def test_two_customers_get_two_different_meet_links(google_provider, services, fake_google, fake_twilio):
    offering = meet_offering(services)
    first = make_booking(services, offering, nth=0)
    second = make_booking(services, offering, phone=OTHER_CUSTOMER, nth=1)
    queue_meeting(services, first)
    queue_meeting(services, second)
    a, b = meeting_row(services, first.meeting_id), meeting_row(services, second.meeting_id)
    assert a.status == b.status == "ready" and a.join_url != b.join_url
    assert all(re.fullmatch(r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}", m.join_url) for m in (a, b))
    events = {e["id"]: e for e in fake_google.fake.events_of(fake_google.user)}
    assert set(events) == {a.external_id, b.external_id}
    assert events[a.external_id]["hangoutLink"] == a.join_url and "attendees" not in events[a.external_id]
    assert [t for t in customer_messages(fake_twilio) if a.join_url in t]
    assert [t for t in customer_messages(fake_twilio, OTHER_CUSTOMER) if b.join_url in t]


def test_two_customers_booking_by_chat_get_their_own_meet_link_in_chat(code, whatsapp, fake_google):
    first, second = whatsapp(CUSTOMER_IN), whatsapp(OTHER_CUSTOMER_IN)
    assert google_text(msg.BOOK_CONFIRMED_PLATFORM) in book(first, code)["confirmed"]
    book(second, code, email="meera@example.com", profile="Meera")
    events = sorted(fake_google.fake.events_of(fake_google.user), key=lambda e: e["start"]["dateTime"])
    assert len(events) == 2 and events[0]["hangoutLink"] != events[1]["hangoutLink"]
    for chat, event in zip((first, second), events):  # Wed 10:00 for the first, 11:00 for the second
        assert MEET_LINK.findall("\n".join(chat.twilio.fake.bodies_to(chat.address))) == [event["hangoutLink"]]


def test_a_link_still_being_made_is_fetched_by_the_worker_again(google_provider, services, fake_google, clock,
                                                               fake_twilio):
    fake_google.fake.conference_pending_reads = 10  # Google is slow to make the conference
    booking = make_booking(services, meet_offering(services))
    queue_meeting(services, booking)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "pending" and row.external_id and not row.join_url
    assert not [t for t in customer_messages(fake_twilio) if "meet.google.com" in t]
    fake_google.fake.finish_conferences()
    clock.advance(seconds=6)
    queue_meeting(services, booking)
    row = meeting_row(services, booking.meeting_id)
    assert row.status == "ready" and row.join_url
    assert [e["id"] for e in fake_google.fake.events_of(fake_google.user)] == [row.external_id], "one event"
    assert len([t for t in customer_messages(fake_twilio) if row.join_url in t]) == 1


def test_reschedule_moves_the_event_and_keeps_the_link(google_provider, services, fake_google, fake_twilio):
    offering = meet_offering(services)
    booking = make_booking(services, offering)
    queue_meeting(services, booking)
    before = meeting_row(services, booking.meeting_id)
    with unit_of_work(services.sessions) as session:
        row = session.get(Booking, booking.id)
        new_start = bookings.free_slots(session, session.get(Offering, offering), services.clock())[3]
        bookings.reschedule(session, row, new_start, services.clock())
    queue_meeting(services, booking)
    after = meeting_row(services, booking.meeting_id)
    assert after.external_id == before.external_id and after.join_url == before.join_url
    [event] = fake_google.fake.events_of(fake_google.user)
    assert event["start"]["dateTime"] == new_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert event["hangoutLink"] == before.join_url
    assert len([t for t in customer_messages(fake_twilio) if before.join_url in t]) == 2, "told again, same link"


def test_cancel_deletes_the_event(google_provider, services, fake_google):
    booking = make_booking(services, meet_offering(services))
    queue_meeting(services, booking)
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, booking.id), by="customer", now=services.clock())
    queue_meeting(services, booking)
    assert meeting_row(services, booking.meeting_id).status == "deleted"
    assert fake_google.fake.events_of(fake_google.user) == []
    assert [e["status"] for e in fake_google.fake.events_of(fake_google.user, include_deleted=True)] == ["cancelled"]


def test_disconnect_by_chat_revokes_at_google(google_provider, services, fake_google):
    ask = google_provider.send("disconnect google")
    assert google_text(msg.PLATFORM_CONFIRM_DISCONNECT).split("\n")[0].format(email=fake_google.user.email) in ask
    assert google_text(msg.PLATFORM_DISCONNECTED) in google_provider.send("yes")
    assert all(g.revoked for g in fake_google.fake.grants.values())
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []


def test_a_revoked_refresh_token_marks_google_broken_with_a_reconnect_link(google_provider, services, fake_google,
                                                                          clock):
    with unit_of_work(services.sessions) as session:
        pid = session.scalars(select(VideoConnection.provider_id)).one()
    fake_google.fake.revoke_user(fake_google.user)
    clock.advance(hours=2)  # the access token has expired: the refresh meets invalid_grant
    with pytest.raises(video_accounts.NotConnected):
        video_accounts.access_token(services, pid, "google_meet")
    warning = "\n".join(google_provider.new_replies())
    assert google_text(msg.PLATFORM_BROKEN).split("{link}")[0] in warning and LINK.search(warning)
    assert google_text(msg.INTEGRATIONS_BROKEN, email=fake_google.user.email) in \
        google_provider.send("connect google")


# -- busy times on the provider's Google Calendar ---------------------------------------------------------------

WED_10 = datetime(2025, 4, 2, 4, 30, tzinfo=timezone.utc)  # Wed 2 Apr, 10:00 in Asia/Kolkata (the provider's)


@pytest.fixture
def code(google_provider, services) -> str:
    meet_offering(services, windows=MORNINGS)  # 10:00-12:00 every day, 1 h
    return code_of(services, google_provider.id)


def test_busy_times_are_left_out_of_the_slots(code, whatsapp, fake_google):
    fake_google.fake.set_busy(fake_google.user, [(WED_10, WED_10 + timedelta(minutes=30))])
    replies = walk(whatsapp(CUSTOMER_IN), code)
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="11:00") in replies["days"]


def test_a_slot_that_turned_busy_is_refused_at_confirm_with_the_next_free_times(code, whatsapp, fake_google,
                                                                                services):
    chat = whatsapp(CUSTOMER_IN)
    replies = walk(chat, code)  # the busy times are read (none yet) and cached
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="10:00, 11:00") in replies["days"]
    fake_google.fake.set_busy(fake_google.user, [(WED_10, WED_10 + timedelta(hours=1))])  # booked elsewhere
    reply = chat.send("yes")
    assert msg.BOOK_SLOT_GONE in reply and msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="11:00") in reply
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(Booking)).all() == []
    # what confirm read is kept: the next message lists the day's times without the hour that turned busy
    times = chat.send("1")
    assert msg.BOOK_TIME_LINE.format(number=1, time="11:00") in times and "10:00" not in times


def test_slots_are_offered_when_google_does_not_answer(code, whatsapp, fake_google, services):
    fake_google.fake.set_busy(fake_google.user, [(WED_10, WED_10 + timedelta(hours=1))])
    fake_google.fake.fail_next("freebusy", 503)  # the worker's read, asked for when the code is sent
    chat = whatsapp(CUSTOMER_IN)
    replies = walk(chat, code)
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="10:00, 11:00") in replies["days"]
    chat.send("yes")  # Google answers again at confirm: the busy hour is refused there
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(Booking)).all() == []


def test_our_own_events_do_not_block_their_group_occurrence(google_provider, services, fake_google):
    provider_id = google_provider.id
    offering = meet_offering(services, capacity=3)
    first = make_booking(services, offering)
    queue_meeting(services, first)
    assert fake_google.fake.events_of(fake_google.user), "the occurrence's event is busy time in Google"
    with unit_of_work(services.sessions) as session:
        free = bookings.free_slots(session, session.get(Offering, offering), services.clock(),
                                   busy=calendars.at_confirm(services, session, provider_id, services.clock()).periods)
    assert first.start_at in free, "a group's next attendee can still join it"
