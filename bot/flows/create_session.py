"""Providers create a session by chat: 1:1 or group, name, duration, price, online (a platform that makes a meeting
for each booking, or their own Google Meet link) or in person, weekly availability, capacity (groups), minimum
notice, a description for customers (optional), then a summary to save or start again.

The guide's "Creating an Online Session with Zoom", moved into chat, for every platform the registry offers
(`video_accounts.offered`: "Which video platform?" has one option per platform, whose intent carries its word): it
must be connected before a session on it is created (the bot offers its connect link on the spot); whether it is
ready is `video_accounts.readiness`. The draft is a `SessionDraft` (the Offering's attribute
names), filled in by the asked values' steps."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from transitions import EventData

from bot.core import messages as msg
from bot.core import sessions_text as st
from bot.dialogue.context import Dialogue, Draft
from bot.dialogue.steps import Ask, ask_value
from bot.flows import session_fields as fields
from bot.flows import video_connect
from bot.flows.common import dialogue
from bot.services import offerings, video_accounts


@dataclass
class SessionDraft(Draft):
    """The session being created."""

    KEY: ClassVar[str] = "new_session"
    kind: str | None = None
    name: str | None = None
    duration_minutes: int | None = None
    price_minor: int | None = None
    currency: str | None = None
    mode: str | None = None
    platform: str | None = None
    meet_url: str | None = None
    address: str | None = None
    availability: list[Any] | None = None
    capacity: int | None = None
    min_notice_minutes: int | None = None
    description: str | None = None


def _draft(d: Dialogue) -> SessionDraft:
    return d.draft(SessionDraft)


def _into(attribute: str):
    """Keep an asked value in this attribute of the draft."""
    def store(d: Dialogue, draft: SessionDraft, value: Any) -> None:
        setattr(draft, attribute, value)
    return store


def _price(d: Dialogue, draft: SessionDraft, value: int) -> None:
    draft.price_minor, draft.currency = value, fields.currency(d, draft)


def _meet(d: Dialogue, draft: SessionDraft, value: str) -> None:
    draft.mode, draft.platform, draft.meet_url, draft.address = st.ONLINE, fields.MEET, value, None


def _address(d: Dialogue, draft: SessionDraft, value: str) -> None:
    draft.mode, draft.address, draft.platform, draft.meet_url = st.IN_PERSON, value, None, None


NAME = ask_value(fields.NAME, _draft, _into("name"))
DURATION = ask_value(fields.DURATION, _draft, _into("duration_minutes"))
PRICE = ask_value(fields.PRICE, _draft, _price)
MEET_URL = ask_value(Ask(msg.SESSION_ASK_MEET_URL, read=lambda d, s: fields.parse_meet_url(d.text),
                         error=msg.SESSION_BAD_MEET_URL), _draft, _meet)
ADDRESS = ask_value(Ask(msg.SESSION_ASK_ADDRESS, read=lambda d, s: st.parse_address(d.text),
                        error=msg.SESSION_BAD_ADDRESS), _draft, _address)
AVAILABILITY = ask_value(fields.AVAILABILITY, _draft, _into("availability"))
CAPACITY = ask_value(fields.CAPACITY, _draft, _into("capacity"))
NOTICE = ask_value(fields.NOTICE, _draft, _into("min_notice_minutes"))
DESCRIPTION = ask_value(fields.DESCRIPTION, _draft, lambda d, draft, value: setattr(draft, "description", value or None))


# -- kind, mode, platform ------------------------------------------------------------------------------------------

def is_group(event: EventData) -> bool:
    return _draft(dialogue(event)).kind == st.GROUP


# Where the draft happens, for `back` from the weekly hours (to the step that set it). A session on the provider's
# own Meet link is told by its `meet_url` (its platform key is a video platform's too).
def is_meetings_draft(event: EventData) -> bool:
    draft = _draft(dialogue(event))
    return draft.mode == st.ONLINE and draft.platform is not None and not draft.meet_url


def is_meet_draft(event: EventData) -> bool:
    draft = _draft(dialogue(event))
    return draft.mode == st.ONLINE and draft.platform == fields.MEET and bool(draft.meet_url)


def is_in_person_draft(event: EventData) -> bool:
    return _draft(dialogue(event)).mode == st.IN_PERSON


def ask_kind(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_KIND, options=d.options("new_kind"))


def keep_kind_one(event: EventData) -> None:
    draft = _draft(dialogue(event))
    draft.kind, draft.capacity = st.ONE, 1


def keep_kind_group(event: EventData) -> None:
    draft = _draft(dialogue(event))
    draft.kind, draft.capacity = st.GROUP, None  # asked again after the availability


def ask_mode(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_MODE, options=d.options("new_mode"))


def keep_online(event: EventData) -> None:
    draft = _draft(dialogue(event))
    draft.mode, draft.address = st.ONLINE, None


def keep_in_person(event: EventData) -> None:
    draft = _draft(dialogue(event))
    draft.mode, draft.platform, draft.meet_url = st.IN_PERSON, None, None


def ask_platform(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_PLATFORM, options=d.options("new_platform"))


# -- a platform that makes a meeting for each booking (any the registry offers: video_accounts.offered) ------------

def _wanted(d: Dialogue) -> str | None:
    """The platform the provider picked: the one the option named (its intent carries the platform's word), else
    the one picked before the "connect it first" step, else the one providers connect here."""
    named = video_accounts.offered_named(d.services, d.arg)
    draft = _draft(d)
    if named is None and draft.mode == st.ONLINE and draft.platform and not draft.meet_url:
        named = draft.platform
    return named or video_accounts.primary_platform(d.services)


def platform_possible(event: EventData) -> bool:
    """A connect link makes sense: the platform is set up on this server and the plan allows it."""
    d = dialogue(event)
    readiness = fields.readiness(d, _wanted(d))
    return readiness is not None and readiness.can_link


def platform_ready(event: EventData) -> bool:
    """Set up here, the plan allows it and the provider's connection works: new bookings get links."""
    d = dialogue(event)
    readiness = fields.readiness(d, _wanted(d))
    return readiness is not None and readiness.ready


def connects_wanted(event: EventData) -> bool:
    """"connect <word>" names the platform being waited for (no word: the one providers connect here)."""
    d = dialogue(event)
    named = video_accounts.platform_named(d.services, d.arg) or video_accounts.primary_platform(d.services)
    return named == _wanted(d)


def explain_platform_needed(event: EventData) -> None:
    d = dialogue(event)
    platform = _wanted(d)
    readiness = fields.readiness(d, platform)
    if readiness is None or not readiness.can_link:
        fields.explain_cannot_link(d, readiness, platform)
        d.say(msg.SESSION_PLATFORM_ALTERNATIVES,
              options=d.options("new_platform_needed", ("platform_meet", "mode_in_person")))
        return
    template = msg.SESSION_PLATFORM_NEEDED_BROKEN if readiness.broken else msg.SESSION_PLATFORM_NEEDED
    d.say(template, **d.words(platform), options=d.options("new_platform_needed"))


def send_connect_link(event: EventData) -> None:
    d = dialogue(event)
    video_connect.say_connect_link(d, _wanted(d))


def after_platform_link(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_PLATFORM_LINK_NEXT, **d.words(_wanted(d)))


def platform_still_missing(event: EventData) -> None:
    d = dialogue(event)
    if platform_possible(event):
        d.say(msg.SESSION_PLATFORM_STILL_MISSING, **d.words(_wanted(d)))
    explain_platform_needed(event)


def keep_platform(event: EventData) -> None:
    """The platform picked (also before the "connect it first" step, which is about it)."""
    d = dialogue(event)
    draft = _draft(d)
    draft.mode, draft.platform = st.ONLINE, _wanted(d)
    draft.meet_url, draft.address = None, None


# -- confirm ----------------------------------------------------------------------------------------------------------

def show_summary(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    details = st.details(draft, d.provider.country, d.provider.timezone, d.words(draft.platform))
    d.say(msg.SESSION_SUMMARY, details="\n".join(details), options=d.options("new_confirm"))
    fields.say_warning(d, draft)


def save(event: EventData) -> None:
    d = dialogue(event)
    offering = offerings.create(d.session, d.provider.id, d.now, **asdict(_draft(d)))
    d.forget()
    d.say(msg.SESSION_CREATED, name=offering.name)
    fields.say_share(d)
    fields.say_warning(d, offering)
