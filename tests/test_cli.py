"""Operator commands through Flask's CLI runner: init-db, provider add / set-plan, and the offline chat."""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from bot.bootstrap import create_app
from bot.core import messages as msg
from bot.dialogue.intents import render_options
from bot.services import plans
from store import migrate
from store.db import unit_of_work
from store.models import Base, Provider
from tests.fixtures.texts import ZOOM_WORDS, zoom_options

PHONE = "+919940790402"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def head_revision() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def the_provider(services) -> Provider | None:
    with unit_of_work(services.sessions) as session:
        return session.scalars(select(Provider)).one_or_none()


# -- init-db ----------------------------------------------------------------------------------------------------

def test_init_db_creates_a_fresh_database_and_is_safe_twice(config, tmp_path):
    fresh = create_app(config.with_(database_url=f"sqlite:///{tmp_path / 'fresh.db'}"))
    runner = fresh.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert head_revision() in first.output
    engine = fresh.extensions["services"].engine
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0, second.output
    assert head_revision() in second.output
    assert migrate.current_revision(engine) == head_revision()
    engine.dispose()


def test_init_db_on_the_test_database_keeps_the_data(runner, services):
    assert runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Asha"]).exit_code == 0
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    assert the_provider(services).display_name == "Asha"


# -- provider add / set-plan ------------------------------------------------------------------------------------

def test_provider_add_defaults_to_a_trial_in_the_numbers_zone(runner, services, clock):
    result = runner.invoke(args=["provider", "add", "--phone", "+91 99407 90402", "--name", " Asha Rao "])
    assert result.exit_code == 0, result.output
    provider = the_provider(services)
    assert (provider.display_name, provider.plan, provider.timezone) == ("Asha Rao", "trial", "Asia/Kolkata")
    assert provider.trial_ends_at == clock.now + timedelta(days=14)
    assert provider.booking_code in result.output and "trial" in result.output


@pytest.mark.parametrize("plan", ["pro", "free"])
def test_provider_add_with_a_plan(runner, services, clock, plan):
    result = runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Asha", "--plan", plan])
    assert result.exit_code == 0, result.output
    provider = the_provider(services)
    assert provider.plan == plan and plans.effective_plan(provider, clock.now) == plan


@pytest.mark.parametrize("typed, zone", [("Europe/Berlin", "Europe/Berlin"), ("london", "Europe/London"),
                                         ("Asia/Calcutta", "Asia/Kolkata"), ("UTC", "UTC")])
def test_provider_add_stores_the_zone_name_it_looked_up(runner, services, clock, typed, zone):
    result = runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Asha", "--timezone", typed])
    assert result.exit_code == 0, result.output
    assert the_provider(services).timezone == zone
    plans.describe(the_provider(services), clock.now, ZOOM_WORDS)  # the stored zone is usable


@pytest.mark.parametrize("args, words", [
    (["--phone", "12345", "--name", "A"], "international number"),
    (["--phone", "not-a-number", "--name", "A"], "international number"),
    (["--phone", PHONE, "--name", "A", "--plan", "gold"], "gold"),
    (["--phone", PHONE, "--name", "A", "--timezone", "Mars/Olympus"], "unknown time zone"),
    (["--phone", PHONE], "--name"),
])
def test_provider_add_refuses_bad_input(runner, services, args, words):
    result = runner.invoke(args=["provider", "add", *args])
    assert result.exit_code == 2
    assert words in result.output
    assert the_provider(services) is None


def test_provider_add_twice_is_refused(runner, services):
    assert runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Asha"]).exit_code == 0
    result = runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Other"])
    assert result.exit_code == 1 and "already a provider" in result.output
    assert PHONE not in result.output, "numbers are masked"
    assert the_provider(services).display_name == "Asha"


def test_provider_added_by_the_operator_gets_the_provider_menu_by_chat(runner, whatsapp):
    assert runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Asha"]).exit_code == 0
    reply = whatsapp(PHONE).send("hi")
    assert msg.PROVIDER_MENU.format(name="Asha", options=zoom_options("provider_menu")) in reply


def test_provider_add_for_someone_who_already_chatted(runner, services, whatsapp):
    user = whatsapp(PHONE)
    user.send("hi")
    assert runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Asha"]).exit_code == 0
    assert msg.PROVIDER_MENU.format(name="Asha", options=zoom_options("provider_menu")) in user.send("menu")


def test_set_plan_changes_the_plan(runner, services, clock):
    runner.invoke(args=["provider", "add", "--phone", PHONE, "--name", "Asha"])
    result = runner.invoke(args=["provider", "set-plan", "--phone", PHONE, "--plan", "pro"])
    assert result.exit_code == 0 and "pro" in result.output
    assert the_provider(services).plan == "pro"
    clock.advance(days=30)
    assert plans.effective_plan(the_provider(services), clock.now) == "pro"
    assert runner.invoke(args=["provider", "set-plan", "--phone", PHONE, "--plan", "free"]).exit_code == 0
    assert the_provider(services).plan == "free"


@pytest.mark.parametrize("args, code, words", [
    (["--phone", PHONE, "--plan", "pro"], 1, "no provider"),
    (["--phone", "+1", "--plan", "pro"], 2, "international number"),
    (["--phone", PHONE, "--plan", "platinum"], 2, "platinum"),
])
def test_set_plan_refuses_bad_input(runner, services, args, code, words):
    result = runner.invoke(args=["provider", "set-plan", *args])
    assert result.exit_code == code and words in result.output


# -- chat -------------------------------------------------------------------------------------------------------

def test_chat_prints_replies_and_never_calls_twilio(runner, services, clock, fake_twilio):
    result = runner.invoke(args=["chat", "--as", PHONE], input="hi\nsign up\nAsha\nyes\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Chatting as {PHONE}" in out
    assert msg.WELCOME.format(name_part="") in out
    assert msg.SIGNUP_ASK_NAME in out
    assert msg.SIGNUP_DONE.format(name="Asha", timezone="Asia/Kolkata",
                                  trial_end=plans.format_day(clock.now + timedelta(days=14), "Asia/Kolkata")) in out
    assert out.index(msg.SIGNUP_ASK_NAME) < out.index("🎉")
    assert fake_twilio.fake.messages == []
    assert the_provider(services).display_name == "Asha"


def test_chat_leaves_the_app_sending_through_twilio(runner, whatsapp, fake_twilio):
    assert runner.invoke(args=["chat", "--as", "+447911123456"], input="hi\n").exit_code == 0
    assert fake_twilio.fake.messages == []
    assert msg.WELCOME.format(name_part="") in whatsapp(PHONE).send("hi")


def test_chat_refuses_a_bad_number(runner):
    result = runner.invoke(args=["chat", "--as", "hello"], input="hi\n")
    assert result.exit_code == 2 and "international number" in result.output
