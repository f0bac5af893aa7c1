"""What creating and managing sessions share: the spec of each value a provider types (bot.dialogue.steps.Ask,
about a subject that is a draft or a saved Offering: both have the Offering's attribute names),
the share message, the warning next to a session whose bookings can't get a meeting link, and the provider's own
Google Meet link (a session with a link of its own, `meet_url`, rather than a platform making one per booking)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from transitions import EventData

from bot.core import availability, money
from bot.core import messages as msg
from bot.core import sessions_text as st
from bot.core.choices import Choice
from bot.core.text import clean_input, person_name
from bot.dialogue.context import Dialogue
from bot.dialogue.steps import Ask
from bot.flows.common import dialogue
from bot.services import sharing, video_accounts
from bot.services.deps import UnitOfWork
from store.models import Provider

MEET = "google_meet"  # sessions on the provider's own Meet link


def parse_meet_url(text: str) -> str | None:
    """A Google Meet link (https://meet.google.com/abc-defg-hij, scheme optional, query ignored), canonical."""
    match = re.fullmatch(r"(?:https?://)?meet\.google\.com/([a-z]{3}-[a-z]{4}-[a-z]{3})/?(?:[?#]\S*)?",
                         clean_input(text, 300).casefold())
    return f"https://meet.google.com/{match[1]}" if match else None


def explain_providers_only(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_PROVIDERS_ONLY)


def say_share(d: Dialogue) -> None:
    """The booking link (to the sandbox number until one is configured) and its QR code image."""
    code = d.provider.booking_code
    d.say(msg.SHARE_LINK, code=code, link=sharing.link_for(d.services, code))
    d.attach(sharing.qr_url(d.services, code))


def platform_warning(services, session: UnitOfWork, provider: Provider, platform: str | None, now: datetime,
                     support_email: str = "", meet_url: str | None = None) -> str | None:
    """The warning a provider sees next to a session on a platform that makes meetings when new bookings of it
    can't get a link: not connected, connection broken, or a plan without it. None for other sessions (one with a
    link of the provider's own: `meet_url`) or a working connection."""
    if meet_url or not video_accounts.makes_meetings(services, platform):
        return None
    words = video_accounts.words(services, platform)
    readiness = video_accounts.readiness(services, session, provider, platform, now)
    if not readiness.allowed:
        return msg.SESSION_PLATFORM_WARNING_PLAN.format(**words, support_email=support_email)
    if not readiness.connected:
        return msg.SESSION_PLATFORM_WARNING.format(**words)
    return None


def warning_for(d: Dialogue, place: st.Place) -> str | None:
    return platform_warning(d.services, d.session, d.provider, place.platform, d.now,
                            d.services.config.support_email, place.meet_url)


def say_warning(d: Dialogue, place: st.Place) -> None:
    """Warn next to a session (or draft) whose new bookings can't get a meeting link (nothing when they can)."""
    text = warning_for(d, place)
    if text:
        d.say(text)


def explain_cannot_link(d: Dialogue, readiness: video_accounts.Readiness | None, platform: str | None = None) -> None:
    """Why a platform (the one providers connect here, unless named) can't be connected: not set up here, or not
    on this plan."""
    template = msg.PLATFORM_NOT_CONFIGURED if readiness is None or not readiness.configured else msg.PLATFORM_NEEDS_PLAN
    d.say(template, **d.words(platform), support_email=d.services.config.support_email)


def readiness(d: Dialogue, platform: str | None = None) -> video_accounts.Readiness | None:
    """Is a platform (the one providers connect here, unless named) ready for this one (None: no such platform on
    this server)?"""
    platform = platform or video_accounts.primary_platform(d.services)
    return video_accounts.readiness(d.services, d.session, d.provider, platform, d.now) if platform else None


def currency(d: Dialogue, subject: Any) -> str:
    """The session's currency; a new one's is the provider's country's."""
    return subject.currency or money.currency_for_country(d.provider.country)


# -- the values ------------------------------------------------------------------------------------------------------

def _bad_duration(d: Dialogue, subject: Any) -> None:
    minutes, shown = st.parse_duration(d.text), clean_input(d.text, 40)
    if minutes is None:
        d.say(msg.SESSION_BAD_DURATION, text=shown)
    else:
        d.say(msg.SESSION_DURATION_RANGE, text=shown, minutes=minutes)


def _fitting_duration(d: Dialogue, subject: Any) -> int | None:
    minutes = st.duration_in_range(d.text)
    return minutes if minutes is not None and st.fits(availability.from_json(subject.availability), minutes) else None


def _duration_too_long(d: Dialogue, subject: Any) -> None:
    minutes = st.duration_in_range(d.text)
    if minutes is None:
        _bad_duration(d, subject)
    else:
        d.say(msg.SESSION_DURATION_TOO_LONG, duration=st.format_duration(minutes),
              availability=st.format_hours(subject.availability))


def _bad_price(d: Dialogue, subject: Any) -> None:
    code = currency(d, subject)
    maximum = money.format_price(money.MAX_MAJOR * 10 ** money.precision(code), code, d.provider.country)
    d.say(msg.SESSION_BAD_PRICE, text=clean_input(d.text, 40), currency=code, maximum=maximum)


def _hours(d: Dialogue, subject: Any) -> list[Any] | None:
    result = availability.parse_availability(d.text)
    duration = subject.duration_minutes
    return availability.to_json(result.windows) if result.ok and (
        duration is None or st.fits(result.windows, duration)) else None


def _bad_hours(d: Dialogue, subject: Any) -> None:
    result = availability.parse_availability(d.text)
    if result.problems:
        d.say(msg.SESSION_BAD_AVAILABILITY, problems="\n".join(f"• {p}" for p in result.problems))
        if result.windows:
            d.say(msg.SESSION_AVAILABILITY_UNDERSTOOD, availability=availability.format_availability(result.windows))
    else:
        d.say(msg.SESSION_AVAILABILITY_TOO_SHORT, availability=availability.format_availability(result.windows),
              duration=st.format_duration(subject.duration_minutes or 0))
    d.say(msg.SESSION_AVAILABILITY_AGAIN)


NAME = Ask(msg.SESSION_ASK_NAME, read=lambda d, s: person_name(d.text), error=msg.SESSION_BAD_NAME)
DURATION = Ask(msg.SESSION_ASK_DURATION, read=lambda d, s: st.duration_in_range(d.text), error=_bad_duration)
# A saved session's new duration must fit its weekly hours.
FITTING_DURATION = Ask(msg.SESSION_ASK_DURATION, read=_fitting_duration, error=_duration_too_long)
PRICE = Ask(msg.SESSION_ASK_PRICE, read=lambda d, s: money.parse_price(d.text, currency(d, s)), error=_bad_price,
            values=lambda d, s: {"unit": st.price_unit(s.kind), "currency": currency(d, s)})
AVAILABILITY = Ask(msg.SESSION_ASK_AVAILABILITY, read=_hours, error=_bad_hours,
                   values=lambda d, s: {"timezone": d.provider.timezone})
CAPACITY = Ask(msg.SESSION_ASK_CAPACITY, read=lambda d, s: st.parse_capacity(d.text), error=msg.SESSION_BAD_CAPACITY)
DESCRIPTION = Ask(msg.SESSION_ASK_DESCRIPTION, read=lambda d, s: st.parse_description(d.text),
                  error=msg.SESSION_BAD_DESCRIPTION, answers=(Choice("skip", msg.OPT_SKIP),))
NOTICE = Ask(msg.SESSION_ASK_NOTICE, read=lambda d, s: st.parse_notice(d.text), error=msg.SESSION_BAD_NOTICE,
             answers=(Choice("none", msg.OPT_NO_NOTICE),))
