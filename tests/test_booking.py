"""Booking by chat, end to end: a provider with sessions (Zoom connected through the fake Zoom), customers who write
"book <CODE>" and walk through session → time zone → day → time → name → email → confirm, the join link in
WhatsApp (a Zoom meeting of its own per booking), one confirmation email with an invitation at the real SMTP
server, and the provider told. The guide's "How Zoom Meeting Links Are Generated"."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.core import messages as msg
from bot.dialogue.intents import render_options
from bot.flows.booking import valid_email
from bot.services import bookings
from store.db import unit_of_work
from store.models import Booking, Contact, Meeting, Offering, Provider
from tests.fixtures.builders import (
    CUSTOMER_IN,
    MORNINGS,
    OTHER_CUSTOMER_IN,
    PROVIDER,
    code_of,
    every_day,
    load_all,
    make_offering,
    make_provider,
)
from tests.fixtures.chat import book, has, read, walk
from tests.fixtures.texts import zoom_text

CUSTOMER, OTHER_CUSTOMER = CUSTOMER_IN, OTHER_CUSTOMER_IN
UTC = timezone.utc


# -- helpers ----------------------------------------------------------------------------------------------------

def add_offering(services, provider_id: int, **kwargs) -> int:
    """A session bookable every day from 10 to 12 (Kolkata), unless `windows` says otherwise."""
    return make_offering(services, provider_id, **{"windows": MORNINGS, **kwargs})


def all_bookings(services) -> list[Booking]:
    return load_all(services, Booking)


def attachments(email) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in email.iter_attachments()}


def text_of(email) -> str:
    return email.get_body(("plain",)).get_content()


# -- the whole journey ------------------------------------------------------------------------------------------

def test_zoom_booking_end_to_end(provider, services, whatsapp, fake_zoom, smtp_server):
    offering_id = add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    replies = book(customer, provider.code.lower())  # codes are case-insensitive

    # the sessions, then the time zone guessed from the +91 number, then the days and times in it
    line = msg.BOOK_SESSION_LINE.format(number=1, name="Career coaching", duration="1 h", price="₹1,500",
                                        where=zoom_text(msg.BOOK_MODE_PLATFORM))
    assert line in replies["sessions"]
    assert read(msg.BOOK_ASK_TIMEZONE, replies["timezone"])["timezone"] == "Asia/Kolkata"
    # now: Tue 1 Apr 2025, 14:30 in Kolkata: today's 10:00 and 11:00 are past, so the days start tomorrow
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="10:00, 11:00") in replies["days"]
    assert "Tue 1 Apr" not in replies["days"]
    assert msg.BOOK_TIME_LINE.format(number=1, time="10:00") in replies["times"]
    assert msg.BOOK_ASK_NAME_KNOWN.format(name="Ravi Kumar") in replies["name"]
    summary = read(msg.BOOK_SUMMARY, replies["summary"])
    assert summary["when"] == "Wed 2 Apr, 10:00 (Asia/Kolkata)" and summary["where"] == zoom_text(msg.BOOK_SUMMARY_WHERE_PLATFORM)
    assert summary["name"] == "Ravi Kumar" and summary["email"] == "ravi@example.com"

    # booked: the confirmation, then the join link of a meeting made for this booking on the provider's Zoom
    confirmed = read(msg.BOOK_CONFIRMED, replies["confirmed"])
    assert confirmed["where"] == zoom_text(msg.BOOK_CONFIRMED_PLATFORM)
    reference = confirmed["reference"].strip("*")
    assert len(fake_zoom.fake.meetings) == 1
    zoom_meeting = next(iter(fake_zoom.fake.meetings.values())).body
    link = read(zoom_text(msg.LINK_READY), replies["confirmed"])
    assert link["join_url"] == zoom_meeting["join_url"] and link["reference"] == reference
    assert zoom_meeting["start_url"] not in replies["confirmed"]
    assert zoom_meeting["start_time"] == "2025-04-02T04:30:00Z"  # 10:00 in Kolkata

    (booking,) = all_bookings(services)
    assert (booking.reference, booking.offering_id, booking.status) == (reference, offering_id, "confirmed")
    assert booking.start_at == datetime(2025, 4, 2, 4, 30, tzinfo=UTC)
    assert booking.customer_timezone == "Asia/Kolkata" and booking.link_sent_at is not None

    # exactly one confirmation email, with the join link and an invitation
    (email,) = smtp_server.wait_for(1)
    assert email["To"] == "ravi@example.com"
    assert zoom_meeting["join_url"] in text_of(email) and zoom_meeting["start_url"] not in text_of(email)
    invite = attachments(email)["invite.ics"]
    invite = invite.decode() if isinstance(invite, bytes) else invite
    assert "BEGIN:VCALENDAR" in invite and "DTSTART:20250402T043000Z" in invite
    assert zoom_meeting["join_url"] in invite.replace("\r\n ", "")

    # the provider is told, in her own zone
    told = read(msg.BOOK_PROVIDER_NEW, "\n".join(provider.new_replies()))
    assert told["customer"] == "Ravi Kumar" and told["reference"] == reference
    assert told["when"] == "Wed 2 Apr, 10:00 (Asia/Kolkata)"

    # the customer's zone, name and email are remembered
    with unit_of_work(services.sessions) as session:
        contact = session.scalars(select(Contact).where(Contact.phone == CUSTOMER)).one()
        assert (contact.timezone, contact.name, contact.email) == ("Asia/Kolkata", "Ravi Kumar", "ravi@example.com")
    assert len(smtp_server.messages) == 1


def test_every_booking_gets_its_own_meeting_and_link(provider, services, whatsapp, fake_zoom, smtp_server):
    add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    first = book(customer, provider.code)
    # the second time: no time-zone question, the known name and email are offered
    second = walk(customer, provider.code, day="2")
    assert "timezone" not in second
    assert msg.BOOK_ASK_NAME_KNOWN.format(name="Ravi Kumar") in second["name"]
    assert msg.BOOK_ASK_EMAIL_KNOWN.format(email="ravi@example.com") in second["email"]
    second["confirmed"] = customer.send("yes")
    other = book(whatsapp(OTHER_CUSTOMER), provider.code, day="3", email="meera@example.com", profile="Meera")

    links = [read(zoom_text(msg.LINK_READY), r["confirmed"])["join_url"] for r in (first, second, other)]
    assert len(set(links)) == 3
    assert len(fake_zoom.fake.meetings) == 3
    assert sorted(m.body["join_url"] for m in fake_zoom.fake.meetings.values()) == sorted(links)
    start_urls = [m.body["start_url"] for m in fake_zoom.fake.meetings.values()]
    for reply in (first, second, other):
        assert not any(url in reply["confirmed"] for url in start_urls)
    emails = smtp_server.wait_for(3)
    assert len(emails) == 3
    assert sorted(e["To"] for e in emails) == ["meera@example.com", "ravi@example.com", "ravi@example.com"]
    with unit_of_work(services.sessions) as session:
        assert session.scalar(select(func.count(func.distinct(Booking.meeting_id)))) == 3
        assert session.scalar(select(func.count()).select_from(Meeting).where(Meeting.status == "ready")) == 3


def test_book_from_the_menu_and_the_click_to_chat_text(provider, services, whatsapp):
    add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    customer.send("hi")
    assert msg.BOOK_ASK_CODE in customer.send("1")
    assert msg.BOOK_SESSIONS.split("{")[0] in customer.send(f" {provider.code.lower()} ")
    # the wa.me link's text=book%20CODE arrives as "book CODE"
    assert read(msg.BOOK_SESSIONS, customer.send(f"book {provider.code}"))["provider"] == "Asha Coaching"
    assert read(msg.BOOK_SESSIONS, customer.send(f"Book {provider.code.lower()}"))["provider"] == "Asha Coaching"


def test_unknown_codes(provider, services, whatsapp):
    add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    customer.send("hi")
    assert msg.BOOK_CODE_NOT_FOUND.format(code="ZZZZ99") in customer.send("book ZZZZ99")
    customer.send("book")
    reply = customer.send("nope!")
    assert has(msg.BOOK_CODE_NOT_FOUND, reply)
    assert has(msg.BOOK_CODE_NOT_FOUND, customer.send("x" * 300))  # shown shortened, never echoed whole
    assert len(customer.send("y" * 300)) < 400
    # still asking for the code: the right one now works
    assert has(msg.BOOK_SESSIONS, customer.send(provider.code))


def test_a_provider_with_nothing_open(provider, services, whatsapp):
    add_offering(services, provider.id, status="paused")
    customer = whatsapp(CUSTOMER)
    reply = customer.send(f"book {provider.code}")
    assert msg.BOOK_NOTHING_OPEN.format(provider="Asha Coaching") in reply
    assert "Career coaching" not in reply


def test_only_active_sessions_are_listed_with_their_details(provider, services, whatsapp):
    add_offering(services, provider.id, name="Paused one", status="paused")
    add_offering(services, provider.id, name="Yoga class", mode="in_person", address="12 MG Road, Pune",
                 capacity=8, duration=45, price_minor=50000)
    add_offering(services, provider.id, name="Quick call", platform="google_meet",
                 meet_url="https://meet.google.com/abc-defg-hij", duration=30, price_minor=0)
    reply = whatsapp(CUSTOMER).send(f"book {provider.code}")
    assert "Paused one" not in reply
    assert msg.BOOK_SESSION_LINE.format(number=1, name="Yoga class", duration="45 min", price="₹500",
                                        where=msg.BOOK_MODE_IN_PERSON + msg.BOOK_GROUP_SUFFIX.format(capacity=8)) \
        in reply
    assert msg.BOOK_SESSION_LINE.format(number=2, name="Quick call", duration="30 min", price="Free",
                                        where=msg.BOOK_MODE_MEET) in reply


def test_bad_input_at_every_step(provider, services, whatsapp, smtp_server):
    add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    customer.send(f"book {provider.code}")
    assert msg.BOOK_PICK_NUMBER.format(count=1) in customer.send("2")
    assert msg.BOOK_PICK_NUMBER.format(count=1) in customer.send("coaching please")
    assert has(msg.BOOK_ASK_TIMEZONE, customer.send("1"))
    assert msg.BOOK_BAD_TIMEZONE.format(text="Atlantis") in customer.send("Atlantis")
    days = customer.send("Mumbai")  # a typed city works too
    assert read(msg.BOOK_DAYS, days)["timezone"] == "Asia/Kolkata"
    assert msg.BOOK_PICK_NUMBER.format(count=13) in customer.send("14")
    assert msg.BOOK_PICK_NUMBER.format(count=13) in customer.send("1.5")
    assert msg.BOOK_PICK_NUMBER.format(count=13) in customer.send("someday")
    assert has(msg.BOOK_TIMES, customer.send("13"))
    assert msg.BOOK_PICK_NUMBER.format(count=2) in customer.send("3")
    assert msg.BOOK_PICK_NUMBER.format(count=2) in customer.send("12:00")  # not a listed time
    assert has(msg.BOOK_ASK_NAME, customer.send("11:00"))  # a listed time, typed (no WhatsApp profile name)
    assert msg.BOOK_BAD_NAME in customer.send("1")  # nothing to reuse: "1" is not a name
    assert msg.BOOK_BAD_NAME in customer.send("!!")
    assert msg.BOOK_ASK_EMAIL in customer.send("Ravi Kumar")
    for bad in ("ravi", "ravi@", "ravi@example", "ravi example@x.com", "a@b.c", "ravi@exa mple.com",
                "ravi@example.com\r\nBcc: x@y.com", "<>", "a" * 65 + "@example.com"):
        assert has(msg.BOOK_BAD_EMAIL, customer.send(bad)), bad
    summary = read(msg.BOOK_SUMMARY, customer.send("Ravi@Example.COM"))
    assert summary["email"] == "Ravi@example.com"
    assert summary["when"] == "Mon 14 Apr, 11:00 (Asia/Kolkata)"
    reply = customer.send("maybe")
    assert msg.NOT_UNDERSTOOD.format(text="maybe") in reply and "1. " + msg.OPT_CONFIRM_BOOKING in reply
    assert all_bookings(services) == []
    # back goes one step, cancel stops without booking
    assert msg.BOOK_ASK_EMAIL_KNOWN.format(email="Ravi@example.com") in customer.send("back")
    assert msg.CANCELLED in customer.send("cancel")
    assert all_bookings(services) == [] and smtp_server.messages == []


def test_back_walks_up_the_steps(provider, services, whatsapp):
    add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    walk(customer, provider.code)
    assert has(msg.BOOK_ASK_EMAIL_KNOWN, customer.send("back"))  # the address given is offered again
    assert has(msg.BOOK_ASK_NAME_KNOWN, customer.send("back"))
    assert has(msg.BOOK_TIMES, customer.send("back"))
    assert has(msg.BOOK_DAYS, customer.send("back"))
    assert has(msg.BOOK_TIMES, customer.send("2"))


def test_in_person_session(provider, services, whatsapp, fake_zoom, smtp_server):
    add_offering(services, provider.id, name="Yoga", mode="in_person", address="12 MG Road, Pune")
    replies = book(whatsapp(CUSTOMER), provider.code)
    assert read(msg.BOOK_SUMMARY, replies["summary"])["where"] == \
        msg.BOOK_SUMMARY_WHERE_ADDRESS.format(address="12 MG Road, Pune")
    assert read(msg.BOOK_CONFIRMED, replies["confirmed"])["where"] == \
        msg.BOOK_CONFIRMED_ADDRESS.format(address="12 MG Road, Pune")
    assert not has(zoom_text(msg.LINK_READY), replies["confirmed"])
    assert fake_zoom.fake.meetings == {}
    (email,) = smtp_server.wait_for(1)
    assert msg.WHERE_ADDRESS.format(address="12 MG Road, Pune") in text_of(email)
    assert "invite.ics" in attachments(email)
    (booking,) = all_bookings(services)
    assert booking.meeting_id is None and booking.email_status == "sent"
    assert has(msg.BOOK_PROVIDER_NEW, "\n".join(provider.new_replies()))


def test_google_meet_session(provider, services, whatsapp, fake_zoom, smtp_server):
    url = "https://meet.google.com/abc-defg-hij"
    add_offering(services, provider.id, name="Quick call", platform="google_meet", meet_url=url)
    replies = book(whatsapp(CUSTOMER), provider.code)
    assert read(msg.BOOK_SUMMARY, replies["summary"])["where"] == msg.BOOK_SUMMARY_WHERE_MEET.format(url=url)
    assert read(msg.BOOK_CONFIRMED, replies["confirmed"])["where"] == msg.BOOK_CONFIRMED_MEET.format(url=url)
    assert fake_zoom.fake.meetings == {}
    (email,) = smtp_server.wait_for(1)
    assert msg.WHERE_MEET.format(url=url) in text_of(email)
    assert all_bookings(services)[0].meeting_id is None


def test_group_places_left_and_capacity(provider, services, whatsapp, fake_zoom, smtp_server):
    add_offering(services, provider.id, name="Group class", capacity=2)
    first = book(whatsapp(CUSTOMER), provider.code)
    assert msg.BOOK_TIME_LINE_GROUP.format(number=1, time="10:00", left=2, capacity=2) in first["times"]
    # one meeting shared by the attendees: no "your own meeting link" promised
    assert read(msg.BOOK_SUMMARY, first["summary"])["where"] == zoom_text(msg.BOOK_SUMMARY_WHERE_PLATFORM_GROUP)
    assert read(msg.BOOK_CONFIRMED, first["confirmed"])["where"] == zoom_text(msg.BOOK_CONFIRMED_PLATFORM_GROUP)
    assert "own" not in zoom_text(msg.BOOK_SUMMARY_WHERE_PLATFORM_GROUP) + zoom_text(msg.BOOK_CONFIRMED_PLATFORM_GROUP)
    assert msg.BOOK_PROVIDER_PLACES.format(taken=1, capacity=2) in "\n".join(provider.new_replies())
    second = book(whatsapp(OTHER_CUSTOMER), provider.code, email="meera@example.com", profile="Meera")
    assert msg.BOOK_TIME_LINE_GROUP.format(number=1, time="10:00", left=1, capacity=2) in second["times"]
    assert msg.BOOK_PROVIDER_PLACES.format(taken=2, capacity=2) in "\n".join(provider.new_replies())
    # one meeting for the occurrence, its link to both attendees
    assert len(fake_zoom.fake.meetings) == 1
    join_url = next(iter(fake_zoom.fake.meetings.values())).body["join_url"]
    assert read(zoom_text(msg.LINK_READY), first["confirmed"])["join_url"] == join_url
    assert read(zoom_text(msg.LINK_READY), second["confirmed"])["join_url"] == join_url
    assert len(smtp_server.wait_for(2)) == 2
    # full: a third customer doesn't see 10:00 on that day any more
    third = walk(whatsapp("+919876500002"), provider.code, email="x@example.com", profile="Xavier")
    assert msg.BOOK_TIME_LINE_GROUP.format(number=1, time="11:00", left=2, capacity=2) in third["times"]
    assert "10:00 ·" not in third["times"]
    assert [b.seat for b in all_bookings(services)] == [0, 1]


def test_slot_taken_between_listing_and_confirming(provider, services, whatsapp, smtp_server):
    add_offering(services, provider.id)
    slow = whatsapp(CUSTOMER)
    walk(slow, provider.code)
    book(whatsapp(OTHER_CUSTOMER), provider.code, email="meera@example.com", profile="Meera")
    reply = slow.send("yes")
    assert msg.BOOK_SLOT_GONE in reply
    days = read(msg.BOOK_DAYS, reply)
    assert reply.index(msg.BOOK_SLOT_GONE) < reply.index(days["options"])
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="11:00") in reply
    assert not has(msg.BOOK_CONFIRMED, reply)
    assert len(all_bookings(services)) == 1
    # picking again works
    slow.send("1")
    slow.send("1")
    slow.send("1")
    assert has(msg.BOOK_SUMMARY, slow.send("1"))
    assert has(msg.BOOK_CONFIRMED, slow.send("yes"))
    assert [b.start_at.hour for b in all_bookings(services)] == [4, 5]


def pause(services, offering_id: int) -> None:
    """The provider pauses the session (from another phone, a moment ago)."""
    with unit_of_work(services.sessions) as session:
        session.get(Offering, offering_id).status = "paused"


def test_a_paused_session_cannot_be_confirmed(provider, services, whatsapp):
    offering_id = add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    walk(customer, provider.code)
    pause(services, offering_id)
    reply = customer.send("yes")
    # said as it is (not "that time was just taken" then "no free times"), and nothing else is open: the menu
    assert msg.BOOK_SESSION_PAUSED.format(session="Career coaching") in reply
    assert msg.BOOK_NOTHING_OPEN.format(provider="Asha Coaching") in reply
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in reply
    assert msg.BOOK_SLOT_GONE not in reply and not has(msg.BOOK_NO_DAYS, reply)
    assert msg.BOOK_ASK_CODE in customer.send("1")  # "1" is the menu's "Book a session" again
    assert all_bookings(services) == []


def test_paused_at_the_summary_with_another_session_open(provider, services, whatsapp):
    offering_id = add_offering(services, provider.id)
    add_offering(services, provider.id, name="Quick call", platform="google_meet",
                 meet_url="https://meet.google.com/abc-defg-hij", duration=30, price_minor=0)
    customer = whatsapp(CUSTOMER)
    walk(customer, provider.code)
    pause(services, offering_id)
    reply = customer.send("yes")
    assert msg.BOOK_SESSION_PAUSED.format(session="Career coaching") in reply
    assert msg.BOOK_SLOT_GONE not in reply
    sessions = read(msg.BOOK_SESSIONS, reply)["options"]
    assert "Career coaching" not in sessions and "1. *Quick call*" in sessions
    assert has(msg.BOOK_DAYS, customer.send("1"))  # the other session can be booked straight away
    assert all_bookings(services) == []


def test_a_listed_session_paused_before_it_is_picked(provider, services, whatsapp):
    offering_id = add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    assert "Career coaching" in customer.send(f"book {provider.code}")
    pause(services, offering_id)
    reply = customer.send("1")
    assert msg.BOOK_SESSION_CLOSED.format(session="Career coaching") in reply
    assert msg.BOOK_NOTHING_OPEN.format(provider="Asha Coaching") in reply
    assert not has(msg.BOOK_PICK_NUMBER, reply)
    assert msg.BOOK_NOTHING_TO_PICK in customer.send("1")  # no endless "a number from 1 to 1"


def test_a_listed_session_paused_while_another_is_still_open(provider, services, whatsapp):
    first = add_offering(services, provider.id)
    add_offering(services, provider.id, name="Yoga", mode="in_person", address="12 MG Road, Pune")
    customer = whatsapp(CUSTOMER)
    customer.send(f"book {provider.code}")
    pause(services, first)
    reply = customer.send("Career coaching")  # picked by name this time
    assert msg.BOOK_SESSION_CLOSED.format(session="Career coaching") in reply
    listed = read(msg.BOOK_SESSIONS, reply)["options"]
    assert "Career coaching" not in listed and "1. *Yoga*" in listed
    assert has(msg.BOOK_ASK_TIMEZONE, customer.send("1"))  # now "1" is Yoga


def test_min_notice_and_past_slots(provider, services, whatsapp, clock):
    add_offering(services, provider.id, notice=24 * 60)
    customer = whatsapp(CUSTOMER)
    replies = walk(customer, provider.code)
    # now Tue 1 Apr 14:30 in Kolkata, 24 hours' notice: nothing today or tomorrow (10:00 and 11:00 are too soon)
    assert "Tue 1 Apr" not in replies["days"] and "Wed 2 Apr" not in replies["days"]
    assert msg.BOOK_DAY_LINE.format(number=1, day="Thu 3 Apr", times="10:00, 11:00") in replies["days"]
    assert read(msg.BOOK_SUMMARY, replies["summary"])["when"] == "Thu 3 Apr, 10:00 (Asia/Kolkata)"
    # the customer waits until Thu 3 Apr 10:00 is less than 24 hours away: too late to book it
    clock.advance(hours=20)  # now Wed 2 Apr 10:30 in Kolkata
    reply = customer.send("yes")
    assert msg.BOOK_SLOT_GONE in reply
    assert msg.BOOK_DAY_LINE.format(number=1, day="Thu 3 Apr", times="11:00") in reply
    assert all_bookings(services) == []


def test_times_are_right_across_the_clock_change(provider, services, whatsapp, clock, fake_zoom):
    """Provider in London (clocks go forward Sun 29 Mar 2026, 01:00 UTC), customer in Kolkata (no DST): the same
    10:00 London slot is 15:30 in Kolkata before the change and 14:30 after it."""
    with unit_of_work(services.sessions) as session:
        session.get(Provider, provider.id).timezone = "Europe/London"
    clock.now = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)  # Thu 26 Mar, 12:00 in London
    provider.send("menu")  # (so the provider's 24-hour WhatsApp window is open for the notification)
    provider.new_replies()
    add_offering(services, provider.id, windows=every_day(10, 11))
    customer = whatsapp(CUSTOMER)
    replies = walk(customer, provider.code, day="3")
    days = replies["days"]
    for number, day, at in ((1, "Fri 27 Mar", "15:30"), (2, "Sat 28 Mar", "15:30"), (3, "Sun 29 Mar", "14:30"),
                            (4, "Mon 30 Mar", "14:30")):
        assert msg.BOOK_DAY_LINE.format(number=number, day=day, times=at) in days
    assert read(msg.BOOK_SUMMARY, replies["summary"])["when"] == "Sun 29 Mar, 14:30 (Asia/Kolkata)"
    confirmed = customer.send("yes")
    assert read(msg.BOOK_CONFIRMED, confirmed)["when"] == "Sun 29 Mar, 14:30 (Asia/Kolkata)"
    (booking,) = all_bookings(services)
    assert booking.start_at == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)  # 10:00 BST
    told = read(msg.BOOK_PROVIDER_NEW, "\n".join(provider.new_replies()))
    assert told["when"] == "Sun 29 Mar, 10:00 (Europe/London)"
    assert next(iter(fake_zoom.fake.meetings.values())).body["start_time"] == "2026-03-29T09:00:00Z"
    assert read(zoom_text(msg.LINK_READY), confirmed)["when"] == "Sun 29 Mar, 14:30 (Asia/Kolkata)"


def test_a_customer_elsewhere_sees_their_own_wall_clock(provider, services, whatsapp):
    add_offering(services, provider.id)  # 10:00-12:00 in Kolkata
    customer = whatsapp("+447700900123")  # UK number: London guessed
    replies = walk(customer, provider.code)
    assert read(msg.BOOK_ASK_TIMEZONE, replies["timezone"])["timezone"] == "Europe/London"
    # Wed 2 Apr 10:00 IST = 05:30 BST
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="05:30, 06:30") in replies["days"]
    assert read(msg.BOOK_SUMMARY, replies["summary"])["when"] == "Wed 2 Apr, 05:30 (Europe/London)"


def test_a_number_with_several_zones_gets_a_choice(provider, services, whatsapp):
    add_offering(services, provider.id)
    customer = whatsapp("+12125550123")  # New York number, but the US has many zones
    customer.send(f"book {provider.code}")
    reply = customer.send("1")
    if has(msg.BOOK_ASK_TIMEZONE, reply):  # the number's area code was enough to guess one zone
        assert read(msg.BOOK_ASK_TIMEZONE, reply)["timezone"] == "America/New_York"
        reply = customer.send("yes")
    else:
        options = read(msg.BOOK_ASK_TIMEZONE_CHOICES, reply)["options"].splitlines()
        number = next(i for i, line in enumerate(options, 1) if "America/New_York" in line)
        reply = customer.send(str(number))
    assert read(msg.BOOK_DAYS, reply)["timezone"] == "America/New_York"


def test_the_provider_can_book_too_and_lands_on_their_menu(provider, services, whatsapp):
    other_id = make_provider(services, phone="+919900000001", name="Bina Tutoring")
    add_offering(services, other_id, name="Maths", mode="in_person", address="Bina's place")
    replies = book(provider, code_of(services, other_id), profile="Asha")
    assert has(msg.BOOK_CONFIRMED, replies["confirmed"])
    assert "timezone" not in replies  # a provider's zone is known from sign-up
    assert msg.PROVIDER_MENU.split("{")[0] in replies["confirmed"]
    assert len(all_bookings(services)) == 1


@pytest.mark.parametrize("text,expected", [
    ("ravi@example.com", "ravi@example.com"), (" Ravi.Kumar+x@Mail.Example.IN ", "Ravi.Kumar+x@mail.example.in"),
    ("<ravi@example.com>", "ravi@example.com"), ("ravi@example", None), ("ravi@@example.com", None),
    ("ravi@example.com,x@y.com", None), ("ravi..k@example.com", None), (".ravi@example.com", None),
    ("ravi@-example.com", None), ("ravi@example.c", None), ("", None), ("a@b.co\nBcc: c@d.co", None),
])
def test_email_validation(text, expected):
    assert valid_email(text) == expected


def test_free_slots_never_overbook(services, provider):
    """The service underneath: with every place of an occurrence taken, the slot is not offered any more."""
    offering_id = add_offering(services, provider.id, capacity=2, mode="in_person", address="Hall")
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        offering = session.get(Offering, offering_id)
        start = bookings.free_slots(session, offering, now)[0]
        customer = session.scalars(select(Contact).where(Contact.phone == PROVIDER)).one()
        for name in ("A", "B"):
            bookings.book(session, offering=offering, customer=customer, start=start, name=name,
                          email="a@example.com", timezone="Asia/Kolkata", now=now)
        assert start not in bookings.free_slots(session, offering, now)
        with pytest.raises(bookings.SlotUnavailable):
            bookings.book(session, offering=offering, customer=customer, start=start, name="C",
                          email="a@example.com", timezone="Asia/Kolkata", now=now + timedelta(seconds=1))


@pytest.mark.parametrize("day", ["thursday", "Thu", "tomorrow", "Thu 3 Apr", "3 Apr", "3rd April", "April 3"])
def test_a_day_can_be_picked_by_its_name(provider, services, whatsapp, day):
    add_offering(services, provider.id)  # the clock stands on Tue 1 Apr 2025; the first free day is Wed 2 Apr
    chat = whatsapp(CUSTOMER)
    replies = walk(chat, provider.code, day=day)
    expected = "Thu 3 Apr" if day != "tomorrow" else "Wed 2 Apr"
    assert expected in replies["times"] and msg.BOOK_PICK_NUMBER.split("{")[0] not in replies["times"]


def test_what_a_newcomer_typed_while_booking_is_understood(provider, services, whatsapp):
    """A session by the start of its name, a zone abbreviation, a past or unlisted day said to be so, a day as
    shown and a time as "12:30am" (issue 14, item 8)."""
    make_offering(services, provider.id, windows=[w for w in MORNINGS if w.weekday < 5])  # Mon-Fri, IST
    chat = whatsapp("+13125550123")  # a Chicago number: the zone guessed is Chicago's
    chat.send(f"book {provider.code}")
    assert has(msg.BOOK_ASK_TIMEZONE, chat.send("career"))  # "Career coaching", by the start of its name
    days = chat.send("EST")
    assert read(msg.BOOK_DAYS, days)["timezone"] == "America/New_York"
    count = len(re.findall(r"(?m)^\d+\. ", days))
    assert msg.BOOK_DAY_PAST.format(day="Mon 31 Mar", count=count) in chat.send("yesterday")
    assert msg.BOOK_DAY_NOT_LISTED.format(day="Sat 5 Apr", count=count) in chat.send("5 Apr")
    times = chat.send("Thu 3 Apr")  # the label exactly as listed
    assert has(msg.BOOK_TIMES, times) and "00:30" in times  # 10:00 in Kolkata is 00:30 in New York (EDT)
    assert has(msg.BOOK_ASK_NAME, chat.send("12:30am"))


def test_a_mistyped_mail_domain_is_offered_corrected(provider, services, whatsapp):
    make_offering(services, provider.id)
    chat = whatsapp(CUSTOMER_IN)
    walk_to_email = walk(chat, provider.code, email="ravi@gmial.con")
    assert msg.BOOK_EMAIL_TYPO.format(suggestion="ravi@gmail.com", typed="ravi@gmial.con") in walk_to_email["summary"]
    assert read(msg.BOOK_SUMMARY, chat.send("1"))["email"] == "ravi@gmail.com"
    # Typed again as it was, the address is taken as it is.
    other = whatsapp(OTHER_CUSTOMER_IN)
    walk(other, provider.code, email="asha@yaho.com")
    assert read(msg.BOOK_SUMMARY, other.send("asha@yaho.com"))["email"] == "asha@yaho.com"


def test_zero_at_the_confirmation_is_a_wrong_pick_not_a_silent_exit(provider, services, whatsapp):
    """Where a step lists numbered options, 0 is an out-of-range pick like 99: the draft is kept, nothing booked."""
    add_offering(services, provider.id)
    customer = whatsapp(CUSTOMER)
    walk(customer, provider.code)
    for typed in ("0", "99"):
        reply = customer.send(typed)
        assert msg.NOT_UNDERSTOOD.format(text=typed) in reply and "1. " + msg.OPT_CONFIRM_BOOKING in reply
    assert all_bookings(services) == []
    assert has(msg.BOOK_CONFIRMED, customer.send("1"))
    assert len(all_bookings(services)) == 1


def test_the_providers_day_view_lists_occurrences_with_people_and_links(provider, services, whatsapp, fake_zoom,
                                                                         smtp_server):
    """'this week': one line per occurrence (a group class with everyone in it), each person's number, the link."""
    add_offering(services, provider.id, name="Yoga", capacity=12, platform="google_meet",
                 meet_url="https://meet.google.com/abc-defg-hij")
    add_offering(services, provider.id, name="Career coaching")
    emma, jose, ravi = whatsapp("+447700900123"), whatsapp("+34600111222"), whatsapp(CUSTOMER)
    book(emma, provider.code, session="1", name="Emma Stone", email="emma@example.com", profile="Emma")
    book(jose, provider.code, session="1", zone="1", name="José Díaz", email="jose@example.com", profile="José")
    book(ravi, provider.code, session="2", name="Ravi Kumar", email="ravi@example.com")  # 11:00: Yoga is at 10
    provider.new_replies()  # the "new booking" notices
    week = provider.send("this week")
    yoga = [line for line in week.splitlines() if "*Yoga*" in line]
    assert len(yoga) == 1 and "· 2/12:" in yoga[0]
    assert "Emma Stone (+447700900123), José Díaz (+34600111222)" in yoga[0]
    assert "Ravi Kumar (+919812345678)" in week and "https://meet.google.com/abc-defg-hij" in week
    assert [line for line in week.splitlines() if "*Career coaching*" in line]
    assert msg.AGENDA_WEEK.split("{")[0] in week
    assert week.count("*Yoga*") == 1
    # Customers have no day view; an empty day says so.
    assert msg.AGENDA_PROVIDERS_ONLY in emma.send("today")
    with unit_of_work(services.sessions) as session:
        for booking in session.scalars(select(Booking)):
            booking.status = "cancelled"
    assert "Nothing booked" in provider.send("today")


def test_no_at_the_time_zone_question_asks_for_the_city(provider, services, whatsapp):
    make_offering(services, provider.id)
    chat = whatsapp("+13125550123")  # the zone guessed is Chicago's
    chat.send(f"book {provider.code}")
    assert has(msg.BOOK_ASK_TIMEZONE, chat.send("1"))
    reply = chat.send("no")
    assert msg.ASK_ZONE_AFTER_NO in reply and "couldn't find" not in reply
    assert read(msg.BOOK_DAYS, chat.send("London"))["timezone"] == "Europe/London"
