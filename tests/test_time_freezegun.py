"""Time-dependent behaviour with the app's real clock and freezegun moving time: the trial's end, the idle reset,
WhatsApp's 24-hour window, and a daylight-saving change between two days of slots."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from bot.bootstrap import build_services, create_app
from bot.core import messages as msg
from bot.services import bookings, outbox
from store import repos
from store.db import unit_of_work
from store.models import Offering, OutboundMessage
from tests.fixtures.chat import WhatsAppUser
from tests.fixtures.texts import zoom_text

INDIA = "+919940790402"


@pytest.fixture
def real_clock(config):
    """Services on the real clock (bot.services.utc_now), which freezegun moves."""
    services = build_services(config)
    yield services
    services.engine.dispose()


@pytest.fixture
def user(real_clock, fake_twilio):
    client = create_app(services=real_clock).test_client()
    return WhatsAppUser(client, fake_twilio, INDIA)


def test_trial_runs_14_days_then_zoom_needs_pro(user, real_clock):
    with freeze_time("2026-03-01 09:00:00", tick=True) as frozen:
        user.send("hi")
        user.send("sign up")
        user.send("Asha")
        assert "Sun 15 Mar 2026" in user.send("yes")
        frozen.move_to("2026-03-14 09:00:00")
        assert zoom_text(msg.PLAN_TRIAL).split(" until")[0] in user.send("my plan")
        assert "connect/zoom/" in user.send("connect zoom")
        frozen.move_to("2026-03-15 09:01:00")  # the clock ticks: sign-up took a moment after 09:00
        assert zoom_text(msg.PLAN_TRIAL_ENDED, trial_end="Sun 15 Mar 2026") in user.send("my plan")
        assert zoom_text(msg.PLATFORM_NEEDS_PLAN, support_email=real_clock.config.support_email) in user.send("connect zoom")


def test_idle_conversation_resets_after_24_hours(user):
    with freeze_time("2026-03-01 09:00:00", tick=True) as frozen:
        user.send("hi")
        user.send("sign up")
        frozen.move_to("2026-03-02 09:00:30")
        reply = user.send("Asha")
        assert msg.IDLE_RESET in reply and msg.SIGNUP_ASK_TIMEZONE.split(",")[0].format(name="Asha") not in reply


def test_messages_after_24_hours_of_silence_are_not_sent_free_form(user, real_clock, fake_twilio):
    with freeze_time("2026-03-01 09:00:00", tick=True) as frozen:
        user.send("hi")
        sent_before = len(fake_twilio.fake.messages)
        frozen.move_to("2026-03-02 09:01:00")
        with unit_of_work(real_clock.sessions) as session:
            ids = outbox.queue(session, repos.contact_by_phone(session, INDIA), ["Your link: ..."],
                               datetime.now(timezone.utc))
        outbox.dispatch(real_clock, ids)
        assert len(fake_twilio.fake.messages) == sent_before
        with unit_of_work(real_clock.sessions) as session:
            assert session.get(OutboundMessage, ids[0]).status == "not_sendable"


def test_slots_keep_the_providers_wall_clock_across_the_dst_change(real_clock):
    from datetime import time

    from bot.core import availability
    from bot.core.availability import Window

    with freeze_time("2026-03-27 06:00:00"):  # Friday; London moves to BST on Sunday 29 March
        now = datetime.now(timezone.utc)
        with unit_of_work(real_clock.sessions) as session:
            contact = repos.get_or_create_contact(session, "+447911123456", now)
            provider = repos.create_provider(session, contact, name="Ben", timezone="Europe/London", now=now)
            offering = Offering(provider_id=provider.id, name="Run club", kind="one_to_one", mode="in_person",
                                address="Hyde Park", duration_minutes=60, price_minor=0, currency="GBP",
                                capacity=1, min_notice_minutes=0, status="active", created_at=now, updated_at=now,
                                availability=availability.to_json([Window(d, time(9), time(10)) for d in range(7)]))
            session.add(offering)
            session.flush()
            starts = bookings.free_slots(session, offering, now)
    by_day = {s.date().isoformat(): s.strftime("%H:%M") for s in starts}
    assert by_day["2026-03-28"] == "09:00" and by_day["2026-03-29"] == "08:00" and by_day["2026-03-30"] == "08:00"
