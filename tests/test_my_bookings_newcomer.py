"""Issue 14, what a newcomer met in *my bookings*, through the signed webhook: times in the person's current zone
after `time zone`, "cancel" meaning the booking inside the list or a booking, a reason for a cancellation passed to
the other side, a session booked while the provider's platform is disconnected (the confirmation now, the link
when it exists, the reconnect notice once), and short answers that end with what to do next instead of the menu."""
from __future__ import annotations

from sqlalchemy import select

from bot.core import messages as msg
from bot.core.slots import format_slot_with_zone as when
from store.db import unit_of_work
from store.models import Booking, Meeting
from tests.fixtures.builders import CUSTOMER, CUSTOMER_TZ, PROVIDER_TZ, book_and_queue, free_slots, load, make_offering
from tests.fixtures.chat import book
from tests.fixtures.texts import zoom_text
from tests.fixtures.zoom_connect import connect


def test_my_bookings_follow_a_changed_time_zone(services, provider_id, customer_chat, provider_chat):
    offering_id = make_offering(services, provider_id, mode="in_person", address="Studio 1")
    start = free_slots(services, offering_id)[0]
    book_and_queue(services, offering_id, start)
    assert when(start, CUSTOMER_TZ) in customer_chat.send("my bookings")
    customer_chat.send("time zone")
    customer_chat.send("Paris")
    reply = customer_chat.send("my bookings")
    assert when(start, "Europe/Paris") in reply and when(start, CUSTOMER_TZ) not in reply
    assert when(start, "Europe/Paris") in customer_chat.send("1")
    provider_chat.send("time zone")
    provider_chat.send("Dubai")
    reply = provider_chat.send("my bookings")
    assert when(start, "Asia/Dubai") in reply and when(start, PROVIDER_TZ) not in reply


def _confirm_line(services, booking_id, zone=CUSTOMER_TZ, other="Asha Coaching"):
    booking = load(services, Booking, booking_id)
    return msg.MB_CONFIRM_CANCEL.format(session="Studio session", when=when(booking.start_at, zone),
                                        reference=booking.reference, other=other, options="").split("\n")[0]


def test_cancel_inside_my_bookings_means_the_booking(services, provider_id, customer_chat):
    offering_id = make_offering(services, provider_id, name="Studio session", mode="in_person", address="Studio 1")
    first, second = free_slots(services, offering_id)[:2]
    one = book_and_queue(services, offering_id, first)
    customer_chat.send("my bookings")
    customer_chat.send("1")
    reply = customer_chat.send("cancel")  # in a booking's detail: that booking
    assert msg.MB_ASK_CANCEL_REASON.format(other="Asha Coaching") in reply and msg.CANCELLED not in reply
    assert _confirm_line(services, one) in customer_chat.send("skip")
    customer_chat.send("no")
    customer_chat.send("back")  # the list, one booking in it
    assert msg.MB_ASK_CANCEL_REASON.format(other="Asha Coaching") in customer_chat.send("cancel it")
    assert _confirm_line(services, one) in customer_chat.send("skip")
    customer_chat.send("no")

    two = book_and_queue(services, offering_id, second)
    customer_chat.send("my bookings")
    reply = customer_chat.send("cancel my booking")  # several: which one?
    assert msg.MB_WHICH_TO_CANCEL.format(count=2) in reply
    assert msg.MB_ASK_CANCEL_REASON.format(other="Asha Coaching") in customer_chat.send("2")
    assert _confirm_line(services, two) in customer_chat.send("skip")
    assert load(services, Booking, two).status == "confirmed"  # nothing without the confirmation
    customer_chat.send("my bookings")
    assert msg.OPT_BOOK in customer_chat.send("menu")  # *menu* still leaves


