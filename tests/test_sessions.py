"""Providers create and manage their sessions by chat, end to end through the signed WhatsApp webhook: 1:1 and
group, online (Zoom or Google Meet) or in person, every step's bad input, Zoom not connected (a real connect through
the fake Zoom in the middle of the flow), the plan without Zoom, the reconnect warning after a disconnect or a broken
connection, my sessions, pause/resume, edits (capacity never below places booked) and the share link."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from bot.core import availability, money, sharing, slots
from bot.core import messages as msg
from bot.core import sessions_text
from bot.dialogue.intents import render_options
from bot.flows import session_fields
from bot.flows.manage_sessions import ONE_TO_ONE_OPTIONS
from bot.services import bookings
from integrations.video import VideoProviderRegistry
from integrations.zoom.platform import ZOOM
from store import repos
from store.db import unit_of_work
from store.models import Offering, Provider, VideoConnection
from tests.fixtures.builders import CUSTOMER, PROVIDER, load_all, make_offering, make_provider
from tests.fixtures.texts import where_question, zoom_options, zoom_text
from tests.fixtures.zoom_connect import click_through, link_in

MEET = "https://meet.google.com/abc-defg-hij"
HOURS = "Mon-Fri 10:00-13:00, Sat 09:00-11:00"


@pytest.fixture
def chat(services, whatsapp):
    make_provider(services, country="IN")
    user = whatsapp(PROVIDER)
    user.send("hi")
    return user


def offerings(services) -> list[Offering]:
    return load_all(services, Offering)


def booking_code(services) -> str:
    with unit_of_work(services.sessions) as session:
        return session.scalars(select(Provider.booking_code)).one()


def share_text(services) -> str:
    code = booking_code(services)
    return msg.SHARE_LINK.format(code=code, link=f"https://wa.me/14155238886?text=book%20{code}")


def summary(services, lines: list[str]) -> str:
    return msg.SESSION_SUMMARY.format(details="\n".join(lines), options=render_options("new_confirm"))


def inr(amount_major: int) -> str:
    return money.format_price(amount_major * 100, "INR", "IN")


def create_until_platform(chat, *, kind="1", name="Career coaching", duration="1 h 30", price="1,500"):
    assert msg.SESSION_ASK_KIND.format(options=render_options("new_kind")) in chat.send("create session")
    assert msg.SESSION_ASK_NAME in chat.send(kind)
    assert msg.SESSION_ASK_DURATION in chat.send(name)
    assert msg.SESSION_ASK_PRICE.split("{")[0] in chat.send(duration)
    assert msg.SESSION_ASK_MODE.format(options=render_options("new_mode")) in chat.send(price)
    return chat.send("online")


def notice(chat, hours: str, description: str = "skip") -> str:
    """Answer the notice question, then the description one (*skip*: none); the reply to the description."""
    assert msg.SESSION_ASK_DESCRIPTION in chat.send(hours)
    return chat.send(description)


# -- pure parsers ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, minutes", [
    ("45", 45), ("45 min", 45), ("45min", 45), ("45 minutes", 45), ("1h", 60), ("1 h", 60), ("1 h 30", 90),
    ("1h30", 90), ("1h30m", 90), ("1 hour 30 minutes", 90), ("2 hours and 15 minutes", 135), ("90 minutes", 90),
    ("1:30", 90), ("0:45", 45), ("1.5 hours", 90), ("1,5 h", 90), ("2 hrs", 120), ("an hour", 60),
    ("half an hour", 30), (" 60 ", 60), ("3", 3), ("600", 600),
])
def test_duration_is_read_as_people_write_it(text, minutes):
    assert sessions_text.parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "1:75", "1.5", "45 parsecs", "1 h 75", "45 min 30", "-45", "1h 30h",
                                  "1.333 h", "one"])
def test_duration_nonsense_is_refused(text):
    assert sessions_text.parse_duration(text) is None


@pytest.mark.parametrize("text, minutes", [
    ("0", 0), ("none", 0), ("No notice", 0), ("2", 120), ("24", 1440), ("1.5", 90), ("1,5", 90), ("2 h", 120),
    ("2 hours", 120), ("30 min", 30), ("1 day", 1440), ("720", 43200), ("0.25", 15),
])
def test_notice_is_read_in_hours(text, minutes):
    assert sessions_text.parse_notice(text) == minutes


@pytest.mark.parametrize("text", ["721", "31 days", "-1", "soon", "2 weeks", "", "1.2.3"])
def test_notice_out_of_range_or_nonsense_is_refused(text):
    assert sessions_text.parse_notice(text) is None


@pytest.mark.parametrize("text, url", [
    (MEET, MEET), ("meet.google.com/abc-defg-hij", MEET), ("HTTPS://Meet.Google.com/ABC-DEFG-HIJ", MEET),
    (MEET + "?authuser=0", MEET), ("http://meet.google.com/abc-defg-hij/", MEET),
])
def test_meet_links_are_accepted_and_made_canonical(text, url):
    assert session_fields.parse_meet_url(text) == url


@pytest.mark.parametrize("text", ["https://zoom.us/j/123", "https://meet.google.com/abc", "meet.google.com",
                                  "https://meet.google.com.evil.test/abc-defg-hij", "abc-defg-hij",
                                  "https://meet.google.com/abc-defg-hij extra"])
def test_other_links_are_not_meet_links(text):
    assert session_fields.parse_meet_url(text) is None


@pytest.mark.parametrize("text, value", [("2", 2), ("500", 500), ("12 people", 12), ("1", None), ("501", None),
                                         ("ten", None), ("2.5", None)])
def test_capacity(text, value):
    assert sessions_text.parse_capacity(text) == value


def test_booking_link_uses_the_bot_number_digits():
    assert sharing.booking_link("whatsapp:+14155238886", "AB23CD") == "https://wa.me/14155238886?text=book%20AB23CD"
    assert sharing.booking_link("+44 7700 900123", "AB23CD") == "https://wa.me/447700900123?text=book%20AB23CD"
    with pytest.raises(ValueError):
        sharing.booking_link("", "AB23CD")


@pytest.mark.parametrize("minutes, shown", [(45, "45 min"), (60, "1 h"), (90, "1 h 30 min"), (480, "8 h")])
def test_duration_format(minutes, shown):
    assert sessions_text.format_duration(minutes) == shown


# -- creating, end to end -------------------------------------------------------------------------------------------

def test_one_to_one_on_google_meet_with_every_kind_of_mistake(chat, services):
    assert msg.SESSION_ASK_KIND.format(options=render_options("new_kind")) in chat.send("2")  # menu: create
    assert msg.NOT_UNDERSTOOD.format(text="triple") in chat.send("triple")
    assert msg.SESSION_ASK_NAME in chat.send("1:1")
    assert msg.SESSION_BAD_NAME in chat.send("7")
    assert msg.SESSION_BAD_NAME in chat.send("x" * 81)
    assert msg.SESSION_ASK_DURATION in chat.send("  Career   coaching ")
    assert msg.SESSION_BAD_DURATION.format(text="a while") in chat.send("a while")
    assert msg.SESSION_DURATION_RANGE.format(text="1", minutes=1) in chat.send("1")
    assert msg.SESSION_DURATION_RANGE.format(text="9h", minutes=540) in chat.send("9h")
    assert msg.SESSION_ASK_PRICE.format(unit=msg.SESSION_PRICE_UNIT_ONE, currency="INR") in chat.send("1:30")
    assert msg.SESSION_BAD_PRICE.format(text="€20", currency="INR", maximum=inr(1_000_000)) in chat.send("€20")
    assert msg.SESSION_BAD_PRICE.format(text="-5", currency="INR", maximum=inr(1_000_000)) in chat.send("-5")
    assert msg.SESSION_ASK_MODE.format(options=render_options("new_mode")) in chat.send("₹1,500")
    assert msg.NOT_UNDERSTOOD.format(text="hybrid") in chat.send("hybrid")
    assert msg.SESSION_ASK_PLATFORM.format(options=zoom_options("new_platform")) in chat.send("1")
    assert msg.SESSION_ASK_MEET_URL in chat.send("google meet")
    assert msg.SESSION_BAD_MEET_URL in chat.send("https://zoom.us/j/123456")
    assert msg.SESSION_ASK_AVAILABILITY.format(timezone="Asia/Kolkata") in chat.send(MEET + "?authuser=0")
    # the correction loop: availability's own problems, what was understood, an example
    reply = chat.send("Mon-Fri 10:00-13:00, Funday 9-11")
    problems = availability.parse_availability("Mon-Fri 10:00-13:00, Funday 9-11").problems
    assert msg.SESSION_BAD_AVAILABILITY.format(problems="\n".join(f"• {p}" for p in problems)) in reply
    assert msg.SESSION_AVAILABILITY_UNDERSTOOD.format(availability="Mon-Fri 10:00-13:00") in reply
    assert msg.SESSION_AVAILABILITY_AGAIN in reply
    reply = chat.send("Mon 10:00-11:00")  # readable, but too short for a 90-minute session
    assert msg.SESSION_AVAILABILITY_TOO_SHORT.format(availability="Mon 10:00-11:00", duration="1 h 30 min") in reply
    assert msg.SESSION_ASK_NOTICE in chat.send(HOURS)
    assert msg.SESSION_BAD_NOTICE.format(text="soon") in chat.send("soon")
    assert msg.SESSION_BAD_NOTICE.format(text="1000") in chat.send("1000")
    reply = notice(chat, "1.5")
    assert reply == summary(services, [
        "*Career coaching*", msg.SESSION_FIELD_KIND.format(kind=msg.SESSION_KIND_ONE),
        msg.SESSION_FIELD_DURATION.format(duration="1 h 30 min"), msg.SESSION_FIELD_PRICE.format(price=inr(1500)),
        msg.SESSION_FIELD_WHERE.format(where=msg.SESSION_WHERE_MEET.format(url=MEET)),
        msg.SESSION_FIELD_AVAILABILITY.format(availability=HOURS, timezone="Asia/Kolkata"),
        msg.SESSION_FIELD_NOTICE.format(notice="1.5 h")])
    assert offerings(services) == []
    reply = chat.send("yes")
    assert msg.SESSION_CREATED.format(name="Career coaching") in reply
    assert share_text(services) in reply
    assert msg.PROVIDER_MENU.split(",")[0].format(name="Asha Coaching") in reply
    [offering] = offerings(services)
    assert (offering.kind, offering.mode, offering.platform, offering.meet_url, offering.address) == \
        ("one_to_one", "online", "google_meet", MEET, None)
    assert (offering.name, offering.duration_minutes, offering.price_minor, offering.currency) == \
        ("Career coaching", 90, 150000, "INR")
    assert (offering.capacity, offering.min_notice_minutes, offering.status) == (1, 90, "active")
    assert availability.format_availability(availability.from_json(offering.availability)) == HOURS


def test_group_in_person_free_with_capacity_and_no_notice(chat, services):
    chat.send("create session")
    assert msg.SESSION_ASK_NAME in chat.send("group")
    chat.send("Sunrise yoga")
    assert msg.SESSION_ASK_PRICE.format(unit=msg.SESSION_PRICE_UNIT_GROUP, currency="INR") in chat.send("60")
    chat.send("free")
    assert msg.SESSION_ASK_ADDRESS in chat.send("in person")
    assert msg.SESSION_BAD_ADDRESS in chat.send("x")
    assert msg.SESSION_ASK_AVAILABILITY.format(timezone="Asia/Kolkata") in chat.send("12 MG Road, Bengaluru")
    assert msg.SESSION_ASK_CAPACITY in chat.send("Sat, Sun 06:00-08:00")
    for bad in ("1", "501", "lots"):
        assert msg.SESSION_BAD_CAPACITY in chat.send(bad)
    assert msg.SESSION_ASK_NOTICE in chat.send("12")
    reply = notice(chat, "none")
    assert reply == summary(services, [
        "*Sunrise yoga*", msg.SESSION_FIELD_KIND.format(kind=msg.SESSION_KIND_GROUP),
        msg.SESSION_FIELD_DURATION.format(duration="1 h"), msg.SESSION_FIELD_PRICE.format(price=money.FREE),
        msg.SESSION_FIELD_WHERE.format(where=msg.SESSION_WHERE_ADDRESS.format(address="12 MG Road, Bengaluru")),
        msg.SESSION_FIELD_AVAILABILITY.format(availability="Sat, Sun 06:00-08:00", timezone="Asia/Kolkata"),
        msg.SESSION_FIELD_CAPACITY.format(capacity=12), msg.SESSION_FIELD_NOTICE.format(notice="none")])
    chat.send("1")
    [offering] = offerings(services)
    assert (offering.kind, offering.mode, offering.platform, offering.address) == \
        ("group", "in_person", None, "12 MG Road, Bengaluru")
    assert (offering.capacity, offering.price_minor, offering.min_notice_minutes) == (12, 0, 0)


def test_currency_follows_the_providers_country(services, whatsapp):
    make_provider(services, phone="+4915123456789", country="DE", name="Lena")
    chat = whatsapp("+4915123456789")
    chat.send("hi")
    chat.send("create session")
    chat.send("1")
    chat.send("Nachhilfe")
    assert msg.SESSION_ASK_PRICE.format(unit=msg.SESSION_PRICE_UNIT_ONE, currency="EUR") in chat.send("45 min")
    assert msg.SESSION_BAD_PRICE.split("{currency}")[0].format(text="₹500") in chat.send("₹500")
    chat.send("39,50 €")
    chat.send("in person")
    chat.send("Hauptstraße 1, Berlin")
    chat.send("Mon 16-19")
    reply = notice(chat, "24")
    assert msg.SESSION_FIELD_PRICE.format(price=money.format_price(3950, "EUR", "DE")) in reply
    chat.send("yes")
    assert (offerings(services)[0].price_minor, offerings(services)[0].currency) == (3950, "EUR")


def test_back_cancel_help_and_menu_work_in_the_middle(chat, services):
    create_until_platform(chat)
    assert msg.SESSION_ASK_MODE.split("\n")[0] in chat.send("back")
    assert msg.SESSION_ASK_PRICE.split("{")[0] in chat.send("back")
    assert msg.SESSION_ASK_DURATION in chat.send("back")
    reply = chat.send("help")
    assert msg.HELP_MENU.split("\n")[0] in reply
    chat.send("create session")
    chat.send("1")
    chat.send("Mentoring")
    assert msg.CANCELLED in chat.send("cancel")
    chat.send("create session")
    chat.send("1")
    assert msg.PROVIDER_MENU.split(",")[0].format(name="Asha Coaching") in chat.send("menu")
    assert offerings(services) == []


def test_back_goes_to_the_step_just_before(chat, services):
    # group, in person: notice -> places -> weekly hours -> address
    chat.send("create session")
    chat.send("group")
    chat.send("Sunrise yoga")
    chat.send("60")
    chat.send("free")
    chat.send("in person")
    chat.send("12 MG Road, Bengaluru")
    chat.send("Sat 06:00-08:00")
    assert msg.SESSION_ASK_NOTICE in chat.send("12")
    assert msg.SESSION_ASK_CAPACITY in chat.send("back")
    assert msg.SESSION_ASK_NOTICE in chat.send("10")
    assert msg.SESSION_ASK_CAPACITY in chat.send("back")
    assert msg.SESSION_ASK_AVAILABILITY.format(timezone="Asia/Kolkata") in chat.send("back")
    assert msg.SESSION_ASK_ADDRESS in chat.send("back")
    assert msg.SESSION_ASK_MODE.format(options=render_options("new_mode")) in chat.send("back")
    # 1:1 on Meet: notice -> weekly hours -> the Meet link -> the platform
    create_until_platform(chat)
    chat.send("meet")
    chat.send(MEET)
    assert msg.SESSION_ASK_NOTICE in chat.send(HOURS)
    assert msg.SESSION_ASK_AVAILABILITY.format(timezone="Asia/Kolkata") in chat.send("back")
    assert msg.SESSION_ASK_MEET_URL in chat.send("back")
    assert msg.SESSION_ASK_PLATFORM.format(options=zoom_options("new_platform")) in chat.send("back")
    # and forward again: the draft is intact
    chat.send("meet")
    chat.send(MEET)
    chat.send(HOURS)
    assert msg.SESSION_SUMMARY.split("\n")[0] in notice(chat, "2")
    chat.send("yes")
    [offering] = offerings(services)
    assert (offering.kind, offering.platform, offering.meet_url, offering.min_notice_minutes) == \
        ("one_to_one", "google_meet", MEET, 120)


def test_start_over_from_the_summary_clears_the_draft(chat, services):
    create_until_platform(chat)
    chat.send("meet")
    chat.send(MEET)
    chat.send(HOURS)
    assert msg.SESSION_SUMMARY.split("\n")[0] in notice(chat, "2")
    assert msg.SESSION_ASK_KIND.format(options=render_options("new_kind")) in chat.send("start over")
    assert offerings(services) == []


def test_switching_from_group_to_one_to_one_keeps_one_place(chat, services):
    chat.send("create session")
    chat.send("group")
    assert msg.SESSION_ASK_KIND.split("\n")[0] in chat.send("back")
    chat.send("1:1")
    chat.send("Check-in")
    chat.send("30")
    chat.send("500")
    chat.send("in person")
    chat.send("Cafe Nero, High Street")
    assert msg.SESSION_ASK_NOTICE in chat.send("Tue 18-20")  # no capacity question for 1:1
    assert msg.SESSION_FIELD_CAPACITY.split(":")[0] not in notice(chat, "2")
    chat.send("save")
    assert offerings(services)[0].capacity == 1


# -- Zoom -----------------------------------------------------------------------------------------------------------

def zoom_needed(kind="new"):
    options = zoom_options("new_platform_needed")
    template = zoom_text(msg.SESSION_PLATFORM_NEEDED) if kind == "new" else zoom_text(msg.SESSION_PLATFORM_NEEDED_BROKEN)
    return template.format(options=options)


def test_zoom_not_connected_connect_now_and_continue(chat, client, services, fake_zoom):
    assert msg.SESSION_ASK_PLATFORM.split("\n")[0] in create_until_platform(chat)
    assert zoom_needed() in chat.send("zoom")
    reply = chat.send("done")  # too early
    assert zoom_text(msg.SESSION_PLATFORM_STILL_MISSING) in reply and zoom_needed() in reply
    reply = chat.send("1")
    assert zoom_text(msg.PLATFORM_LINK).split("{link}")[0] in reply and zoom_text(msg.SESSION_PLATFORM_LINK_NEXT) in reply
    page, _ = click_through(client, link_in(reply))
    assert page.status_code == 200
    assert zoom_text(msg.PLATFORM_CONNECTED_CHAT, platform="Zoom", email=fake_zoom.user.email) in "\n".join(
        chat.new_replies())
    assert msg.SESSION_ASK_AVAILABILITY.format(timezone="Asia/Kolkata") in chat.send("done")
    chat.send(HOURS)
    reply = notice(chat, "2")
    assert msg.SESSION_FIELD_WHERE.format(where=zoom_text(msg.SESSION_WHERE_PLATFORM)) in reply
    assert zoom_text(msg.SESSION_PLATFORM_WARNING) not in reply
    reply = chat.send("yes")
    assert msg.SESSION_CREATED.format(name="Career coaching") in reply and zoom_text(msg.SESSION_PLATFORM_WARNING) not in reply
    [offering] = offerings(services)
    assert (offering.mode, offering.platform, offering.meet_url) == ("online", "zoom", None)


def test_zoom_already_connected_goes_straight_on(chat, client, services):
    reply = chat.send("connect zoom")
    click_through(client, link_in(reply))
    chat.send("menu")
    create_until_platform(chat)
    assert msg.SESSION_ASK_AVAILABILITY.format(timezone="Asia/Kolkata") in chat.send("1")


def test_zoom_needed_can_switch_to_google_meet(chat):
    create_until_platform(chat)
    chat.send("zoom")
    assert msg.SESSION_ASK_MEET_URL in chat.send("3")
    assert msg.SESSION_ASK_PLATFORM.split("\n")[0] in chat.send("back")
    assert zoom_needed() in chat.send("zoom")


def test_plan_without_zoom_offers_meet_or_in_person(services, whatsapp):
    make_provider(services, plan="free", country="IN")
    chat = whatsapp(PROVIDER)
    chat.send("hi")
    create_until_platform(chat)
    reply = chat.send("zoom")
    alternatives = msg.SESSION_PLATFORM_ALTERNATIVES.format(options="\n".join((
        msg.OPTION_LINE.format(number=1, label=msg.OPT_PLATFORM_MEET),
        msg.OPTION_LINE.format(number=2, label=msg.OPT_MODE_IN_PERSON))))  # numbered from 1 as shown
    assert zoom_text(msg.PLATFORM_NEEDS_PLAN, support_email=services.config.support_email) in reply
    assert alternatives in reply and zoom_text(msg.OPT_SEND_PLATFORM_LINK) not in reply
    reply = chat.send("link")  # a connect link is no use on this plan: the same explanation, no link
    assert zoom_text(msg.PLATFORM_NEEDS_PLAN, support_email=services.config.support_email) in reply
    assert zoom_text(msg.PLATFORM_LINK).split("{link}")[0] not in reply
    assert zoom_text(msg.PLATFORM_NEEDS_PLAN, support_email=services.config.support_email) in chat.send("done")
    reply = chat.send("3")  # only two were shown
    assert msg.NOT_UNDERSTOOD.format(text="3") in reply and alternatives.split("\n", 1)[1] in reply
    assert msg.SESSION_ASK_MEET_URL in chat.send("1")
    chat.send("back")
    chat.send("zoom")
    assert msg.SESSION_ASK_ADDRESS in chat.send("2")


def test_server_without_zoom_offers_meet_or_in_person(chat, services, monkeypatch):
    monkeypatch.setattr(services, "video", VideoProviderRegistry(ZOOM))  # the operator did not set Zoom up
    create_until_platform(chat)
    reply = chat.send("zoom")
    assert zoom_text(msg.PLATFORM_NOT_CONFIGURED, support_email=services.config.support_email) in reply
    assert zoom_text(msg.OPT_SEND_PLATFORM_LINK) not in reply and msg.OPT_PLATFORM_MEET in reply
    assert zoom_text(msg.PLATFORM_NOT_CONFIGURED, support_email=services.config.support_email) in chat.send("link")
    assert msg.SESSION_ASK_MEET_URL in chat.send("1")


def test_a_group_zoom_session_says_its_attendees_share_one_meeting_per_time(chat, client, services):
    click_through(client, link_in(chat.send("connect zoom")))
    chat.send("menu")
    create_until_platform(chat, kind="2", name="Yoga class")
    chat.send("zoom")
    chat.send(HOURS)
    chat.send("12")  # places
    reply = notice(chat, "2")  # notice: the summary
    assert msg.SESSION_FIELD_WHERE.format(where=zoom_text(msg.SESSION_WHERE_PLATFORM_GROUP)) in reply
    assert zoom_text(msg.SESSION_WHERE_PLATFORM) not in reply


def test_broken_connection_is_named_and_shown_as_warning_in_the_summary(chat, client, services):
    click_through(client, link_in(chat.send("connect zoom")))
    chat.send("menu")
    create_until_platform(chat)
    chat.send("zoom")
    chat.send(HOURS)
    with unit_of_work(services.sessions) as session:
        session.scalars(select(VideoConnection)).one().status = "broken"
    reply = notice(chat, "2")
    assert msg.SESSION_SUMMARY.split("\n")[0] in reply and zoom_text(msg.SESSION_PLATFORM_WARNING) in reply
    for _ in range(4):  # summary -> description -> notice -> availability -> the platform (Zoom was the step before)
        reply = chat.send("back")
    assert msg.SESSION_ASK_PLATFORM.format(options=zoom_options("new_platform")) in reply
    assert zoom_needed("broken") in chat.send("zoom")


def test_disconnect_puts_a_reconnect_warning_on_zoom_sessions(chat, client, services):
    click_through(client, link_in(chat.send("connect zoom")))
    chat.send("menu")
    create_until_platform(chat)
    chat.send("zoom")
    chat.send(HOURS)
    notice(chat, "2")
    chat.send("yes")
    create_until_platform(chat, name="Quick question", duration="15", price="free")
    chat.send("meet")
    chat.send(MEET)
    chat.send(HOURS)
    notice(chat, "0.5")
    chat.send("yes")
    reply = chat.send("my sessions")
    assert zoom_text(msg.SESSION_PLATFORM_WARNING) not in reply and zoom_text(msg.SESSION_LIST_PLATFORM_MARK) not in reply
    chat.send("disconnect zoom")
    assert zoom_text(msg.PLATFORM_DISCONNECTED) in chat.send("yes")
    reply = chat.send("my sessions")
    first = msg.SESSION_LIST_LINE.format(number=1, name="Career coaching", kind=msg.SESSION_KIND_ONE,
                                         duration="1 h 30 min", price=inr(1500), status=msg.SESSION_STATUS_ACTIVE)
    second = msg.SESSION_LIST_LINE.format(number=2, name="Quick question", kind=msg.SESSION_KIND_ONE,
                                          duration="15 min", price=money.FREE, status=msg.SESSION_STATUS_ACTIVE)
    assert msg.SESSION_LIST.format(lines=f"{first}{zoom_text(msg.SESSION_LIST_PLATFORM_MARK)}\n{second}") in reply
    assert zoom_text(msg.SESSION_PLATFORM_WARNING) in reply
    assert zoom_text(msg.SESSION_PLATFORM_WARNING) in chat.send("1")
    chat.send("back")
    assert zoom_text(msg.SESSION_PLATFORM_WARNING) not in chat.send("2")


def test_trial_end_warns_on_zoom_sessions(chat, client, services, clock):
    click_through(client, link_in(chat.send("connect zoom")))
    chat.send("menu")
    create_until_platform(chat)
    chat.send("zoom")
    chat.send(HOURS)
    notice(chat, "2")
    chat.send("yes")
    clock.advance(days=15)
    reply = chat.send("my sessions")
    assert zoom_text(msg.SESSION_PLATFORM_WARNING_PLAN, support_email=services.config.support_email) in reply


def test_zoom_warning_helper(services):
    pid = make_provider(services, country="IN")
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        provider = session.get(Provider, pid)
        assert session_fields.platform_warning(services, session, provider, "google_meet", now, meet_url=MEET) is None
        assert session_fields.platform_warning(services, session, provider, None, now) is None
        assert (session_fields.platform_warning(services, session, provider, "zoom", now)
                == zoom_text(msg.SESSION_PLATFORM_WARNING))


# -- my sessions: list, pause/resume, edit, share -------------------------------------------------------------------

def seed_session(services, *, kind="one_to_one", capacity=1, name="Career coaching", hours=HOURS, duration=60,
                 notice=0, platform="google_meet") -> int:
    return make_offering(services, kind=kind, capacity=capacity, name=name, duration=duration, notice=notice,
                         platform=platform, meet_url=MEET if platform == "google_meet" else None,
                         windows=availability.parse_availability(hours).windows)


def detail(services, offering_id: int) -> str:
    with unit_of_work(services.sessions) as session:
        o = session.get(Offering, offering_id)
        lines = [f"*{o.name}*",
                 msg.SESSION_FIELD_KIND.format(kind=msg.SESSION_KIND_GROUP if o.kind == "group"
                                               else msg.SESSION_KIND_ONE),
                 msg.SESSION_FIELD_DURATION.format(duration=sessions_text.format_duration(o.duration_minutes)),
                 msg.SESSION_FIELD_PRICE.format(price=money.format_price(o.price_minor, o.currency, "IN")),
                 msg.SESSION_FIELD_WHERE.format(where=msg.SESSION_WHERE_MEET.format(url=o.meet_url)),
                 msg.SESSION_FIELD_AVAILABILITY.format(
                     availability=availability.format_availability(availability.from_json(o.availability)),
                     timezone="Asia/Kolkata")]
        if o.kind == "group":
            lines.append(msg.SESSION_FIELD_CAPACITY.format(capacity=o.capacity))
        lines += [msg.SESSION_FIELD_NOTICE.format(notice=sessions_text.format_notice(o.min_notice_minutes)),
                  msg.SESSION_FIELD_STATUS.format(status=msg.SESSION_STATUS_PAUSED if o.status == "paused"
                                                  else msg.SESSION_STATUS_ACTIVE)]
        shown = None if o.kind == "group" else ONE_TO_ONE_OPTIONS  # a 1:1 session is not offered the capacity
        return msg.SESSION_DETAIL.format(details="\n".join(lines), options=render_options("session_detail", None, shown))


def test_no_sessions_yet(chat):
    assert msg.SESSION_LIST_EMPTY in chat.send("my sessions")
    assert msg.SESSION_LIST_EMPTY in chat.send("1")
    assert msg.SESSION_ASK_KIND.split("\n")[0] in chat.send("create session")


def test_list_open_pause_and_resume(chat, services):
    first = seed_session(services)
    seed_session(services, name="Group class", kind="group", capacity=8)
    reply = chat.send("3")  # provider menu: my sessions
    assert msg.SESSION_LIST.format(lines="\n".join([
        msg.SESSION_LIST_LINE.format(number=1, name="Career coaching", kind=msg.SESSION_KIND_ONE, duration="1 h",
                                     price=inr(1500), status=msg.SESSION_STATUS_ACTIVE),
        msg.SESSION_LIST_LINE.format(number=2, name="Group class", kind=msg.SESSION_KIND_GROUP, duration="1 h",
                                     price=inr(1500), status=msg.SESSION_STATUS_ACTIVE)])) in reply
    for bad in ("3", "zero", "first"):
        assert msg.SESSION_PICK_REJECTED.format(count=2) in chat.send(bad)
    assert detail(services, first) in chat.send("1")
    reply = chat.send("pause")
    assert msg.SESSION_PAUSED.format(name="Career coaching") in reply
    assert detail(services, first) in reply and msg.SESSION_STATUS_PAUSED in reply
    assert offerings(services)[0].status == "paused"
    assert msg.SESSION_STATUS_PAUSED in chat.send("back").split("\n")[1]
    chat.send("1")
    assert msg.SESSION_RESUMED.format(name="Career coaching") in chat.send("1")
    assert offerings(services)[0].status == "active"
    assert msg.NOT_UNDERSTOOD.format(text="duplicate") in chat.send("duplicate")
    assert msg.SESSION_ALREADY_ACTIVE.format(name="Career coaching") in chat.send("resume")
    assert msg.SESSION_PAUSED.format(name="Career coaching") in chat.send("pause")
    assert msg.SESSION_ALREADY_PAUSED.format(name="Career coaching") in chat.send("pause")
    assert offerings(services)[0].status == "paused"


def test_edit_name_price_duration_availability_notice(chat, services):
    offering_id = seed_session(services, hours="Mon 10:00-12:00")
    chat.send("my sessions")
    chat.send("1")
    reply = chat.send("name")
    assert msg.SESSION_EDIT_CURRENT.format(current="Career coaching") in reply and msg.SESSION_ASK_NAME in reply
    assert msg.SESSION_BAD_NAME in chat.send("!")
    reply = chat.send("Career coaching (online)")
    assert msg.SESSION_UPDATED in reply and detail(services, offering_id) in reply
    assert "Career coaching (online)" in detail(services, offering_id)

    assert msg.SESSION_EDIT_CURRENT.format(current=inr(1500)) in chat.send("3")
    assert msg.SESSION_BAD_PRICE.format(text="$20", currency="INR", maximum=inr(1_000_000)) not in \
        chat.send("20 euros")
    assert msg.SESSION_UPDATED in chat.send("2000")
    assert offerings(services)[0].price_minor == 200000

    assert msg.SESSION_EDIT_CURRENT.format(current="1 h") in chat.send("duration")
    assert msg.SESSION_BAD_DURATION.format(text="long") in chat.send("long")
    assert msg.SESSION_DURATION_TOO_LONG.format(duration="3 h", availability="Mon 10:00-12:00") in chat.send("3h")
    assert msg.SESSION_UPDATED in chat.send("2h")
    assert offerings(services)[0].duration_minutes == 120

    assert msg.SESSION_EDIT_CURRENT.format(current="Mon 10:00-12:00") in chat.send("availability")
    assert msg.SESSION_AVAILABILITY_TOO_SHORT.format(availability="Tue 10:00-11:00", duration="2 h") in \
        chat.send("Tue 10-11")
    assert msg.SESSION_AVAILABILITY_AGAIN in chat.send("Mon 25:00-26:00")
    assert msg.SESSION_UPDATED in chat.send("weekdays 9-5pm")
    assert offerings(services)[0].availability == availability.to_json(
        availability.parse_availability("Mon-Fri 09:00-17:00").windows)

    assert msg.SESSION_EDIT_CURRENT.format(current=msg.SESSION_NOTICE_NONE) in chat.send("notice")
    assert msg.SESSION_BAD_NOTICE.format(text="31 days") in chat.send("31 days")
    chat.send("back")  # leaves the edit without changing anything
    assert offerings(services)[0].min_notice_minutes == 0
    chat.send("notice")
    assert msg.SESSION_UPDATED in chat.send("24")
    assert offerings(services)[0].min_notice_minutes == 1440


def test_capacity_only_for_groups_and_never_below_places_booked(chat, services, clock):
    one = seed_session(services)
    group = seed_session(services, name="Group class", kind="group", capacity=5, hours="daily 00:00-24:00")
    chat.send("my sessions")
    chat.send("1")
    reply = chat.send("capacity")
    assert msg.SESSION_CAPACITY_ONE_TO_ONE in reply
    assert msg.SESSION_UPDATED not in chat.send("1")  # still on the session: "1" is pause/resume
    chat.send("1")  # resume again
    chat.send("back")
    chat.send("2")
    # three customers take places in one occurrence (a fourth booked then cancelled doesn't count)
    with unit_of_work(services.sessions) as session:
        offering = session.get(Offering, group)
        start = bookings.free_slots(session, offering, clock())[0]
        for i in range(4):
            customer = repos.get_or_create_contact(session, f"+4477009001{i:02d}", clock())
            booking = bookings.book(session, offering=offering, customer=customer, start=start, name=f"C{i}",
                                    email=f"c{i}@example.test", timezone="Europe/London", now=clock())
        bookings.cancel(session, booking, by="customer", now=clock())
    assert msg.SESSION_EDIT_CURRENT.format(current="5") in chat.send("7")
    assert msg.SESSION_BAD_CAPACITY in chat.send("1")
    reply = chat.send("2")
    assert msg.SESSION_CAPACITY_BELOW_BOOKED.format(booked=3, when=slots.format_slot(start, "Asia/Kolkata")) in reply
    assert detail(services, group) in reply  # said once, back at the session's options
    assert offerings(services)[1].capacity == 5
    chat.send("capacity")
    assert msg.SESSION_UPDATED in chat.send("3")
    assert offerings(services)[1].capacity == 3
    # once that occurrence is over, its bookings no longer hold the capacity up
    clock.advance(hours=3)
    chat.send("capacity")
    assert msg.SESSION_UPDATED in chat.send("2")
    assert [o.capacity for o in offerings(services)] == [1, 2]
    assert one


def test_share_link_from_menu_and_from_a_session(chat, services):
    assert share_text(services) in chat.send("share link")
    chat.send("menu")
    assert share_text(services) in chat.send("5")
    seed_session(services)
    chat.send("my sessions")
    chat.send("1")
    assert share_text(services) in chat.send("8")  # a 1:1 session: numbered as shown, without the capacity
    assert msg.SESSION_PAUSED.format(name="Career coaching") in chat.send("1")  # still on the session


def test_share_link_comes_with_its_qr_code_image(chat, services, fake_twilio, client):
    chat.send("share link")
    sent = fake_twilio.fake.messages[-1]
    code = booking_code(services)
    assert sent["media_urls"] == [f"{services.config.public_base_url}/share/{code}.png"]
    assert client.get(f"/share/{code}.png").mimetype == "image/png"


def test_without_a_bot_number_the_link_opens_the_twilio_sandbox(chat, services, monkeypatch):
    """Development with no TWILIO_WHATSAPP_FROM: still a link (to Twilio's sandbox number), never a bare code."""
    monkeypatch.setattr(services, "config", dataclasses.replace(services.config, twilio_whatsapp_from=""))
    code = booking_code(services)
    assert msg.SHARE_LINK.format(code=code, link=f"https://wa.me/14155238886?text=book%20{code}") \
        in chat.send("share link")


@pytest.mark.parametrize("command", ["my sessions", "create session", "share link"])
def test_customers_are_pointed_to_sign_up(whatsapp, command):
    customer = whatsapp(CUSTOMER)
    customer.send("hi")
    assert msg.SESSION_PROVIDERS_ONLY in customer.send(command)


# -- change where it happens ----------------------------------------------------------------------------------------

def where_detail(chat) -> str:
    chat.send("my sessions")
    chat.send("1")
    return chat.send(msg.OPT_EDIT_WHERE)


def test_after_disconnecting_zoom_a_session_can_move_to_meet_in_person_and_back(chat, client, services, fake_zoom):
    click_through(client, link_in(chat.send("connect zoom")))
    chat.send("menu")
    offering_id = seed_session(services, platform="zoom")
    chat.send("disconnect zoom")
    assert "switch the session to Google Meet" in chat.send("yes")
    reply = where_detail(chat)
    assert msg.SESSION_EDIT_CURRENT.format(current=zoom_text(msg.SESSION_WHERE_PLATFORM)) in reply
    assert where_question() in reply
    reply = chat.send("zoom")  # not connected any more: said, with the link to connect it
    assert zoom_text(msg.SESSION_WHERE_PLATFORM_NOT_CONNECTED) in reply and zoom_text(msg.PLATFORM_LINK).split("{link}")[0] in reply
    assert offerings(services)[0].platform == "zoom"
    reply = chat.send("https://zoom.us/j/123456")
    assert msg.SESSION_WHERE_UNCLEAR.format(text="https://zoom.us/j/123456") in reply
    assert where_question() in reply
    assert msg.SESSION_BAD_MEET_URL in chat.send("meet.google.com/nope")
    reply = chat.send(MEET + "?authuser=0")
    assert msg.SESSION_UPDATED in reply and detail(services, offering_id) in reply
    assert zoom_text(msg.SESSION_PLATFORM_WARNING) not in reply  # a Meet session needs no Zoom
    [o] = offerings(services)
    assert (o.mode, o.platform, o.meet_url, o.address) == ("online", "google_meet", MEET, None)

    reply = chat.send("where")
    assert msg.SESSION_EDIT_CURRENT.format(current=msg.SESSION_WHERE_MEET.format(url=MEET)) in reply
    reply = chat.send("in person")  # no address
    assert msg.SESSION_BAD_ADDRESS in reply and where_question() in reply
    reply = chat.send("In person, 12 MG Road, Bengaluru")
    assert msg.SESSION_UPDATED in reply
    assert msg.SESSION_FIELD_WHERE.format(
        where=msg.SESSION_WHERE_ADDRESS.format(address="12 MG Road, Bengaluru")) in reply
    [o] = offerings(services)
    assert (o.mode, o.platform, o.meet_url, o.address) == ("in_person", None, None, "12 MG Road, Bengaluru")

    chat.send("where")
    link = link_in(chat.send("zoom"))
    click_through(client, link)  # Zoom connected again: now "zoom" is taken
    chat.new_replies()
    reply = chat.send("zoom")
    assert msg.SESSION_UPDATED in reply and zoom_text(msg.SESSION_PLATFORM_WARNING) not in reply
    [o] = offerings(services)
    assert (o.mode, o.platform, o.meet_url, o.address) == ("online", "zoom", None, None)


def test_change_where_to_zoom_needs_the_plan(services, whatsapp):
    make_provider(services, plan="free", country="IN")
    chat = whatsapp(PROVIDER)
    chat.send("hi")
    seed_session(services)
    chat.send("my sessions")
    chat.send("1")
    chat.send("where")
    reply = chat.send("zoom")
    assert zoom_text(msg.PLATFORM_NEEDS_PLAN, support_email=services.config.support_email) in reply
    assert msg.SESSION_WHERE_PLATFORM_ALTERNATIVES in reply and zoom_text(msg.PLATFORM_LINK).split("{link}")[0] not in reply
    assert offerings(services)[0].platform == "google_meet"
    assert msg.SESSION_UPDATED in chat.send("in person Studio 4, Park Street")
    assert offerings(services)[0].address == "Studio 4, Park Street"


def test_back_leaves_the_where_edit_unchanged(chat, services):
    offering_id = seed_session(services)
    where_detail(chat)
    assert detail(services, offering_id) in chat.send("back")
    assert offerings(services)[0].meet_url == MEET


def test_new_bookings_get_the_new_place(chat, services, whatsapp):
    seed_session(services, hours="daily 10:00-12:00")
    where_detail(chat)
    chat.send("in person, 12 MG Road, Bengaluru")
    customer = whatsapp(CUSTOMER)
    customer.send(f"book {booking_code(services)}")
    customer.send("1")
    customer.send("yes")  # the time zone guessed from the number
    customer.send("1")
    customer.send("1")
    customer.send("Ravi Kumar")
    customer.send("ravi@example.com")
    reply = customer.send("yes")
    assert msg.BOOK_CONFIRMED_ADDRESS.format(address="12 MG Road, Bengaluru") in reply
    assert MEET not in reply


def test_the_place_of_a_session_with_upcoming_bookings_does_not_change(chat, services):
    from bot.services import bookings as booking_service
    from store import repos
    from store.db import unit_of_work

    offering_id = seed_session(services)
    with unit_of_work(services.sessions) as session:
        offering = session.get(Offering, offering_id)
        customer = repos.get_or_create_contact(session, "+447700900111", services.clock())
        start = booking_service.free_slots(session, offering, services.clock())[0]
        booking_service.book(session, offering=offering, customer=customer, start=start, name="Priya",
                             email="priya@example.com", timezone="Europe/London", now=services.clock())
    reply = where_detail(chat)
    assert msg.SESSION_WHERE_HAS_BOOKINGS.format(count=1) in reply and where_question() not in reply
    assert detail(services, offering_id) in reply  # said once, back at the session's options
    reply = chat.send("2")  # the options work again: "2" is the name
    assert msg.SESSION_WHERE_HAS_BOOKINGS.format(count=1) not in reply and msg.SESSION_ASK_NAME in reply
    assert offerings(services)[0].mode == "online"
