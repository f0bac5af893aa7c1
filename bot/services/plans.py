"""Plans and what they allow. trial: 14 days from sign-up, everything included; pro: paid; free: after the trial.
Which plans may connect a video platform is the platform's data (PlatformInfo.plans; the guide: a Pro plan or an
active trial)."""
from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import messages as msg
from integrations.video import PlatformInfo
from store.models import Provider

PLANS = ("trial", "pro", "free")


def effective_plan(provider: Provider, now: datetime) -> str:
    """The plan in force now: a trial whose end has passed counts as free."""
    if provider.plan == "trial" and (provider.trial_ends_at is None or provider.trial_ends_at <= now):
        return "free"
    return provider.plan


def can_connect(provider: Provider | None, platform: PlatformInfo, now: datetime) -> bool:
    """May this provider connect (and use) the platform now: the plan in force is one the platform allows."""
    return provider is not None and effective_plan(provider, now) in platform.plans


def format_day(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y")


def describe(provider: Provider, now: datetime, words: dict[str, str]) -> str:
    """The plan in force, in a sentence; `words`: the platform's (the plan texts name what it includes)."""
    plan = effective_plan(provider, now)
    if plan == "trial":
        days_left = max(1, math.ceil((provider.trial_ends_at - now).total_seconds() / 86400))
        return msg.PLAN_TRIAL.format(**words, trial_end=format_day(provider.trial_ends_at, provider.timezone),
                                     days_left=days_left)
    if plan == "pro":
        return msg.PLAN_PRO.format(**words)
    if provider.plan == "trial":
        return msg.PLAN_TRIAL_ENDED.format(**words, trial_end=format_day(provider.trial_ends_at, provider.timezone))
    return msg.PLAN_FREE.format(**words)
