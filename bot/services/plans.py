"""Plans and what they allow. trial: 14 days from sign-up, everything included; pro: paid; free: after the trial.
The product guide: Zoom integration requires a Pro plan or an active trial."""
from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import messages as msg
from store.models import Provider

PLANS = ("trial", "pro", "free")


def effective_plan(provider: Provider, now: datetime) -> str:
    """The plan in force now: a trial whose end has passed counts as free."""
    if provider.plan == "trial" and (provider.trial_ends_at is None or provider.trial_ends_at <= now):
        return "free"
    return provider.plan


def can_use_zoom(provider: Provider | None, now: datetime) -> bool:
    return provider is not None and effective_plan(provider, now) in ("trial", "pro")


def format_day(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y")


def describe(provider: Provider, now: datetime) -> str:
    plan = effective_plan(provider, now)
    if plan == "trial":
        days_left = max(1, math.ceil((provider.trial_ends_at - now).total_seconds() / 86400))
        return msg.PLAN_TRIAL.format(trial_end=format_day(provider.trial_ends_at, provider.timezone),
                                     days_left=days_left)
    if plan == "pro":
        return msg.PLAN_PRO
    if provider.plan == "trial":
        return msg.PLAN_TRIAL_ENDED.format(trial_end=format_day(provider.trial_ends_at, provider.timezone))
    return msg.PLAN_FREE
