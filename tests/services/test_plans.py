"""bot/services/plans.py: the plan in force (a trial ends into free) and how "my plan" describes it, read from a
provider made by the store as sign-up makes it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import messages as msg
from bot.services import plans
from store.db import unit_of_work
from store.models import Provider
from tests.fixtures.builders import make_provider
from tests.fixtures.texts import ZOOM_WORDS, zoom_text


def provider(services, provider_id: int) -> Provider:
    with unit_of_work(services.sessions) as session:
        row = session.get(Provider, provider_id)
        session.expunge(row)
        return row


def test_a_new_trial_is_in_force_and_ends_into_free(services, clock):
    asha = provider(services, make_provider(services))
    assert plans.effective_plan(asha, clock.now) == "trial"
    assert plans.describe(asha, clock.now, ZOOM_WORDS) == zoom_text(msg.PLAN_TRIAL,
        trial_end=plans.format_day(asha.trial_ends_at, asha.timezone), days_left=14)
    after = asha.trial_ends_at
    assert plans.effective_plan(asha, after) == "free"
    assert plans.describe(asha, after, ZOOM_WORDS) == zoom_text(msg.PLAN_TRIAL_ENDED,
        trial_end=plans.format_day(asha.trial_ends_at, asha.timezone))


def test_the_last_day_of_a_trial_counts_as_one_day_left(services, clock):
    asha = provider(services, make_provider(services))
    last_hour = asha.trial_ends_at - timedelta(hours=1)
    assert plans.describe(asha, last_hour, ZOOM_WORDS) == zoom_text(msg.PLAN_TRIAL,
        trial_end=plans.format_day(asha.trial_ends_at, asha.timezone), days_left=1)


@pytest.mark.parametrize("plan,text", [("pro", zoom_text(msg.PLAN_PRO)), ("free", zoom_text(msg.PLAN_FREE))])
def test_pro_and_free_do_not_end(services, clock, plan, text):
    row = provider(services, make_provider(services, plan=plan))
    later = clock.now + timedelta(days=365)
    assert plans.effective_plan(row, later) == plan and plans.describe(row, later, ZOOM_WORDS) == text


def test_a_day_is_shown_in_the_providers_zone(clock):
    assert plans.format_day(None, "Asia/Kolkata") == "-"
    late_evening_utc = clock.now.replace(hour=20)  # 01:30 the next day in Kolkata
    assert plans.format_day(late_evening_utc, "Asia/Kolkata") != plans.format_day(late_evening_utc, "UTC")
