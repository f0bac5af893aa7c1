"""bot/services/meetings.py as a use case: `process` makes, moves or deletes a booking's meeting on the provider's
(fake) Zoom and tells the attendees; called directly, once per attempt, with the booking made by the bookings
service. Outcomes: the meeting row, the fake Zoom's meetings, the fake Twilio's messages, the SMTP server's mail."""
from __future__ import annotations

from bot.core import messages as msg
from bot.services import bookings, meetings
from store.db import unit_of_work
from store.models import Booking, Meeting
from tests.fixtures.builders import CUSTOMER, load, make_booking, make_offering
from tests.fixtures.texts import zoom_text


def texts_to_customer(fake_twilio) -> list[str]:
    return fake_twilio.fake.bodies_to(f"whatsapp:{CUSTOMER}")


def test_a_booking_gets_its_own_meeting_and_the_customer_the_link(zoom_provider, services, fake_zoom, fake_twilio,
                                                                  smtp_server):
    booking = make_booking(services, make_offering(services, zoom_provider.id))
    assert load(services, Meeting, booking.meeting_id).status == "pending"

    assert meetings.process(services, booking.meeting_id) == "created"
    meeting = load(services, Meeting, booking.meeting_id)
    assert meeting.status == "ready" and meeting.join_url
    zoom_meeting = fake_zoom.fake.meetings[meeting.external_id]
    assert zoom_meeting.owner_user_id == fake_zoom.user.id and zoom_meeting.body["join_url"] == meeting.join_url
    assert any(meeting.join_url in text for text in texts_to_customer(fake_twilio))
    assert load(services, Booking, booking.id).link_sent_at is not None
    [email] = smtp_server.wait_for(1)
    assert email["To"] == "priya@example.com"


def test_processing_again_changes_nothing(zoom_provider, services, fake_zoom, fake_twilio, smtp_server):
    booking = make_booking(services, make_offering(services, zoom_provider.id))
    meetings.process(services, booking.meeting_id)
    sent = len(texts_to_customer(fake_twilio))
    assert meetings.process(services, booking.meeting_id) == "nothing-to-do"
    assert len(fake_zoom.fake.meetings) == 1 and len(texts_to_customer(fake_twilio)) == sent


def test_zoom_down_keeps_the_booking_and_a_later_attempt_makes_the_meeting(zoom_provider, services, fake_zoom,
                                                                          clock, fake_twilio, smtp_server):
    booking = make_booking(services, make_offering(services, zoom_provider.id))
    fake_zoom.fake.fail_next("create_meeting", 503)
    assert meetings.process(services, booking.meeting_id) == "retry"
    waiting = load(services, Meeting, booking.meeting_id)
    assert waiting.status == "pending" and waiting.next_attempt_at > clock.now and fake_zoom.fake.meetings == {}
    assert load(services, Booking, booking.id).status == "confirmed"
    assert any(zoom_text(msg.LINK_DELAYED).split("{")[0] in text for text in texts_to_customer(fake_twilio))

    clock.advance(seconds=(waiting.next_attempt_at - clock.now).total_seconds() + 1)
    assert meetings.process(services, booking.meeting_id) == "created"
    assert load(services, Meeting, booking.meeting_id).status == "ready" and len(fake_zoom.fake.meetings) == 1


def test_cancelling_the_only_booking_deletes_the_meeting_at_zoom(zoom_provider, services, fake_zoom, clock,
                                                                  smtp_server):
    booking = make_booking(services, make_offering(services, zoom_provider.id))
    meetings.process(services, booking.meeting_id)
    assert len(fake_zoom.fake.meetings) == 1
    clock.advance(minutes=5)
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, booking.id), by="customer", now=clock.now)
    assert meetings.process(services, booking.meeting_id) == "deleted"
    assert fake_zoom.fake.meetings == {}


def test_a_meeting_waiting_for_its_retry_is_due_only_then(zoom_provider, services, fake_zoom, clock, smtp_server):
    booking = make_booking(services, make_offering(services, zoom_provider.id))
    fake_zoom.fake.fail_next("create_meeting", 503)
    meetings.process(services, booking.meeting_id)
    assert booking.meeting_id not in meetings.due(services)
    clock.advance(hours=1)
    assert meetings.due(services) == [booking.meeting_id]