def test_a_reason_for_cancelling_reaches_the_other_side(services, provider_id, customer_chat, provider_chat):
    offering_id = make_offering(services, provider_id, name="Studio session", mode="in_person", address="Studio 1")
    first, second = free_slots(services, offering_id)[:2]
    mine, theirs = book_and_queue(services, offering_id, first), book_and_queue(services, offering_id, second)
    provider_chat.new_replies()
    customer_chat.send("my bookings")
    customer_chat.send("1")
    assert msg.MB_ASK_CANCEL_REASON.format(other="Asha Coaching") in customer_chat.send("2")
    reply = customer_chat.send("I have a  doctor's appointment")
    assert _confirm_line(services, mine) in reply
    assert msg.MB_CONFIRM_CANCEL_REASON.format(reason="I have a doctor's appointment") in reply
    customer_chat.send("yes")
    booking = load(services, Booking, mine)
    assert booking.status == "cancelled" and booking.cancel_reason == "I have a doctor's appointment"
    told = "\n".join(provider_chat.new_replies())
    assert msg.MB_TELL_PROVIDER_CANCELLED.format(customer="Ravi Kumar", reference=booking.reference,
                                                 session="Studio session", when=when(first, PROVIDER_TZ)) in told
    assert msg.MB_TELL_CANCEL_REASON.format(reason="I have a doctor's appointment") in told

    customer_chat.new_replies()
    provider_chat.send("my bookings")
    provider_chat.send("1")
    provider_chat.send("cancel")
    provider_chat.send("skip")  # no reason: none is passed on
    provider_chat.send("yes")
    booking = load(services, Booking, theirs)
    assert booking.status == "cancelled" and booking.cancel_reason is None
    told = "\n".join(customer_chat.new_replies())
    assert booking.reference in told and msg.MB_TELL_CANCEL_REASON.split("{")[0] not in told


def _body(mail) -> str:
    return next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_content()


def test_booked_while_disconnected_the_email_goes_now_and_the_link_follows(services, client, zoom_provider,
                                                                          zoom_session, whatsapp, smtp_server):
    zoom_provider.send("disconnect zoom")
    zoom_provider.send("yes")
    zoom_provider.new_replies()
    customer = whatsapp(CUSTOMER)
    booked = book(customer, zoom_provider.code)["confirmed"]
    assert zoom_text(msg.BOOK_CONFIRMED_PLATFORM_DELAYED) in booked
    with unit_of_work(services.sessions) as session:
        booking = session.scalars(select(Booking)).one()
        session.expunge(booking)
    first = smtp_server.wait_for(1)[0]  # the confirmation now, saying the link follows
    assert first["Subject"].strip().startswith("Booked:") and zoom_text(msg.WHERE_PLATFORM_WAITING) in _body(first)
    told = "\n".join(customer.new_replies())  # the reconnect notice came once, with the confirmation
    assert zoom_text(msg.LINK_WAITING_FOR_PROVIDER, session="Career coaching", reference=booking.reference,
                     when=when(booking.start_at, CUSTOMER_TZ)) not in told
    provider_told = "\n".join(zoom_provider.new_replies())
    assert provider_told.count("Career coaching") >= 1
    assert zoom_text(msg.PROVIDER_PLATFORM_NEEDED_FOR_BOOKING).split("{")[0] in provider_told

    mine = zoom_provider.send("my bookings")  # to the provider: *you* reconnect
    assert zoom_text(msg.MB_WHERE_PLATFORM_WAITING_YOURS) in mine and zoom_text(msg.MB_WHERE_PLATFORM_WAITING) not in mine
    assert zoom_text(msg.MB_WHERE_PLATFORM_WAITING) in customer.send("my bookings")

    page, _ = connect(client, zoom_provider)  # she reconnects: the link, in chat and by email
    assert page.status_code == 200
    meeting = load(services, Meeting, load(services, Booking, booking.id).meeting_id)
    assert meeting.join_url and meeting.join_url in "\n".join(customer.new_replies())
    second = smtp_server.wait_for(2)[-1]
    assert meeting.join_url in _body(second) and second["Subject"].strip().startswith("Link:")
    assert len(smtp_server.wait_for(2)) == 2


def test_a_command_answered_on_the_way_ends_with_one_line_not_the_menu(services, provider_id, provider_chat, customer_chat):
    make_offering(services, provider_id)
    provider_menu = msg.PROVIDER_MENU.split("{")[0]
    provider_chat.send("my sessions")
    reply = provider_chat.send("time zone")
    reply = provider_chat.send("Paris")
    assert msg.TIMEZONE_SAVED.split("*")[0] in reply
    assert msg.MENU_HINT in reply and provider_menu not in reply
    provider_chat.send("my sessions")
    provider_chat.send("1")
    reply = provider_chat.send("connect zoom")  # from a session's options: the link, then one line
    assert zoom_text(msg.PLATFORM_LINK).split("{link}")[0] in reply
    assert msg.MENU_HINT in reply and provider_menu not in reply
    reply = customer_chat.send("time zone")
    reply = customer_chat.send("Paris")
    assert msg.MENU_HINT in reply and msg.CUSTOMER_MENU.split("{")[0] not in reply
    # asked for, or at the end of a journey, the menu is there
    assert provider_menu in provider_chat.send("menu")
    provider_chat.send("create session")
    assert provider_menu in provider_chat.send("cancel")
