"""Google Meet by chat, end to end through the signed webhook (Google set up beside Zoom, the strict fake Google
over HTTP): a session created on "Google Meet (a link per booking)", two customers booking it (different Meet
links, in chat and by email), a customer moving their booking (the event moved, the same link) and another
cancelling (the event deleted), the provider disconnecting (revoked at Google, the data deleted); the "connect it
first" step for Google; where a session happens switched between Zoom, Google Meet per booking, a Meet link of the
provider's own and in person; a broken refresh token; and busy times read by the worker, never while answering."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from bot.core import messages as msg
from bot.core import slots
from bot.dialogue.intents import render_options
from bot.services import calendars
from bot.worker import tasks
from store.models import Booking, BusyTimes, Meeting, Offering, VideoConnection
from tests.fixtures.builders import (
    load_all,CUSTOMER_IN, MORNINGS, OTHER_CUSTOMER_IN, PROVIDER_TZ, code_of, load,
    make_offering,
)
from tests.fixtures.chat import book, has, walk
from tests.fixtures.google_connect import MEET_LINK, click_google, google_link_in
from tests.fixtures.texts import GOOGLE_WORDS, ZOOM_WORDS, google_text, where_question, zoom_text
from tests.fixtures.zoom_connect import click_through, link_in

HOURS = "Mon-Sun 10:00-12:00"
MEET = "https://meet.google.com/abc-defg-hij"
WED_10 = datetime(2025, 4, 2, 4, 30, tzinfo=timezone.utc)  # Wed 2 Apr, 10:00 in Asia/Kolkata (the provider's)
BOTH = (ZOOM_WORDS, GOOGLE_WORDS)  # the platforms offered, in the bootstrap's order


@pytest.fixture
def config(config, google_settings):
    """The app of these tests has Google set up (beside Zoom), pointed at the fake Google."""
    return dataclasses.replace(config, platforms={**config.platforms, "google_meet": google_settings})


def offerings(services) -> list[Offering]:
    return load_all(services, Offering)


def rows(services, model) -> list:
    return load_all(services, model)


def until_platform(chat) -> str:
    """"create session" up to "Which video platform?" (a 1:1 of 1 h at 1,500); its reply."""
    chat.send("create session")
    chat.send("1:1")
    chat.send("Career coaching")
    chat.send("1 h")
    chat.send("1500")
    return chat.send("online")


def finish(chat, reply_to_platform: str | None = None) -> str:
    """From the weekly hours to the saved session; the summary."""
    assert msg.SESSION_ASK_AVAILABILITY.format(timezone=PROVIDER_TZ) in (reply_to_platform or "")
    chat.send(HOURS)
    chat.send("0")  # notice
    summary = chat.send("skip")  # description
    assert msg.SESSION_CREATED.format(name="Career coaching") in chat.send("yes")
    return summary


def meet_links(chat) -> list[str]:
    """The Meet links in everything the bot sent this person, in order (each once)."""
    return list(dict.fromkeys(MEET_LINK.findall("\n".join(chat.twilio.fake.bodies_to(chat.address)))))


# -- creating, booking, moving, cancelling, disconnecting ------------------------------------------------------------

def test_a_google_meet_session_by_chat_from_creation_to_disconnect(google_provider, services, whatsapp, fake_google,
                                                                   smtp_server):
    provider = google_provider
    reply = until_platform(provider)
    assert msg.SESSION_ASK_PLATFORM.format(options=render_options("new_platform", ZOOM_WORDS, None, BOTH)) in reply
    assert google_text(msg.OPT_PLATFORM_MEETINGS) in reply and msg.OPT_PLATFORM_MEET in reply
    summary = finish(provider, provider.send("2"))  # Google Meet, a link per booking: connected, straight on
    assert msg.SESSION_FIELD_WHERE.format(where=google_text(msg.SESSION_WHERE_PLATFORM)) in summary
    assert google_text(msg.SESSION_PLATFORM_WARNING) not in summary
    [offering] = offerings(services)
    assert (offering.mode, offering.platform, offering.meet_url) == ("online", "google_meet", None)
    code = code_of(services, provider.id)

    # two customers book by chat: each gets a Meet link of their own, in chat and by email
    first, second = whatsapp(CUSTOMER_IN), whatsapp(OTHER_CUSTOMER_IN)
    assert google_text(msg.BOOK_CONFIRMED_PLATFORM) in book(first, code)["confirmed"]
    book(second, code, email="meera@example.com", profile="Meera")
    [link_one], [link_two] = meet_links(first), meet_links(second)
    assert link_one != link_two
    events = {e["hangoutLink"]: e for e in fake_google.fake.events_of(fake_google.user)}
    assert set(events) == {link_one, link_two}
    assert all("attendees" not in e for e in events.values()), "our own email invites the customer"
    mails = {m["To"]: m for m in smtp_server.wait_for(2)}
    assert link_one in mails["ravi@example.com"].get_body(("plain",)).get_content()
    assert link_two in mails["meera@example.com"].get_body(("plain",)).get_content()

    # the first customer moves their booking by chat: the event moves at Google, the link stays
    [booking_one] = [b for b in rows(services, Booking) if b.customer_email == "ravi@example.com"]
    first.send("my bookings")
    first.send("1")
    first.send("reschedule")
    first.send("1")  # Thu 3 Apr (Wednesday is full: 10:00 is this booking's own, 11:00 Meera's)
    first.send("1")  # 10:00
    moved = first.send("yes")
    assert google_text(msg.BOOK_MOVED_SAME_LINK) in moved
    new_start = load(services, Booking, booking_one.id).start_at
    assert new_start == WED_10 + timedelta(days=1)
    event = events[link_one]
    [after] = [e for e in fake_google.fake.events_of(fake_google.user) if e["id"] == event["id"]]
    assert after["start"]["dateTime"] == new_start.strftime("%Y-%m-%dT%H:%M:%SZ") and after["hangoutLink"] == link_one
    assert meet_links(first) == [link_one]

    # the second customer cancels by chat: the event is deleted at Google
    second.send("my bookings")
    second.send("1")
    second.send("cancel")
    second.send("skip")
    assert has(msg.MB_CANCELLED, second.send("yes"))
    assert [e["hangoutLink"] for e in fake_google.fake.events_of(fake_google.user)] == [link_one]
    assert [e["status"] for e in fake_google.fake.events_of(fake_google.user, include_deleted=True)
            if e["id"] == events[link_two]["id"]] == ["cancelled"]

    # the provider disconnects by chat: revoked at Google, tokens, email and busy times deleted at once
    assert rows(services, BusyTimes), "the worker read her busy times while customers booked"
    provider.send("disconnect google")
    assert google_text(msg.PLATFORM_DISCONNECTED) in provider.send("yes")
    assert all(grant.revoked for grant in fake_google.fake.grants.values())
    assert rows(services, VideoConnection) == [] and rows(services, BusyTimes) == []


def test_google_not_connected_is_connected_on_the_spot(provider_chat, provider_id, client, services, fake_google):
    chat = provider_chat
    until_platform(chat)
    needed = chat.send("google meet")  # the platform's name picks it (with Google set up)
    options = render_options("new_platform_needed")
    assert google_text(msg.SESSION_PLATFORM_NEEDED, options=options) in needed
    reply = chat.send("done")  # too early
    assert google_text(msg.SESSION_PLATFORM_STILL_MISSING) in reply
    reply = chat.send("connect google")  # the global command, for the platform being waited for: stays here
    assert google_text(msg.SESSION_PLATFORM_LINK_NEXT) in reply
    click_google(client, google_link_in(reply))
    assert google_text(msg.PLATFORM_CONNECTED_CHAT, email=fake_google.user.email) in "\n".join(chat.new_replies())
    summary = finish(chat, chat.send("done"))
    assert msg.SESSION_FIELD_WHERE.format(where=google_text(msg.SESSION_WHERE_PLATFORM)) in summary
    assert [(o.platform, o.meet_url) for o in offerings(services)] == [("google_meet", None)]


def test_the_link_step_sends_the_link_of_the_platform_picked(provider_chat, client, services, fake_google, fake_zoom):
    chat = provider_chat
    until_platform(chat)
    chat.send("2")  # Google Meet, a link per booking
    reply = chat.send("1")  # send me a link
    assert google_link_in(reply) and google_text(msg.SESSION_PLATFORM_LINK_NEXT) in reply
    assert msg.SESSION_ASK_PLATFORM.split("\n")[0] in chat.send("back")
    reply = chat.send("1")  # Zoom this time
    assert zoom_text(msg.SESSION_PLATFORM_NEEDED, options=render_options("new_platform_needed")) in reply
    assert link_in(chat.send("1"))
    assert msg.SESSION_ASK_MEET_URL in chat.send("3")  # or the provider's own Meet link


def test_own_meet_link_is_still_offered_beside_google(google_provider, services):
    chat = google_provider
    until_platform(chat)
    assert msg.SESSION_ASK_MEET_URL in chat.send("my own link")
    summary = finish(chat, chat.send(MEET))
    assert msg.SESSION_FIELD_WHERE.format(where=msg.SESSION_WHERE_MEET.format(url=MEET)) in summary
    assert [(o.platform, o.meet_url) for o in offerings(services)] == [("google_meet", MEET)]


def test_where_a_session_happens_moves_between_every_platform(google_provider, client, services, whatsapp,
                                                              fake_zoom):
    chat = google_provider
    offering_id = make_offering(services, chat.id, platform="zoom", windows=MORNINGS)
    chat.send("my sessions")
    chat.send("1")
    reply = chat.send(msg.OPT_EDIT_WHERE)
    assert where_question(*BOTH) in reply
    reply = chat.send("zoom")  # Zoom is not connected: said, with its link
    assert zoom_text(msg.SESSION_WHERE_PLATFORM_NOT_CONNECTED) in reply and link_in(reply)
    assert msg.SESSION_UPDATED in chat.send("google")  # Google Meet, a link per booking
    assert (load(services, Offering, offering_id).platform, load(services, Offering, offering_id).meet_url) == \
        ("google_meet", None)
    chat.send("where")
    assert msg.SESSION_UPDATED in chat.send(MEET)  # the provider's own link
    assert load(services, Offering, offering_id).meet_url == MEET
    chat.send("where")
    assert msg.SESSION_UPDATED in chat.send("in person, 12 MG Road, Bengaluru")
    assert load(services, Offering, offering_id).mode == "in_person"
    chat.send("where")
    click_through(client, link_in(chat.send("zoom")))  # Zoom connected now
    chat.new_replies()
    assert msg.SESSION_UPDATED in chat.send("zoom")
    assert load(services, Offering, offering_id).platform == "zoom"
    chat.send("where")
    reply = chat.send("google meet")
    assert msg.SESSION_UPDATED in reply
    assert msg.SESSION_FIELD_WHERE.format(where=google_text(msg.SESSION_WHERE_PLATFORM)) in reply

    book(whatsapp(CUSTOMER_IN), code_of(services, chat.id))  # a booking: the place is kept, said once
    chat.send("menu")
    chat.send("my sessions")
    chat.send("1")
    reply = chat.send(msg.OPT_EDIT_WHERE)
    assert msg.SESSION_WHERE_HAS_BOOKINGS.format(count=1) in reply and where_question(*BOTH) not in reply
    assert load(services, Offering, offering_id).platform == "google_meet"


# -- a broken refresh token -----------------------------------------------------------------------------------------

def test_a_revoked_google_grant_is_found_broken_and_reconnected_by_chat(google_provider, services, whatsapp,
                                                                       fake_google, client, clock):
    provider = google_provider
    make_offering(services, provider.id, platform="google_meet", windows=MORNINGS)
    fake_google.fake.revoke_user(fake_google.user)  # the provider removed our access at Google
    clock.advance(hours=2)  # the access token has expired: the next refresh meets invalid_grant
    customer = whatsapp(CUSTOMER_IN)
    confirmed = book(customer, code_of(services, provider.id))["confirmed"]
    told = "\n".join(provider.new_replies())
    assert google_text(msg.PLATFORM_BROKEN).split("{link}")[0] in told
    assert google_text(msg.BOOK_CONFIRMED_PLATFORM_DELAYED) in confirmed
    assert [c.status for c in rows(services, VideoConnection)] == ["broken"]
    assert google_text(msg.INTEGRATIONS_BROKEN, email=fake_google.user.email) in provider.send("connect google")
    provider.send("menu")

    # the reconnect link in the warning works; the customer's Meet link follows
    click_google(client, google_link_in(told))
    assert [c.status for c in rows(services, VideoConnection)] == ["connected"]
    tasks.sweep(services)
    [meeting] = rows(services, Meeting)
    assert meeting.status == "ready" and meet_links(customer) == [meeting.join_url]


# -- busy times: read by the worker, never while answering ------------------------------------------------------

class WorkerLater:
    """The task queue with the busy-times job recorded instead of run, as when the worker takes it later."""

    def __init__(self, queue) -> None:
        self.queue, self.asked = queue, []

    def busy_times(self, provider_id: int, watch: bool = True) -> None:
        self.asked.append((provider_id, watch))

    def __getattr__(self, name):
        return getattr(self.queue, name)


def freebusy_calls(fake_google) -> int:
    return fake_google.fake.requests_log.count(("POST", "/calendar/v3/freeBusy"))


def test_listing_slots_reads_busy_times_the_worker_stored(google_provider, services, whatsapp, fake_google, clock,
                                                          monkeypatch):
    provider_id = google_provider.id
    make_offering(services, provider_id, platform="google_meet", windows=MORNINGS)
    worker = WorkerLater(services.queue)
    monkeypatch.setattr(services, "queue", worker)
    fake_google.fake.set_busy(fake_google.user, [(WED_10, WED_10 + timedelta(hours=1))])
    code = code_of(services, provider_id)
    chat = whatsapp(CUSTOMER_IN)
    before = freebusy_calls(fake_google)
    chat.send(f"book {code}")  # nothing stored yet: the worker is asked at once
    assert worker.asked == [(provider_id, True)]
    chat.send("1")
    days = chat.send("yes")  # the time zone guessed from the number
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="10:00, 11:00") in days
    assert freebusy_calls(fake_google) == before, "no call to Google while answering"

    assert calendars.refresh(services, provider_id) == 1  # the worker's job
    [stored] = rows(services, BusyTimes)
    assert stored.fetched_at == clock() and stored.watched_until == clock() + calendars.WATCH
    assert "2025" not in (stored.periods_enc or ""), "stored encrypted"
    assert msg.BOOK_TIME_LINE.format(number=1, time="11:00") in chat.send("1")  # the 10:00 hour is busy
    assert freebusy_calls(fake_google) == before + 1

    # a read getting old is used, and the worker asked again; the sweep keeps it fresh while customers look
    clock.advance(minutes=3)
    worker.asked.clear()
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="11:00") in chat.send("back")
    assert worker.asked == [(provider_id, True)]
    assert tasks.sweep(services)["busy_times"] == 1 and worker.asked[-1] == (provider_id, False)
    # too old, it is not used: the slots are offered as they are (confirm asks Google itself)
    clock.advance(minutes=3)
    chat.send("back")  # (the sessions)
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="10:00, 11:00") in chat.send("1")


def test_confirm_asks_google_once_and_refuses_a_time_that_turned_busy(google_provider, services, whatsapp,
                                                                     fake_google, monkeypatch):
    provider_id = google_provider.id
    make_offering(services, provider_id, platform="google_meet", windows=MORNINGS)
    monkeypatch.setattr(services, "queue", WorkerLater(services.queue))
    calendars.refresh(services, provider_id)  # stored: nothing busy
    chat = whatsapp(CUSTOMER_IN)
    walk(chat, code_of(services, provider_id))  # Wed 10:00
    fake_google.fake.set_busy(fake_google.user, [(WED_10, WED_10 + timedelta(hours=1))])  # booked elsewhere
    before = freebusy_calls(fake_google)
    reply = chat.send("yes")
    assert freebusy_calls(fake_google) == before + 1, "one read for the message (the two passes share it)"
    assert msg.BOOK_SLOT_GONE in reply
    assert msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="11:00") in reply
    assert rows(services, Booking) == []
    start = slots.group_by_day([WED_10 + timedelta(hours=1)], PROVIDER_TZ)[0][1][0]
    chat.send("1")
    chat.send("1")  # 11:00
    chat.send("1")  # the name given before
    assert msg.BOOK_SUMMARY_WHERE_PLATFORM.split("{")[0] in chat.send("ravi@example.com")
    assert google_text(msg.BOOK_CONFIRMED_PLATFORM) in chat.send("yes")
    [booking] = rows(services, Booking)
    assert booking.start_at == start
