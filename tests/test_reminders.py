"""Reminders before each booking, driven by the injected clock through the worker's sweep and the fake Twilio: 24
hours and 1 hour before, exactly once (two sweeps racing, and the worker process for real), none for a cancelled
booking, the new time only for a moved one, none that fell due before the booking was made, the night rule,
STOP, the provider's settings by chat, the templates outside the 24-hour window, a meeting with no link an hour
before, and the choices (I'll be there / Reschedule / Cancel)."""
from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.core import messages as msg
from bot.core import reminders as schedule
from bot.core.choices import booking_payload
from bot.core.slots import format_slot_with_zone
from bot.dialogue.intents import render_options
from bot.services import bookings, reminders
from bot.worker import tasks
from store.db import unit_of_work
from store.models import Booking, Contact, Meeting, OutboundMessage, Provider, Reminder, VideoConnection
from tests.fixtures.builders import CUSTOMER, CUSTOMER_TZ, PROVIDER, load, make_booking, make_offering, make_provider
from tests.fixtures.texts import zoom_text
from tests.fixtures.worker import start_worker, wait_until, worker_env

PROVIDER_NAME, SESSION, ADDRESS = "Asha Coaching", "Career coaching", "12 MG Road, Bengaluru"
IST = ZoneInfo("Asia/Kolkata")


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in April 2025 in the provider's zone, as UTC (the fake clock starts on Tue 1 Apr, 09:00 UTC)."""
    return datetime(2025, 4, day, hour, minute, tzinfo=IST).astimezone(timezone.utc)


def wrote_in(services, *phones: str, ago: timedelta = timedelta(0)) -> None:
    """These people last wrote `ago` (a moment ago: inside WhatsApp's 24-hour window)."""
    with unit_of_work(services.sessions) as session:
        session.execute(update(Contact).where(Contact.phone.in_(phones))
                        .values(last_inbound_at=services.clock() - ago))


def texts(fake_twilio, phone: str) -> list[str]:
    return fake_twilio.fake.bodies_to(f"whatsapp:{phone}")


def recorded(services, booking_id: int) -> dict[tuple[str, datetime], str]:
    with unit_of_work(services.sessions) as session:
        rows = session.execute(select(Reminder.kind, Reminder.start_at, Reminder.status)
                               .where(Reminder.booking_id == booking_id)).all()
    return {(kind, start): status for kind, start, status in rows}


def at(services, clock, moment: datetime) -> int:
    """Move the clock to `moment` and run the sweep's reminders; how many were queued."""
    clock.now = moment
    wrote_in(services, CUSTOMER, PROVIDER)
    return reminders.send_due(services)


def customer_text(booking: Booking, lead: str, where: str) -> str:
    template = msg.REMINDER_CUSTOMER_24H if lead == "24h" else msg.REMINDER_CUSTOMER_1H
    return template.format(session=SESSION, provider=PROVIDER_NAME, where=where,
                           when=format_slot_with_zone(booking.start_at, booking.customer_timezone),
                           choices=msg.REMINDER_CHOICES.format(reference=booking.reference))


@pytest.fixture
def in_person(services) -> int:
    make_provider(services)
    return make_offering(services, mode="in_person", address=ADDRESS)


@pytest.fixture
def zoom_session(services) -> int:
    make_provider(services)
    return make_offering(services)


# -- the schedule -------------------------------------------------------------------------------------------------

