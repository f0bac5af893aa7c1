"""Issue 8, tap don't type: with rich messages on, every choice the bot offers goes as WhatsApp reply buttons or a
list picker (through Twilio's Content API, at the strict fake Twilio), taps come back as ButtonPayload (or ListId)
through the signed webhook, and typing keeps working. A booking is made by typing alone and then by taps alone; a
stale tap and a tap on a slot taken meanwhile never book the wrong thing; lists longer than 10 page."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import choices
from bot.core import messages as msg
from bot.services import outbox, rich
from bot.worker import tasks
from store.db import unit_of_work
from store.models import Booking, Contact, ContentTemplate, Offering, OutboundMessage
from tests.fixtures.builders import CUSTOMER_IN, MORNINGS, OTHER_CUSTOMER_IN, every_day, load_all, make_offering
from tests.fixtures.chat import book, has, read, walk


@pytest.fixture
def config(config):
    return replace(config, twilio_rich_messages=True)


# -- what a person sees, and tapping it -----------------------------------------------------------------------------

def seen(chat) -> list[dict]:
    return chat.twilio.fake.seen(chat.address)


def last_choices(chat) -> dict:
    """The newest message to `chat` that offers buttons or a list."""
    offered = [m for m in seen(chat) if m["kind"] in ("quick-reply", "list-picker")]
    assert offered, f"no buttons or list sent to {chat.address}: {seen(chat)}"
    return offered[-1]


def tap(chat, title: str, message: dict | None = None, *, as_list_id: bool = False) -> str:
    """Tap the button or row titled `title` of `message` (default: the newest one offering choices), as WhatsApp
    does: Body is the title, ButtonPayload (or ListId) the id the bot gave it. Returns the text replies."""
    message = message or last_choices(chat)
    items = {item["title"]: item for item in message["items"]}
    assert title in items, f"{title!r} not in {list(items)}"
    item = items[title]
    fields = {"ListId": item["id"], "ListTitle": title} if as_list_id else {"ButtonPayload": item["id"],
                                                                            "ButtonText": title}
    return chat.send(title, **fields)


def titles(message: dict) -> list[str]:
    return [item["title"] for item in message["items"]]


def bookings_of(services) -> list[Booking]:
    return load_all(services, Booking)


def content_count(services) -> int:
    with unit_of_work(services.sessions, read_only=True) as session:
        return len(session.scalars(select(ContentTemplate.id)).all())


# -- the journeys ---------------------------------------------------------------------------------------------------

def test_a_booking_by_typing_alone_then_one_by_taps_alone(provider, services, whatsapp, fake_twilio, fake_zoom):
    make_offering(services, provider.id, windows=MORNINGS)
    customer = whatsapp(CUSTOMER_IN)

    # typing alone: numbers and words answer lists and buttons as they answer numbered text
    replies = book(customer, provider.code, profile="Ravi Kumar")
    assert has(msg.BOOK_CONFIRMED, replies["confirmed"])
    sent = seen(customer)
    kinds = [m["kind"] for m in sent]
    assert "list-picker" in kinds and "quick-reply" in kinds
    sessions = next(m for m in sent if m["kind"] == "list-picker" and "Career coaching" in titles(m))
    assert sessions["items"][0]["description"] == "1 h · ₹1,500 · online (Zoom)"
    days = next(m for m in sent if m["kind"] == "list-picker" and "Wed 2 Apr" in titles(m))
    assert days["items"][0]["description"] == msg.BOOK_DAY_ROW.format(count=2, first="10:00", last="11:00")
    join = [m for m in sent if m["kind"] == "call-to-action"]
    assert len(join) == 1 and join[0]["url_title"] == "Join Zoom meeting"
    assert join[0]["url"].startswith("https://") and join[0]["url"] in join[0]["body"]  # the link in the text too
    made = content_count(services)

    # taps alone: from the provider's share link ("book CODE", what wa.me opens) every step is a tap
    customer.send(f"book {provider.code}")
    tap(customer, "Career coaching")  # the sessions list (its zone is known now: no question)
    days = last_choices(customer)
    assert days["kind"] == "list-picker" and days["button"] == msg.LIST_BUTTON
    tap(customer, "Wed 2 Apr")
    times = last_choices(customer)
    assert times["kind"] == "quick-reply" and titles(times) == ["11:00"]  # 10:00 is the first booking's
    tap(customer, "11:00")
    assert titles(last_choices(customer)) == ["Use Ravi Kumar"]
    tap(customer, "Use Ravi Kumar")
    assert titles(last_choices(customer)) == ["Use ravi@example.com"]
    summary = tap(customer, "Use ravi@example.com")
    assert seen(customer)[-1]["kind"] == "quick-reply"  # the summary went with a button, not as text
    assert titles(last_choices(customer)) == [msg.OPT_CONFIRM_BOOKING] and summary == last_choices(customer)["body"]
    assert read(msg.BOOK_SUMMARY.replace("\n\n{options}", ""), last_choices(customer)["body"])["when"] \
        == "Wed 2 Apr, 11:00 (Asia/Kolkata)"
    confirmed = tap(customer, msg.OPT_CONFIRM_BOOKING)
    assert has(msg.BOOK_CONFIRMED, confirmed)
    booked = bookings_of(services)
    assert [b.status for b in booked] == ["confirmed", "confirmed"]
    assert booked[0].meeting_id != booked[1].meeting_id
    # the second journey used the contents the first one made, but for the shapes it had not met
    assert content_count(services) - made <= 2


def test_typed_numbers_still_work_and_text_goes_only_where_it_must(provider, services, whatsapp, fake_twilio):
    make_offering(services, provider.id, windows=MORNINGS)
    customer = whatsapp(CUSTOMER_IN)
    replies = walk(customer, provider.code)
    assert msg.OPTION_LINE.format(number=1, label="") not in replies["days"] + replies["times"]  # lists, not text
    assert [m["kind"] for m in seen(customer)].count("text") <= 1  # only the name question, asked without a choice
    with unit_of_work(services.sessions, read_only=True) as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        # each rich message keeps its numbered text, sent if the list cannot go
        listed = [r for r in rows if r.rich is not None and "Wed 2 Apr" in r.rich]
        assert listed and msg.BOOK_DAY_LINE.format(number=1, day="Wed 2 Apr", times="10:00, 11:00") in listed[0].body


def test_a_stale_tap_is_told_and_gets_the_current_choices(provider, services, whatsapp, fake_twilio):
    make_offering(services, provider.id, windows=MORNINGS)
    customer = whatsapp(CUSTOMER_IN)
    customer.send(f"book {provider.code}")
    sessions = last_choices(customer)
    tap(customer, "Career coaching")
    tap(customer, "Yes")  # the time zone guessed from +91
    days = last_choices(customer)
    tap(customer, "Wed 2 Apr")
    times = last_choices(customer)

    # a row of the sessions list, two messages ago: not a session picked again, not a time
    tap(customer, "Career coaching", sessions)
    again = last_choices(customer)
    assert again["body"].startswith(msg.STALE_CHOICE) and titles(again) == titles(times)
    # a day of the days list while times are asked: stale too, and nothing booked or moved on
    tap(customer, "Wed 2 Apr", days)
    assert last_choices(customer)["body"].startswith(msg.STALE_CHOICE)
    # the current choices work
    assert has(msg.BOOK_ASK_NAME, tap(customer, "10:00"))
    assert bookings_of(services) == []


def test_a_tap_on_a_slot_taken_meanwhile_books_nothing_wrong(provider, services, whatsapp, fake_twilio):
    offering_id = make_offering(services, provider.id, windows=MORNINGS)
    customer = whatsapp(CUSTOMER_IN)
    walk(customer, provider.code, at="1", name="1")  # up to the email question, the times list seen
    times = [m for m in seen(customer) if m["kind"] == "quick-reply" and "10:00" in titles(m)][-1]
    # someone else takes 10:00 while Ravi's list still shows it
    other = whatsapp(OTHER_CUSTOMER_IN)
    book(other, provider.code, email="meera@example.com", profile="Meera")
    taken = bookings_of(services)[0]
    # Ravi confirms his summary: the slot is gone, he is told and gets the days again; nothing of his is booked
    answer = tap(customer, msg.OPT_CONFIRM_BOOKING)
    assert msg.BOOK_SLOT_GONE in answer or msg.BOOK_SLOT_GONE in last_choices(customer)["body"]
    assert [b.id for b in bookings_of(services)] == [taken.id]
    # and the old times list's 10:00, tapped now, is stale: not 10:00 booked twice
    tap(customer, "10:00", times)
    assert last_choices(customer)["body"].startswith(msg.STALE_CHOICE)
    assert len(bookings_of(services)) == 1
    assert offering_id


def test_more_than_ten_times_page_with_more_and_back(provider, services, whatsapp, fake_twilio):
    make_offering(services, provider.id, duration=15, windows=every_day(9, 17))  # 32 times a day
    customer = whatsapp(CUSTOMER_IN)
    customer.send(f"book {provider.code}")
    tap(customer, "Career coaching")
    tap(customer, "Yes")
    days = last_choices(customer)
    tap(customer, days["items"][1]["title"])  # a whole day (tomorrow)
    first = last_choices(customer)
    assert len(first["items"]) == 10 and first["items"][-1]["title"] == msg.LIST_MORE
    assert titles(first)[:3] == ["09:00", "09:15", "09:30"]
    tap(customer, msg.LIST_MORE)
    second = last_choices(customer)
    assert titles(second)[0] == "11:15" and titles(second)[-2:] == [msg.LIST_MORE, msg.LIST_BACK]
    tap(customer, msg.LIST_BACK)
    assert titles(last_choices(customer)) == titles(first)
    tap(customer, msg.LIST_MORE)
    assert has(msg.BOOK_ASK_NAME, tap(customer, "11:30"))  # a time of page 2 is that time, whatever its number
    customer.send("Ravi Kumar")
    summary = read(msg.BOOK_SUMMARY.replace("\n\n{options}", ""), customer.send("ravi@example.com"))
    assert summary["when"].endswith("11:30 (Asia/Kolkata)")


def test_a_list_reply_carrying_only_list_id_is_understood(provider, services, whatsapp, fake_twilio):
    make_offering(services, provider.id, windows=MORNINGS)
    customer = whatsapp(CUSTOMER_IN)
    customer.send(f"book {provider.code}")
    tap(customer, "Career coaching", as_list_id=True)
    assert "Yes" in titles(last_choices(customer))


def test_when_twilio_refuses_the_content_the_same_choices_go_as_numbered_text(provider, services, whatsapp,
                                                                               fake_twilio):
    customer = whatsapp(CUSTOMER_IN)
    customer.send("hi")  # the customer menu's content is made here
    fake_twilio.fake.fail_next(status=400, code=20001)
    reply = customer.send("help")  # the help topics: a content not made yet, refused
    assert msg.OPTION_LINE.format(number=1, label="") in reply  # numbered text
    customer.send("menu")
    assert seen(customer)[-1]["kind"] == "list-picker"  # the menu's content exists: a list again


def test_rich_messages_off_send_numbered_text_and_make_no_content(services, whatsapp, fake_twilio):
    services.config = replace(services.config, twilio_rich_messages=False)
    customer = whatsapp(CUSTOMER_IN)
    assert msg.OPTION_LINE.format(number=1, label="") in customer.send("hi")
    customer.send("book")
    assert content_count(services) == 0 and {m["kind"] for m in seen(customer)} == {"text"}


def test_a_full_journey_makes_a_small_fixed_number_of_contents(provider, services, whatsapp, fake_twilio):
    make_offering(services, provider.id, windows=MORNINGS)
    first = whatsapp(CUSTOMER_IN)
    book(first, provider.code, profile="Ravi Kumar")
    made = content_count(services)
    with unit_of_work(services.sessions, read_only=True) as session:
        names = sorted(session.scalars(select(ContentTemplate.friendly_name)))
    print("contents made by one booking journey:", made, names)
    assert made <= 12, names
    # a second customer on a journey of the same shapes (another day's 10:00): no Content API call at all
    book(whatsapp(OTHER_CUSTOMER_IN), provider.code, day="2", email="meera@example.com", profile="Meera")
    assert content_count(services) == made


def test_a_sealed_reply_keeps_its_rich_form_encrypted(zoom_provider, services, fake_twilio):
    zoom_provider.send("integrations")
    with unit_of_work(services.sessions, read_only=True) as session:
        sealed = [r for r in session.scalars(select(OutboundMessage)) if r.sealed and r.rich is not None]
    assert sealed
    assert all("@" not in r.rich and "{" not in r.rich for r in sealed)  # ciphertext, not JSON with the email
    assert json.loads(services.cipher.decrypt(sealed[-1].rich))["kind"] in ("quick-reply", "list-picker")


def test_a_reminder_in_the_window_has_buttons_that_answer_it(provider, services, whatsapp, fake_twilio, clock):
    make_offering(services, provider.id, windows=MORNINGS)
    customer = whatsapp(CUSTOMER_IN)
    book(customer, provider.code, profile="Ravi Kumar")  # Wed 2 Apr 10:00 in Kolkata, booked on Tue at 14:30
    booking = bookings_of(services)[0]
    clock.now = booking.start_at - timedelta(minutes=59)  # the customer wrote 19 h ago: inside the window
    assert tasks.sweep(services)["reminders"] >= 1
    reminder = last_choices(customer)
    assert reminder["kind"] == "quick-reply" and reminder["body"].startswith("⏰")
    assert titles(reminder) == [msg.REMINDER_BUTTON_ATTEND, msg.REMINDER_BUTTON_RESCHEDULE, msg.REMINDER_BUTTON_CANCEL]
    answer = tap(customer, msg.REMINDER_BUTTON_ATTEND, reminder)
    assert has(msg.REMINDER_ATTENDING_SAVED, answer)


def test_outside_the_window_a_rich_message_goes_as_its_numbered_text(provider, services, whatsapp, fake_twilio,
                                                                       clock):
    customer = whatsapp(CUSTOMER_IN)
    customer.send("hi")
    clock.advance(hours=25)
    with unit_of_work(services.sessions) as session:
        contact = session.scalars(select(Contact).where(Contact.phone == CUSTOMER_IN)).one()
        offer = choices.Offer("Pick one", (choices.Choice("a", "Alpha"), choices.Choice("b", "Beta")), "s")
        ids = outbox.queue(session, contact, ["Pick one\n1. Alpha\n2. Beta"], clock(),
                           rich_form=rich.compose(offer))
    outbox.dispatch(services, ids)
    assert seen(customer)[-1]["kind"] != "quick-reply"  # no buttons outside the window (WhatsApp refuses them)
    with unit_of_work(services.sessions, read_only=True) as session:
        assert session.get(OutboundMessage, ids[0]).status == "not_sendable"  # no template configured here


def test_a_provider_creates_a_session_tapping_what_is_offered(zoom_provider, services):
    chat = zoom_provider
    chat.send("create session")
    tap(chat, msg.OPT_KIND_ONE)
    for typed in ("Career coaching", "60", "1500"):
        chat.send(typed)
    tap(chat, msg.OPT_MODE_IN_PERSON)
    chat.send("12 MG Road, Bengaluru")
    chat.send("every day 10-12")
    tap(chat, msg.OPT_NO_NOTICE)  # "…or *none*" as a button: the tap says "none", not "1" (one hour)
    tap(chat, msg.OPT_SKIP)  # the description
    assert has(msg.SESSION_CREATED, tap(chat, msg.OPT_SAVE_SESSION))
    with unit_of_work(services.sessions, read_only=True) as session:
        saved = session.scalars(select(Offering)).one()
        assert (saved.min_notice_minutes, saved.description, saved.mode) == (0, None, "in_person")
