"""Deleting (archiving) a session and a session's description, end to end through the signed webhook: a session
without upcoming bookings is deleted after a confirmation; one with bookings only when the provider chooses to
cancel them (each customer told, the meeting deleted at Zoom); a deleted session leaves the lists and booking but
keeps its rows. A description asked at creation, editable, shown to customers when they pick the session."""
from __future__ import annotations

from sqlalchemy import select

from bot.core import messages as msg
from bot.core.slots import format_slot_with_zone as when
from bot.services.offerings import ARCHIVED
from store.db import unit_of_work
from store.models import Booking, Meeting, Offering
from tests.fixtures.builders import (CUSTOMER_TZ, book_and_queue, code_of, free_slots, load, make_offering,
                                     make_provider)
from tests.fixtures.builders import PROVIDER as PROVIDER_PHONE


def options(*labels: str) -> str:
    return "\n".join(msg.OPTION_LINE.format(number=i, label=label) for i, label in enumerate(labels, 1))


def test_a_session_without_bookings_is_deleted_after_confirming(services, whatsapp):
    provider_id = make_provider(services, country="IN")
    keep = make_offering(services, provider_id, name="Career coaching")
    gone = make_offering(services, provider_id, name="Old workshop")
    chat = whatsapp(PROVIDER_PHONE)
    chat.send("hi")
    chat.send("my sessions")
    chat.send("2")
    reply = chat.send("delete")
    assert msg.SESSION_CONFIRM_DELETE.format(
        name="Old workshop", options=options(msg.OPT_YES_DELETE_SESSION, msg.OPT_NO_KEEP_SESSION)) in reply
    assert msg.SESSION_KEPT.format(name="Old workshop") in chat.send("2")  # no: back at the session
    chat.send(msg.OPT_DELETE_SESSION)
    reply = chat.send("1")
    assert msg.SESSION_DELETED.format(name="Old workshop") in reply
    assert "Old workshop" not in reply.split(msg.SESSION_DELETED.format(name="Old workshop"))[1]  # the list
    assert (load(services, Offering, gone).status, load(services, Offering, keep).status) == (ARCHIVED, "active")
    assert "Old workshop" not in chat.send("my sessions")

    customer = whatsapp("+447700900321")
    sessions = customer.send(f"book {code_of(services, provider_id)}")
    assert "Career coaching" in sessions and "Old workshop" not in sessions


def test_a_session_with_bookings_is_deleted_only_by_cancelling_them(services, zoom_session, zoom_provider,
                                                                  customer_chat, fake_zoom, smtp_server):
    start = free_slots(services, zoom_session)[0]
    booking_id = book_and_queue(services, zoom_session, start)
    smtp_server.wait_for(1)
    booking = load(services, Booking, booking_id)
    external_id = load(services, Meeting, booking.meeting_id).external_id
    assert external_id in fake_zoom.fake.meetings
    customer_chat.new_replies()

    zoom_provider.send("my sessions")
    zoom_provider.send("1")
    asked = msg.SESSION_CONFIRM_DELETE_BOOKINGS.format(
        name="Career coaching", count=1, options=options(msg.OPT_YES_CANCEL_AND_DELETE, msg.OPT_NO_KEEP_SESSION))
    assert asked in zoom_provider.send("delete")
    assert asked in zoom_provider.send("yes")  # a plain yes does not cancel bookings
    assert load(services, Offering, zoom_session).status == "active"
    reply = zoom_provider.send("1")
    assert msg.SESSION_DELETED_CANCELLED.format(name="Career coaching", count=1) in reply
    assert msg.SESSION_LIST_EMPTY in reply
    assert load(services, Offering, zoom_session).status == ARCHIVED
    assert load(services, Booking, booking_id).status == "cancelled"
    assert external_id not in fake_zoom.fake.meetings  # the meeting is deleted at Zoom
    told = "\n".join(customer_chat.new_replies())
    assert msg.MB_TELL_CUSTOMER_CANCELLED.format(
        provider="Asha Coaching", reference=booking.reference, session="Career coaching",
        when=when(start, CUSTOMER_TZ), code=zoom_provider.code) in told


def test_a_description_is_asked_edited_and_shown_to_customers(services, whatsapp):
    provider_id = make_provider(services, country="IN")
    chat = whatsapp(PROVIDER_PHONE)
    chat.send("hi")
    for answer in ("create session", "1:1", "Career coaching", "1 h", "1500", "in person", "12 MG Road, Bengaluru",
                   "daily 09:00-17:00"):
        chat.send(answer)
    assert msg.SESSION_ASK_DESCRIPTION in chat.send("none")
    assert msg.SESSION_BAD_DESCRIPTION in chat.send("x")
    reply = chat.send("A 1:1 call to plan your next career step.")
    assert msg.SESSION_FIELD_DESCRIPTION.format(description="A 1:1 call to plan your next career step.") in reply
    chat.send("yes")
    with unit_of_work(services.sessions) as session:
        [offering_id] = session.scalars(select(Offering.id)).all()
    assert load(services, Offering, offering_id).description == "A 1:1 call to plan your next career step."

    customer = whatsapp("+447700900321")
    customer.send(f"book {code_of(services, provider_id)}")
    assert msg.BOOK_SESSION_DESCRIPTION.format(session="Career coaching",
                                               description="A 1:1 call to plan your next career step.") \
        in customer.send("1")

    chat.send("my sessions")
    chat.send("1")
    reply = chat.send("description")
    assert msg.SESSION_EDIT_CURRENT.format(current="A 1:1 call to plan your next career step.") in reply
    assert msg.SESSION_UPDATED in chat.send("skip")
    assert load(services, Offering, offering_id).description is None
    assert msg.SESSION_EDIT_CURRENT.format(current=msg.SESSION_NO_DESCRIPTION) in chat.send("description")