def test_customer_gets_24h_and_1h_reminders_and_the_provider_1h_exactly_once(services, clock, fake_twilio,
                                                                                 in_person):
    start = ist(3, 14)  # Thu 3 Apr 14:00 in Kolkata = 09:30 in London
    booking = make_booking(services, in_person, start)
    where = msg.WHERE_ADDRESS.format(address=ADDRESS)
    assert at(services, clock, start - timedelta(hours=24, minutes=1)) == 0
    assert at(services, clock, start - timedelta(hours=24)) == 1
    assert texts(fake_twilio, CUSTOMER) == [customer_text(booking, "24h", where)]
    assert texts(fake_twilio, PROVIDER) == []  # the provider's default: 1 hour only
    assert at(services, clock, start - timedelta(hours=2)) == 0  # sent once, whatever the number of sweeps
    assert at(services, clock, start - timedelta(minutes=59)) == 2
    assert texts(fake_twilio, CUSTOMER)[1:] == [customer_text(booking, "1h", where)]
    assert texts(fake_twilio, PROVIDER) == [msg.REMINDER_PROVIDER_1H.format(
        session=SESSION, when=format_slot_with_zone(start, "Asia/Kolkata"), customers="Priya", where=where)]
    assert at(services, clock, start - timedelta(minutes=1)) == 0
    assert recorded(services, booking.id) == {(k, start): "queued" for k in ("customer_24h", "customer_1h",
                                                                           "provider_1h")} | {
        ("provider_24h", start): "off"}


def test_the_worker_sweep_sends_them(services, clock, fake_twilio, in_person):
    start = ist(3, 14)
    booking = make_booking(services, in_person, start)
    clock.now = start - timedelta(hours=1)
    wrote_in(services, CUSTOMER, PROVIDER)
    assert tasks.sweep(services)["reminders"] == 2
    assert texts(fake_twilio, CUSTOMER)[-1] == customer_text(booking, "1h", msg.WHERE_ADDRESS.format(address=ADDRESS))


def test_a_24_hour_reminder_due_at_night_goes_at_21_before(services, clock, fake_twilio, in_person):
    start = ist(4, 10)  # Fri 4 Apr 10:00 in Kolkata = 05:30 in London: 24 h before is 05:30 at night there
    booking = make_booking(services, in_person, start)
    evening = datetime(2025, 4, 2, 21, 0, tzinfo=ZoneInfo(CUSTOMER_TZ))  # Wed 21:00 in London, 32.5 h before
    assert at(services, clock, evening - timedelta(minutes=1)) == 0
    assert at(services, clock, evening) == 1
    assert texts(fake_twilio, CUSTOMER) == [customer_text(booking, "24h", msg.WHERE_ADDRESS.format(address=ADDRESS))]
    assert at(services, clock, start - timedelta(hours=24)) == 0


UTC = timezone.utc


@pytest.mark.parametrize(("start", "zone", "due"), [
    # London moves to summer time on Sun 30 Mar 2025 at 01:00 UTC: 24 h before Mon 07:30 BST is Sun 06:30 UTC =
    # 07:30 BST, at night: the evening before is Sat 29 Mar 21:00 GMT (= UTC).
    (datetime(2025, 3, 31, 6, 30, tzinfo=UTC), "Europe/London", datetime(2025, 3, 29, 21, 0, tzinfo=UTC)),
    # New York falls back on Sun 2 Nov 2025: 24 h before Mon 3 Nov 09:00 EST (14:00 UTC) is Sun 09:00 EST, by day.
    (datetime(2025, 11, 3, 14, 0, tzinfo=UTC), "America/New_York", datetime(2025, 11, 2, 14, 0, tzinfo=UTC)),
    # due at 22:30 local: 21:00 the same evening.
    (datetime(2025, 4, 3, 21, 30, tzinfo=UTC), "Europe/London", datetime(2025, 4, 2, 20, 0, tzinfo=UTC)),
    # 1-hour reminders are never moved.
    (datetime(2025, 4, 3, 2, 0, tzinfo=UTC), "Europe/London", None),
])
def test_night_rule_and_dst(start, zone, due):
    if due is None:
        assert schedule.due_at(start, "1h", zone) == start - timedelta(hours=1)
    else:
        assert schedule.due_at(start, "24h", zone) == due
        assert not schedule.at_night(due, zone)
        assert start - due <= schedule.MAX_LEAD


# -- the rules ------------------------------------------------------------------------------------------------------

