"""Provider sign-up by chat, end to end through the signed webhook: name, time zone guessed from the number and
confirmed, 14-day trial; corrections, back, cancel, and what the provider sees afterwards."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core import messages as msg
from bot.core import timezones
from bot.dialogue.intents import MENUS, render_options
from bot.services import plans
from store.db import unit_of_work
from store.models import Contact, Conversation, Provider
from tests.fixtures.texts import zoom_options, zoom_text

INDIA = "+919940790402"
AUSTRALIA = "+61412345678"
UK = "+447911123456"


def number_of(state: str, trigger: str) -> str:
    return str([o.trigger for o in MENUS[state]].index(trigger) + 1)


def providers(services) -> list[Provider]:
    with unit_of_work(services.sessions) as session:
        return list(session.scalars(select(Provider)).all())


def start_signup(user) -> None:
    user.send("hi")
    assert msg.SIGNUP_ASK_NAME in user.send(number_of("customer_menu", "signup"))


def done(name: str, zone: str, now) -> str:
    return msg.SIGNUP_DONE.format(name=name, timezone=zone,
                                  trial_end=plans.format_day(now + timedelta(days=14), zone))


def test_indian_number_gets_one_zone_confirmed_with_yes(whatsapp, services, clock):
    user = whatsapp(INDIA)
    start_signup(user)
    reply = user.send("Asha Rao")
    assert msg.SIGNUP_ASK_TIMEZONE.format(name="Asha Rao", country="India", timezone="Asia/Kolkata",
                                          local_time=timezones.local_time("Asia/Kolkata", clock.now)) in reply
    reply = user.send("YES")
    assert done("Asha Rao", "Asia/Kolkata", clock.now) in reply
    assert msg.PROVIDER_MENU.format(name="Asha Rao", options=zoom_options("provider_menu")) in reply
    [provider] = providers(services)
    assert (provider.display_name, provider.timezone, provider.plan, provider.country) == \
        ("Asha Rao", "Asia/Kolkata", "trial", "IN")
    assert provider.trial_ends_at == clock.now + timedelta(days=14)


def test_a_country_is_named_as_said_in_a_sentence(whatsapp, clock):
    user = whatsapp("+447700900777")
    start_signup(user)
    reply = user.send("Bondi Yoga")
    assert msg.SIGNUP_ASK_TIMEZONE.format(name="Bondi Yoga", country="the United Kingdom", timezone="Europe/London",
                                          local_time=timezones.local_time("Europe/London", clock.now)) in reply
    assert "looks like it's from the United Kingdom" in reply


def test_australian_mobile_chooses_from_numbered_zones(whatsapp, services, clock):
    user = whatsapp(AUSTRALIA)
    start_signup(user)
    reply = user.send("Bondi Yoga")
    zones = timezones.guess_for_phone(AUSTRALIA)
    assert len(zones) > 1 and "Australia/Perth" in zones and "Australia/Sydney" in zones
    assert msg.SIGNUP_ASK_TIMEZONE_UNKNOWN.format(name="Bondi Yoga") in reply
    for number, zone in enumerate(zones, 1):
        assert msg.OPTION_LINE.format(number=number, label=f"{zone} ({timezones.local_time(zone, clock.now)})") \
            in reply
    reply = user.send(str(zones.index("Australia/Perth") + 1))
    assert done("Bondi Yoga", "Australia/Perth", clock.now) in reply
    assert providers(services)[0].timezone == "Australia/Perth"


def test_australian_mobile_can_type_a_city_instead(whatsapp, services, clock):
    user = whatsapp(AUSTRALIA)
    start_signup(user)
    user.send("Bondi Yoga")
    assert done("Bondi Yoga", "Australia/Melbourne", clock.now) in user.send("melbourne")


@pytest.mark.parametrize("typed, zone", [("Berlin", "Europe/Berlin"), ("São Paulo", "America/Sao_Paulo"),
                                         ("america/new_york", "America/New_York"), ("MUMBAI", "Asia/Kolkata")])
def test_typed_city_or_zone_overrides_the_guess(whatsapp, services, clock, typed, zone):
    user = whatsapp(UK)
    start_signup(user)
    assert "Europe/London" in user.send("Tom")
    assert done("Tom", zone, clock.now) in user.send(typed)
    assert providers(services)[0].timezone == zone


def test_legacy_zone_name_is_understood(whatsapp, services, clock):
    user = whatsapp(UK)
    start_signup(user)
    user.send("Tom")
    assert done("Tom", "Asia/Kolkata", clock.now) in user.send("Asia/Calcutta")


def test_bad_names_are_asked_again_until_one_fits(whatsapp, services):
    user = whatsapp(INDIA)
    start_signup(user)
    for bad in ("1234", "!!", "A", "x" * 81, "12:30 +-"):
        reply = user.send(bad)
        assert msg.SIGNUP_BAD_NAME in reply, bad
    assert "Asia/Kolkata" in user.send("  Dr.   Müller ")
    user.send("yes")
    assert providers(services)[0].display_name == "Dr. Müller"


def test_unknown_zone_is_asked_again_and_the_guess_still_holds(whatsapp, services, clock):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    assert msg.SIGNUP_BAD_TIMEZONE.format(text="Atlantis") in user.send("Atlantis")
    assert msg.SIGNUP_BAD_TIMEZONE.format(text="7") in user.send("7")
    assert providers(services) == []
    assert done("Asha", "Asia/Kolkata", clock.now) in user.send("1")


def test_back_from_the_zone_question_asks_the_name_again(whatsapp, services, clock):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    assert msg.SIGNUP_ASK_NAME in user.send("back")
    assert "Asha Rao Coaching" in user.send("Asha Rao Coaching")
    user.send("yes")
    assert providers(services)[0].display_name == "Asha Rao Coaching"


def test_back_from_the_name_question_returns_to_the_menu(whatsapp, services):
    user = whatsapp(INDIA)
    start_signup(user)
    reply = user.send("Back")
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in reply
    assert msg.NOTHING_TO_GO_BACK_TO in user.send("back")


@pytest.mark.parametrize("word", ["cancel", "QUIT", "Cancél"])
def test_cancel_mid_way_keeps_nothing(whatsapp, services, word):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    reply = user.send(word)
    assert msg.CANCELLED in reply
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in reply
    assert providers(services) == []
    with unit_of_work(services.sessions) as session:
        contact = session.scalars(select(Contact)).one()
        conversation = session.scalars(select(Conversation)).one()
        assert contact.name is None and contact.timezone is None
        assert (conversation.state, conversation.context) == ("customer_menu", {})
    reply = user.send("yes")  # the old question is gone
    assert msg.NOT_UNDERSTOOD.format(text="yes") in reply
    assert providers(services) == []


def test_help_mid_way_then_menu_starts_clean(whatsapp, services):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    assert msg.HELP_MENU.split("\n")[0] in user.send("help")
    user.send("menu")
    assert msg.NOT_UNDERSTOOD.format(text="yes") in user.send("yes")
    assert providers(services) == []


def test_provider_gets_the_provider_menu_next_time(whatsapp, services):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    user.send("yes")
    provider_menu = msg.PROVIDER_MENU.format(name="Asha", options=zoom_options("provider_menu"))
    for text in ("hi", "menu", "cancel"):
        reply = user.send(text)
        assert provider_menu in reply, text
        assert msg.OPT_SIGNUP not in reply
    assert msg.ALREADY_PROVIDER.format(name="Asha") in user.send("sign up")
    assert len(providers(services)) == 1


def test_trial_shown_then_free_after_14_days(whatsapp, services, clock):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    user.send("yes")
    trial_end = plans.format_day(clock.now + timedelta(days=14), "Asia/Kolkata")
    my_plan = number_of("provider_menu", "my_plan")
    reply = user.send(my_plan)
    assert zoom_text(msg.PLAN_TRIAL, trial_end=trial_end, days_left=14) in reply

    clock.advance(days=13, hours=23)
    user.send("menu")
    assert zoom_text(msg.PLAN_TRIAL, trial_end=trial_end, days_left=1) in user.send(my_plan)

    clock.advance(hours=1)
    user.send("menu")
    reply = user.send(my_plan)
    assert zoom_text(msg.PLAN_TRIAL_ENDED, trial_end=trial_end) in reply
    assert msg.PLAN_UPGRADE.format(support_email=services.config.support_email) in reply
    [provider] = providers(services)
    assert provider.plan == "trial" and plans.effective_plan(provider, clock.now) == "free"


def test_idle_conversation_resets_after_24_hours(whatsapp, services, clock):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    clock.advance(hours=24, minutes=1)
    reply = user.send("yes")
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in reply
    assert providers(services) == []
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(Conversation.context)).one() == {}


def test_conversation_within_24_hours_carries_on(whatsapp, services, clock):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    clock.advance(hours=23, minutes=59)
    assert done("Asha", "Asia/Kolkata", clock.now) in user.send("yes")


def test_idle_reset_follows_the_configured_period(whatsapp, services, clock):
    services.config = services.config.with_(idle_reset=timedelta(hours=1))
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    clock.advance(hours=1, minutes=1)
    user.send("yes")
    assert providers(services) == []


def test_idle_reset_tells_the_user(whatsapp, clock):
    user = whatsapp(INDIA)
    start_signup(user)
    clock.advance(days=2)
    assert msg.IDLE_RESET in user.send("Asha")


def test_one_contact_per_number_through_the_whole_sign_up(whatsapp, services):
    user = whatsapp(INDIA)
    start_signup(user)
    user.send("Asha")
    user.send("yes")
    with unit_of_work(services.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
        contact = session.scalars(select(Contact)).one()
        assert (contact.name, contact.timezone, contact.country) == ("Asha", "Asia/Kolkata", "IN")