def test_a_cancelled_booking_gets_none(services, clock, fake_twilio, in_person):
    start = ist(3, 14)
    booking = make_booking(services, in_person, start)
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, booking.id), by="customer", now=clock())
    assert at(services, clock, start - timedelta(hours=24)) == 0
    assert at(services, clock, start - timedelta(hours=1)) == 0
    assert texts(fake_twilio, CUSTOMER) == [] and recorded(services, booking.id) == {}


def test_a_moved_booking_gets_reminders_for_its_new_time_only(services, clock, fake_twilio, in_person):
    first, later = ist(3, 14), ist(5, 14)
    booking = make_booking(services, in_person, first)
    assert at(services, clock, first - timedelta(hours=24)) == 1
    with unit_of_work(services.sessions) as session:
        bookings.reschedule(session, session.get(Booking, booking.id), later, clock())
    moved = load(services, Booking, booking.id)
    assert at(services, clock, first - timedelta(hours=1)) == 0  # the old time: nothing
    assert at(services, clock, later - timedelta(hours=24)) == 1
    assert at(services, clock, later - timedelta(hours=1)) == 2
    where = msg.WHERE_ADDRESS.format(address=ADDRESS)
    assert texts(fake_twilio, CUSTOMER)[1:] == [customer_text(moved, "24h", where), customer_text(moved, "1h", where)]


def test_a_booking_made_30_minutes_ahead_gets_no_24_hour_reminder_and_at_most_one_soon(services, clock, fake_twilio,
                                                                                       in_person):
    clock.now = ist(3, 13, 30)
    booking = make_booking(services, in_person, ist(3, 14))
    for minutes in (0, 1, 15, 29):
        at(services, clock, ist(3, 13, 30) + timedelta(minutes=minutes))
    assert len(texts(fake_twilio, CUSTOMER)) <= 1
    assert not any(msg.REMINDER_CUSTOMER_24H.split("*")[0] in t and "Reminder" in t
                   for t in texts(fake_twilio, CUSTOMER))
    assert recorded(services, booking.id)[("customer_24h", booking.start_at)] == "late"


def test_customers_who_sent_stop_get_none(services, clock, fake_twilio, in_person, whatsapp):
    start = ist(3, 14)
    make_booking(services, in_person, start)
    whatsapp(CUSTOMER).send("STOP")
    before = len(texts(fake_twilio, CUSTOMER))
    for lead, queued in ((timedelta(hours=24), 0), (timedelta(hours=1), 1)):  # 1: the provider's
        clock.now = start - lead
        wrote_in(services, CUSTOMER, PROVIDER)
        assert reminders.send_due(services) == queued
    assert len(texts(fake_twilio, CUSTOMER)) == before
    with unit_of_work(services.sessions) as session:
        assert set(session.scalars(select(Reminder.status).where(Reminder.kind.like("customer_%")))) == {"opted_out"}


def test_two_sweeps_racing_send_each_reminder_once(services, clock, fake_twilio, in_person, monkeypatch):
    """Two workers' sweeps on two threads and connections, both past their scan before either records."""
    background = dataclasses.replace(services, inline_delivery=False)
    starts = [ist(3, hour) for hour in (9, 11, 13, 15)]
    for n, start in enumerate(starts):
        make_booking(background, in_person, start, phone=f"+4477009002{n:02d}", name=f"Customer {n}")
    clock.now = ist(3, 16) - timedelta(hours=24)
    both_scanned, scan = threading.Barrier(2, timeout=10), reminders.due

    def scan_then_wait(services, *args, **kwargs):
        found = scan(services, *args, **kwargs)
        both_scanned.wait()
        return found

    monkeypatch.setattr(reminders, "due", scan_then_wait)
    queued: list[int] = []
    threads = [threading.Thread(target=lambda: queued.append(reminders.send_due(background))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(queued)[0] >= 0 and sum(queued) == len(starts)
    with unit_of_work(services.sessions) as session:
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == len(starts)
        assert session.scalar(select(func.count()).select_from(Reminder)) == len(starts) * 2  # + the provider's "off"


def test_the_worker_process_sends_a_reminder_for_real(services, config, fake_twilio, in_person, tmp_path):
    """`flask --app wsgi worker` on the real clock: its sweep runs when it starts and the reminder reaches Twilio."""
    booking = make_booking(services, in_person, ist(3, 14))
    real_now = datetime.now(timezone.utc).replace(microsecond=0)
    start = real_now + timedelta(minutes=40)
    with unit_of_work(services.sessions) as session:
        session.execute(update(Booking).where(Booking.id == booking.id).values(
            start_at=start, end_at=start + timedelta(hours=1), updated_at=real_now - timedelta(days=2)))
        session.execute(update(Contact).values(last_inbound_at=real_now))
    worker = start_worker(worker_env(config, fake_twilio, tmp_path))
    try:
        wait_until(lambda: len(texts(fake_twilio, CUSTOMER)) == 1 and len(texts(fake_twilio, PROVIDER)) == 1,
                   "the customer's and the provider's reminders at the fake Twilio", timeout=30)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=15)[0]
    moved = load(services, Booking, booking.id)
    assert texts(fake_twilio, CUSTOMER) == [customer_text(moved, "1h", msg.WHERE_ADDRESS.format(address=ADDRESS))], \
        output[-2000:]


# -- outside the 24-hour window -----------------------------------------------------------------------------------

REMINDER_SID, FALLBACK_SID = "HX" + "1" * 32, "HX" + "2" * 32


def test_outside_the_window_a_reminder_goes_as_the_reminder_template(services, clock, fake_twilio, in_person):
    start = ist(3, 14)
    booking = make_booking(services, in_person, start)
    configured = dataclasses.replace(services, config=services.config.with_(
        twilio_reminder_content_sid=fake_twilio.reminder_template(REMINDER_SID),
        twilio_template_content_sid=fake_twilio.template(FALLBACK_SID)))
    clock.now = start - timedelta(hours=24)
    wrote_in(services, CUSTOMER, ago=timedelta(hours=25))
    assert reminders.send_due(configured) == 1
    [sent] = [m for m in fake_twilio.fake.messages if m["to"] == f"whatsapp:{CUSTOMER}"]
    assert sent["content_sid"] == REMINDER_SID
    assert sent["content_variables"] == {
        "1": msg.REMINDER_TEMPLATE_WHAT.format(session=SESSION, other=PROVIDER_NAME),
        "2": format_slot_with_zone(start, CUSTOMER_TZ), "3": msg.WHERE_ADDRESS.format(address=ADDRESS),
        "4": booking.reference}


def test_without_it_the_fallback_template_or_recorded_not_sendable(services, clock, fake_twilio, in_person):
    start = ist(3, 14)
    make_booking(services, in_person, start)
    make_booking(services, in_person, ist(3, 15), phone="+447700900555", name="Ravi")
    fallback = dataclasses.replace(services, config=services.config.with_(
        twilio_template_content_sid=fake_twilio.template(FALLBACK_SID)))
    clock.now = start - timedelta(hours=24)
    wrote_in(services, CUSTOMER, "+447700900555", ago=timedelta(hours=25))
    assert reminders.send_due(fallback) == 1
    [sent] = [m for m in fake_twilio.fake.messages if m["to"] == f"whatsapp:{CUSTOMER}"]
    assert sent["content_sid"] == FALLBACK_SID and "Career coaching" in sent["content_variables"]["1"]
    clock.now = ist(3, 15) - timedelta(hours=24)
    assert reminders.send_due(services) == 1  # no template at all: kept as not_sendable, never dropped silently
    with unit_of_work(services.sessions) as session:
        assert session.scalar(select(OutboundMessage.status).where(
            OutboundMessage.to == "whatsapp:+447700900555")) == "not_sendable"


# -- the meeting link ---------------------------------------------------------------------------------------------

def test_the_join_link_is_in_the_reminder(services, clock, fake_twilio, zoom_session):
    start = ist(3, 14)
    booking = make_booking(services, zoom_session, start)
    with unit_of_work(services.sessions) as session:
        session.execute(update(Meeting).values(status="ready", join_url="https://zoom.example/j/1", password="42"))
    at(services, clock, start - timedelta(hours=1))
    where = zoom_text(msg.WHERE_PLATFORM, join_url="https://zoom.example/j/1", passcode="42")
    assert texts(fake_twilio, CUSTOMER) == [customer_text(booking, "1h", where)]
    assert "https://zoom.example/j/1" in texts(fake_twilio, PROVIDER)[0]


def test_no_link_an_hour_before_tells_the_provider_what_to_do_and_the_customer_what_to_expect(
        services, clock, fake_twilio, zoom_session):
    start = ist(3, 14)
    booking = make_booking(services, zoom_session, start)  # Zoom not connected: the meeting never got made
    at(services, clock, start - timedelta(hours=1))
    assert texts(fake_twilio, CUSTOMER) == [customer_text(booking, "1h", zoom_text(msg.WHERE_PLATFORM_PENDING) + "\n" +
                                                          zoom_text(msg.REMINDER_NO_LINK_CUSTOMER,
                                                                    provider=PROVIDER_NAME))]
    [told] = texts(fake_twilio, PROVIDER)
    before_link = zoom_text(msg.REMINDER_NO_LINK_PROVIDER_DISCONNECTED.split("{link}")[0])
    assert before_link in told and "/connect/zoom/" in told and f"Priya {CUSTOMER}" in told


def test_no_link_with_the_platform_connected_asks_for_a_link_by_hand(services, clock, fake_twilio, zoom_session):
    start = ist(3, 14)
    make_booking(services, zoom_session, start)
    now = clock()
    with unit_of_work(services.sessions) as session:
        provider_id = session.scalars(select(Provider.id)).one()
        session.add(VideoConnection(provider_id=provider_id, platform="zoom", external_user_id="u",
                                    external_account_id="a", email_enc=services.cipher.encrypt("a@b.c"),
                                    access_token_enc="x", refresh_token_enc="y", access_expires_at=now,
                                    connected_at=now, updated_at=now))
        session.execute(update(Meeting).values(status="failed"))
    at(services, clock, start - timedelta(hours=1))
    told = zoom_text(msg.REMINDER_NO_LINK_PROVIDER_FAILED, contacts=f"Priya {CUSTOMER}")
    assert told in texts(fake_twilio, PROVIDER)[0]


# -- the provider's settings, by chat -----------------------------------------------------------------------------

def settings_text(customers: str, me: str) -> str:
    return msg.REMINDERS_SETTINGS.format(customers=customers, me=me, options=render_options("reminder_settings"))


def test_the_provider_chooses_by_chat(services, clock, fake_twilio, in_person, whatsapp):
    provider = whatsapp(PROVIDER)
    assert provider.send("reminders") == settings_text(msg.REMINDER_SETTING_24H1H, msg.REMINDER_SETTING_1H)
    assert provider.send("3") == "\n\n".join([msg.REMINDERS_SAVED,
                                              settings_text(msg.REMINDER_SETTING_OFF, msg.REMINDER_SETTING_1H)])
    assert provider.send("4").endswith(settings_text(msg.REMINDER_SETTING_OFF, msg.REMINDER_SETTING_24H1H))
    start = ist(3, 14)
    booking = make_booking(services, in_person, start)
    assert at(services, clock, start - timedelta(hours=24)) == 1
    assert at(services, clock, start - timedelta(hours=1)) == 1
    assert texts(fake_twilio, CUSTOMER) == []
    assert recorded(services, booking.id)[("customer_1h", start)] == "off"
    assert whatsapp(CUSTOMER).send("reminders") == msg.REMINDERS_CUSTOMERS_ONLY


def test_customers_1_hour_only(services, clock, fake_twilio, in_person, whatsapp):
    whatsapp(PROVIDER).send("reminders")
    whatsapp(PROVIDER).send("2")
    start = ist(3, 14)
    make_booking(services, in_person, start)
    assert at(services, clock, start - timedelta(hours=24)) == 0
    assert at(services, clock, start - timedelta(hours=1)) == 2


# -- the choices in the reminder ----------------------------------------------------------------------------------

def test_ill_be_there_is_recorded_and_shown_to_the_provider(services, clock, fake_twilio, in_person, whatsapp):
    start = ist(3, 14)
    booking = make_booking(services, in_person, start)
    at(services, clock, start - timedelta(hours=24))
    customer = whatsapp(CUSTOMER)
    customer._seen = len(texts(fake_twilio, CUSTOMER))
    assert customer.send(f"there {booking.reference}") == msg.REMINDER_ATTENDING_SAVED.format(
        name="Priya", provider=PROVIDER_NAME, session=SESSION, when=format_slot_with_zone(start, CUSTOMER_TZ))
    assert load(services, Booking, booking.id).attending_at == clock()
    listed = whatsapp(PROVIDER).send("my bookings")
    assert f"Priya · {msg.MB_ATTENDING}" in listed
    at(services, clock, start - timedelta(hours=1))
    assert msg.REMINDER_CUSTOMER_ATTENDING.format(name="Priya") in texts(fake_twilio, PROVIDER)[-1]


def test_ill_be_there_as_a_bare_answer_or_a_button(services, clock, fake_twilio, in_person, whatsapp):
    start = ist(3, 14)
    booking = make_booking(services, in_person, start)
    customer = whatsapp(CUSTOMER)
    assert customer.send("I'll be there") == msg.REMINDER_NOTHING_TO_CONFIRM  # no reminder yet
    at(services, clock, start - timedelta(hours=24))
    customer.new_replies()
    saved = msg.REMINDER_ATTENDING_SAVED.format(name="Priya", provider=PROVIDER_NAME, session=SESSION,
                                                when=format_slot_with_zone(start, CUSTOMER_TZ))
    assert customer.send("I’ll be there") == saved
    assert customer.send("I'll be there", ButtonPayload=booking_payload("attend", booking.reference)) == saved
    assert customer.send("there ZZZ999") == msg.REMINDER_BOOKING_NOT_FOUND.format(reference="ZZZ999")


def test_cancel_and_reschedule_from_the_reminder_run_the_my_bookings_journeys(services, clock, fake_twilio,
                                                                              in_person, whatsapp):
    start = ist(3, 14)
    booking = make_booking(services, in_person, start)
    at(services, clock, start - timedelta(hours=24))
    customer = whatsapp(CUSTOMER)
    customer.new_replies()
    when = format_slot_with_zone(start, CUSTOMER_TZ)
    assert customer.send(f"reschedule {booking.reference}").startswith(
        msg.MB_RESCHEDULE_START.format(session=SESSION, when=when))
    customer.send("menu")
    assert customer.send(f"cancel {booking.reference}") == msg.MB_CONFIRM_CANCEL.format(
        session=SESSION, when=when, reference=booking.reference, other=PROVIDER_NAME,
        options=render_options("confirm_cancel_booking"))
    assert customer.send("1").startswith(msg.MB_CANCELLED.format(reference=booking.reference, session=SESSION,
                                                                 when=when, other=PROVIDER_NAME))
    assert load(services, Booking, booking.id).status == "cancelled"
    assert customer.send(f"cancel {booking.reference}") == msg.MB_GONE
    assert whatsapp("+447700900999").send(f"cancel {booking.reference}") == msg.REMINDER_BOOKING_NOT_FOUND.format(
        reference=booking.reference)
