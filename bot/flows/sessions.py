"""Providers create sessions by chat (1:1 or group; online on Zoom or Google Meet, or in person; name, duration,
price, weekly availability, capacity, minimum notice), and list, pause, resume, edit and share them.

The guide's "Creating an Online Session with Zoom", moved into chat: Zoom must be connected before a Zoom session
is created (the bot offers the connect link on the spot), and Zoom sessions of a provider without a working Zoom
connection show a warning to reconnect wherever the provider sees them.

The draft of a new session lives in `d.context["draft"]` (JSON), replaced (never mutated in place) at each step.
The parsers (`parse_duration`, `parse_notice`, ...) are pure and return None for anything they can't use."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from transitions import EventData

from bot.core import availability, money, slots
from bot.core import messages as msg
from bot.core.text import clean_input, number
from bot.dialogue.context import Dialogue
from bot.dialogue.intents import MENUS, fill
from bot.flows import video_connect
from bot.flows.common import dialogue
from bot.services import sharing, video_accounts
from store.models import Booking, Offering, Provider

MIN_DURATION, MAX_DURATION = 5, 480
MIN_CAPACITY, MAX_CAPACITY = 2, 500
MAX_NOTICE_HOURS = 720
MEET = "google_meet"
ONE, GROUP = "one_to_one", "group"
ONLINE, IN_PERSON = "online", "in_person"
EDITABLE = ("name", "price", "duration", "availability", "notice", "capacity", "where")


# -- pure parsers ---------------------------------------------------------------------------------------------------

_HOUR_UNITS = frozenset({"h", "hr", "hrs", "hour", "hours"})
_MINUTE_UNITS = frozenset({"m", "min", "mins", "minute", "minutes"})
_DAY_UNITS = frozenset({"d", "day", "days"})
_DURATION_WORDS = {"half an hour": 30, "half hour": 30, "an hour": 60, "one hour": 60, "1 hour and a half": 90,
                   "an hour and a half": 90, "hour and a half": 90}
_NO_NOTICE = frozenset({"none", "no", "no notice", "nothing", "zero", "0", "-", "any time", "anytime"})


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", clean_input(text, 100).casefold().replace(",", ".")).strip(" .")


def _whole(value: Decimal) -> int | None:
    return int(value) if value == value.to_integral_value() else None


def parse_duration(text: str) -> int | None:
    """Minutes: "45", "45 min", "1h", "1 h 30", "1h30m", "90 minutes", "1:30", "1.5 hours", "an hour". Not
    range-checked (see MIN_DURATION/MAX_DURATION), so the caller can say why a value is refused."""
    words = _words(text)
    if words in _DURATION_WORDS:
        return _DURATION_WORDS[words]
    clock = re.fullmatch(r"(\d{1,2}):([0-5]\d)(?: ?(?:h|hrs?|hours?))?", words)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    match = re.fullmatch(r"(\d{1,4}(?:\.\d{1,2})?) ?([a-z]*)(?: ?(?:and )?(\d{1,2}) ?([a-z]*))?", words)
    if not match:
        return None
    first, first_unit, second, second_unit = match.groups()
    value = Decimal(first)
    if second is not None:  # "1 h 30", "1h30m", "2 hours 15 minutes"
        if first_unit not in _HOUR_UNITS or (second_unit and second_unit not in _MINUTE_UNITS):
            return None
        hours, minutes = _whole(value), int(second)
        return hours * 60 + minutes if hours is not None and minutes < 60 else None
    if first_unit in _HOUR_UNITS:
        return _whole(value * 60)
    if first_unit == "" or first_unit in _MINUTE_UNITS:
        return _whole(value)
    return None


def parse_notice(text: str) -> int | None:
    """Minimum notice in minutes, from hours as typed: "0", "2", "24", "1.5", "2 h", "30 min", "1 day", "none".
    None outside 0..720 hours."""
    words = _words(text)
    if words in _NO_NOTICE:
        return 0
    match = re.fullmatch(r"(\d{1,5}(?:\.\d{1,2})?) ?([a-z]*)", words)
    if not match:
        return None
    try:
        value = Decimal(match[1])
    except InvalidOperation:
        return None
    unit = match[2]
    if unit == "" or unit in _HOUR_UNITS:
        minutes = value * 60
    elif unit in _MINUTE_UNITS:
        minutes = value
    elif unit in _DAY_UNITS:
        minutes = value * 1440
    else:
        return None
    minutes = int(minutes.to_integral_value())
    return minutes if 0 <= minutes <= MAX_NOTICE_HOURS * 60 else None


def parse_capacity(text: str) -> int | None:
    match = re.fullmatch(r"(\d{1,4})(?: ?(?:people|persons|places|seats|participants|max))?", _words(text))
    if not match:
        return None
    value = int(match[1])
    return value if MIN_CAPACITY <= value <= MAX_CAPACITY else None


def parse_name(text: str) -> str | None:
    name = re.sub(r"\s+", " ", clean_input(text, 200))
    if not 2 <= len(name) <= 80 or not re.search(r"[^\W\d_]", name):
        return None
    return name


def parse_meet_url(text: str) -> str | None:
    """A Google Meet link (https://meet.google.com/abc-defg-hij, scheme optional, query ignored), canonical."""
    match = re.fullmatch(r"(?:https?://)?meet\.google\.com/([a-z]{3}-[a-z]{4}-[a-z]{3})/?(?:[?#]\S*)?",
                         clean_input(text, 300).casefold())
    return f"https://meet.google.com/{match[1]}" if match else None


def parse_address(text: str) -> str | None:
    address = re.sub(r"[ \t]+", " ", clean_input(text, 400))
    return address if 5 <= len(address) <= 255 and re.search(r"[^\W_]", address) else None


def fits(windows, duration: int) -> bool:
    """Can at least one session of `duration` minutes start in these hours?"""
    return any(w.end_minute - w.start_minute >= duration for w in windows)


# -- formatting -----------------------------------------------------------------------------------------------------

def format_duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return msg.SESSION_MINUTES.format(minutes=rest)
    if not rest:
        return msg.SESSION_HOURS.format(hours=hours)
    return msg.SESSION_HOURS_MINUTES.format(hours=hours, minutes=rest)


def format_notice(minutes: int) -> str:
    if not minutes:
        return msg.SESSION_NOTICE_NONE
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize()
    return msg.SESSION_NOTICE_HOURS.format(hours=f"{hours:f}")


def _where(values: dict[str, Any], words: dict[str, str]) -> str:
    if values.get("mode") == IN_PERSON:
        return msg.SESSION_WHERE_ADDRESS.format(address=values.get("address") or "-")
    if values.get("platform") == MEET:
        return msg.SESSION_WHERE_MEET.format(url=values.get("meet_url") or "-")
    return msg.SESSION_WHERE_PLATFORM.format(**words)


def _as_values(offering: Offering) -> dict[str, Any]:
    """An Offering in the draft's shape, so that drafts and saved sessions are shown by the same code."""
    return {"kind": offering.kind, "name": offering.name, "duration": offering.duration_minutes,
            "price_minor": offering.price_minor, "currency": offering.currency, "mode": offering.mode,
            "platform": offering.platform, "meet_url": offering.meet_url, "address": offering.address,
            "availability": offering.availability, "capacity": offering.capacity,
            "notice": offering.min_notice_minutes}


def _details(provider: Provider, values: dict[str, Any], words: dict[str, str]) -> list[str]:
    lines = [msg.SESSION_FIELD_NAME.format(name=values["name"]),
             msg.SESSION_FIELD_KIND.format(kind=_kind_label(values["kind"])),
             msg.SESSION_FIELD_DURATION.format(duration=format_duration(values["duration"])),
             msg.SESSION_FIELD_PRICE.format(price=money.format_price(values["price_minor"], values["currency"],
                                                                     provider.country)),
             msg.SESSION_FIELD_WHERE.format(where=_where(values, words)),
             msg.SESSION_FIELD_AVAILABILITY.format(
                 availability=availability.format_availability(availability.from_json(values["availability"])),
                 timezone=provider.timezone)]
    if values["kind"] == GROUP:
        lines.append(msg.SESSION_FIELD_CAPACITY.format(capacity=values["capacity"]))
    lines.append(msg.SESSION_FIELD_NOTICE.format(notice=format_notice(values["notice"])))
    return lines


def _kind_label(kind: str) -> str:
    return msg.SESSION_KIND_GROUP if kind == GROUP else msg.SESSION_KIND_ONE


def _status_label(status: str) -> str:
    return msg.SESSION_STATUS_PAUSED if status == "paused" else msg.SESSION_STATUS_ACTIVE


def _options(d: Dialogue, state: str, only: tuple[str, ...] | None = None) -> str:
    """The state's options with their real numbers; `only` keeps some of them (the numbers still work)."""
    words = d.words()
    return "\n".join(msg.OPTION_LINE.format(number=i, label=fill(o.label, words)) for i, o in enumerate(MENUS[state], 1)
                     if only is None or o.trigger in only)


# -- the meeting platform (the one providers connect here; makes a meeting for each booking) ------------------------

def _meetings_platform(d: Dialogue) -> str | None:
    return video_accounts.primary_platform(d.services)


def platform_warning(services, session: Session, provider: Provider, platform: str | None, now: datetime,
                     support_email: str = "") -> str | None:
    """The warning a provider sees next to a session on a platform that makes meetings when new bookings of it
    can't get a link: not connected, connection broken, or a plan without it. None for other sessions or a
    working connection."""
    if not video_accounts.makes_meetings(services, platform):
        return None
    words = video_accounts.words(services, platform)
    readiness = video_accounts.readiness(services, session, provider, platform, now)
    if not readiness.allowed:
        return msg.SESSION_PLATFORM_WARNING_PLAN.format(**words, support_email=support_email)
    if not readiness.connected:
        return msg.SESSION_PLATFORM_WARNING.format(**words)
    return None


def _platform_warning(d: Dialogue, platform: str | None) -> str | None:
    return platform_warning(d.services, d.session, d.provider, platform, d.now, d.services.config.support_email)


def _readiness(d: Dialogue) -> video_accounts.Readiness | None:
    platform = _meetings_platform(d)
    return video_accounts.readiness(d.services, d.session, d.provider, platform, d.now) if platform else None


def platform_possible(event: EventData) -> bool:
    """A connect link makes sense: the platform is set up on this server and the plan allows it."""
    readiness = _readiness(dialogue(event))
    return readiness is not None and readiness.can_link


def _platform_ready(d: Dialogue) -> bool:
    """Set up here, the plan allows it and the provider's connection works: new bookings get links."""
    readiness = _readiness(d)
    return readiness is not None and readiness.ready


def platform_ready(event: EventData) -> bool:
    return _platform_ready(dialogue(event))


def _explain_cannot_link(d: Dialogue, readiness: video_accounts.Readiness | None) -> None:
    template = msg.PLATFORM_NOT_CONFIGURED if readiness is None or not readiness.configured else msg.PLATFORM_NEEDS_PLAN
    d.say(template, **d.words(), support_email=d.services.config.support_email)


def explain_platform_needed(event: EventData) -> None:
    d = dialogue(event)
    readiness = _readiness(d)
    if readiness is None or not readiness.can_link:
        _explain_cannot_link(d, readiness)
        d.say(msg.SESSION_PLATFORM_ALTERNATIVES,
              options=_options(d, "new_platform_needed", ("platform_meet", "mode_in_person")))
        return
    template = msg.SESSION_PLATFORM_NEEDED_BROKEN if readiness.broken else msg.SESSION_PLATFORM_NEEDED
    d.say(template, **d.words(), options=_options(d, "new_platform_needed"))


def after_platform_link(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_PLATFORM_LINK_NEXT, **d.words())


def platform_still_missing(event: EventData) -> None:
    d = dialogue(event)
    if platform_possible(event):
        d.say(msg.SESSION_PLATFORM_STILL_MISSING, **d.words())
    explain_platform_needed(event)


def keep_platform(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, mode=ONLINE, platform=_meetings_platform(d), meet_url=None, address=None)


# -- who may --------------------------------------------------------------------------------------------------------

def explain_providers_only(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_PROVIDERS_ONLY)


# -- create: the draft ----------------------------------------------------------------------------------------------

def _draft(d: Dialogue) -> dict[str, Any]:
    return dict(d.context.get("draft") or {})


def _update_draft(d: Dialogue, **values: Any) -> None:
    d.context["draft"] = {**_draft(d), **values}


def _currency(d: Dialogue) -> str:
    return money.currency_for_country(d.provider.country)


def is_group(event: EventData) -> bool:
    return _draft(dialogue(event)).get("kind") == GROUP


# Where the draft happens, for `back` from the weekly hours (to the step that set it).
def is_meetings_draft(event: EventData) -> bool:
    d = dialogue(event)
    draft = _draft(d)
    return draft.get("mode") == ONLINE and draft.get("platform") not in (None, MEET)


def is_meet_draft(event: EventData) -> bool:
    draft = _draft(dialogue(event))
    return draft.get("mode") == ONLINE and draft.get("platform") == MEET


def is_in_person_draft(event: EventData) -> bool:
    return _draft(dialogue(event)).get("mode") == IN_PERSON


def ask_kind(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_KIND, options=_options(d, "new_kind"))


def keep_kind_one(event: EventData) -> None:
    _update_draft(dialogue(event), kind=ONE, capacity=1)


def keep_kind_group(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    draft.pop("capacity", None)  # asked again after the availability
    d.context["draft"] = {**draft, "kind": GROUP}


def ask_name(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_ASK_NAME)


def name_ok(event: EventData) -> bool:
    return parse_name(dialogue(event).text) is not None


def name_rejected(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_BAD_NAME)


def keep_name(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, name=parse_name(d.text))


def ask_duration(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_ASK_DURATION)


def _duration_in_range(text: str) -> int | None:
    minutes = parse_duration(text)
    return minutes if minutes is not None and MIN_DURATION <= minutes <= MAX_DURATION else None


def duration_ok(event: EventData) -> bool:
    return _duration_in_range(dialogue(event).text) is not None


def _say_bad_duration(d: Dialogue) -> None:
    minutes = parse_duration(d.text)
    shown = clean_input(d.text, 40)
    if minutes is None:
        d.say(msg.SESSION_BAD_DURATION, text=shown)
    else:
        d.say(msg.SESSION_DURATION_RANGE, text=shown, minutes=minutes)


def duration_rejected(event: EventData) -> None:
    _say_bad_duration(dialogue(event))


def keep_duration(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, duration=_duration_in_range(d.text))


def _price_unit(kind: str | None) -> str:
    return msg.SESSION_PRICE_UNIT_GROUP if kind == GROUP else msg.SESSION_PRICE_UNIT_ONE


def ask_price(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_PRICE, unit=_price_unit(_draft(d).get("kind")), currency=_currency(d))


def price_ok(event: EventData) -> bool:
    d = dialogue(event)
    return money.parse_price(d.text, _currency(d)) is not None


def _say_bad_price(d: Dialogue, currency: str) -> None:
    maximum = money.format_price(money.MAX_MAJOR * 10 ** money.precision(currency), currency, d.provider.country)
    d.say(msg.SESSION_BAD_PRICE, text=clean_input(d.text, 40), currency=currency, maximum=maximum)


def price_rejected(event: EventData) -> None:
    d = dialogue(event)
    _say_bad_price(d, _currency(d))


def keep_price(event: EventData) -> None:
    d = dialogue(event)
    currency = _currency(d)
    _update_draft(d, price_minor=money.parse_price(d.text, currency), currency=currency)


def ask_mode(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_MODE, options=_options(d, "new_mode"))


def keep_online(event: EventData) -> None:
    _update_draft(dialogue(event), mode=ONLINE, address=None)


def keep_in_person(event: EventData) -> None:
    _update_draft(dialogue(event), mode=IN_PERSON, platform=None, meet_url=None)


def ask_platform(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_PLATFORM, options=_options(d, "new_platform"))


def ask_meet_url(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_ASK_MEET_URL)


def meet_url_ok(event: EventData) -> bool:
    return parse_meet_url(dialogue(event).text) is not None


def meet_url_rejected(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_BAD_MEET_URL)


def keep_meet_url(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, mode=ONLINE, platform=MEET, meet_url=parse_meet_url(d.text), address=None)


def ask_address(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_ASK_ADDRESS)


def address_ok(event: EventData) -> bool:
    return parse_address(dialogue(event).text) is not None


def address_rejected(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_BAD_ADDRESS)


def keep_address(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, mode=IN_PERSON, address=parse_address(d.text), platform=None, meet_url=None)


def ask_availability(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_ASK_AVAILABILITY, timezone=d.provider.timezone)


def _availability_fits(text: str, duration: int | None):
    result = availability.parse_availability(text)
    return result, result.ok and (duration is None or fits(result.windows, duration))


def _say_bad_availability(d: Dialogue, duration: int | None) -> None:
    result = availability.parse_availability(d.text)
    if result.problems:
        d.say(msg.SESSION_BAD_AVAILABILITY, problems="\n".join(f"• {p}" for p in result.problems))
        if result.windows:
            d.say(msg.SESSION_AVAILABILITY_UNDERSTOOD,
                  availability=availability.format_availability(result.windows))
    else:
        d.say(msg.SESSION_AVAILABILITY_TOO_SHORT, availability=availability.format_availability(result.windows),
              duration=format_duration(duration or 0))
    d.say(msg.SESSION_AVAILABILITY_AGAIN)


def availability_ok(event: EventData) -> bool:
    d = dialogue(event)
    return _availability_fits(d.text, _draft(d).get("duration"))[1]


def availability_rejected(event: EventData) -> None:
    d = dialogue(event)
    _say_bad_availability(d, _draft(d).get("duration"))


def keep_availability(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, availability=availability.to_json(availability.parse_availability(d.text).windows))


def ask_capacity(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_ASK_CAPACITY)


def capacity_ok(event: EventData) -> bool:
    return parse_capacity(dialogue(event).text) is not None


def capacity_rejected(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_BAD_CAPACITY)


def keep_capacity(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, capacity=parse_capacity(d.text))


def ask_notice(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_ASK_NOTICE)


def notice_ok(event: EventData) -> bool:
    return parse_notice(dialogue(event).text) is not None


def notice_rejected(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_BAD_NOTICE, text=clean_input(d.text, 40))


def keep_notice(event: EventData) -> None:
    d = dialogue(event)
    _update_draft(d, notice=parse_notice(d.text))


def show_summary(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    details = _details(d.provider, draft, d.words(draft.get("platform")))
    d.say(msg.SESSION_SUMMARY, details="\n".join(details), options=_options(d, "new_confirm"))
    warning = _platform_warning(d, draft.get("platform"))
    if warning:
        d.say(warning)


def save(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    group = draft["kind"] == GROUP
    offering = Offering(provider_id=d.provider.id, name=draft["name"], kind=draft["kind"], mode=draft["mode"],
                        platform=draft.get("platform") if draft["mode"] == ONLINE else None,
                        meet_url=draft.get("meet_url") if draft.get("platform") == MEET else None,
                        address=draft.get("address") if draft["mode"] == IN_PERSON else None,
                        duration_minutes=draft["duration"], price_minor=draft["price_minor"],
                        currency=draft["currency"], capacity=draft["capacity"] if group else 1,
                        min_notice_minutes=draft["notice"], availability=draft["availability"], status="active",
                        created_at=d.now, updated_at=d.now)
    d.session.add(offering)
    d.session.flush()
    d.context.clear()
    d.say(msg.SESSION_CREATED, name=offering.name)
    _say_share(d)
    warning = _platform_warning(d, offering.platform)
    if warning:
        d.say(warning)


# -- share ----------------------------------------------------------------------------------------------------------

def _say_share(d: Dialogue) -> None:
    """The booking link (to the sandbox number until one is configured) and its QR code image."""
    code = d.provider.booking_code
    d.say(msg.SHARE_LINK, code=code, link=sharing.link_for(d.services, code))
    d.attach(sharing.qr_url(d.services, code))


def share_link(event: EventData) -> None:
    _say_share(dialogue(event))


# -- my sessions ----------------------------------------------------------------------------------------------------

def _offerings(d: Dialogue) -> list[Offering]:
    return list(d.session.scalars(select(Offering).where(Offering.provider_id == d.provider.id)
                                  .order_by(Offering.created_at, Offering.id)))


def _offering(d: Dialogue) -> Offering | None:
    offering_id = d.context.get("session_id")
    offering = d.session.get(Offering, offering_id) if isinstance(offering_id, int) else None
    return offering if offering is not None and offering.provider_id == d.provider.id else None


def show_list(event: EventData) -> None:
    d = dialogue(event)
    offerings = _offerings(d)
    d.context["session_ids"] = [o.id for o in offerings]
    if not offerings:
        d.say(msg.SESSION_LIST_EMPTY)
        return
    lines, warnings = [], []
    for position, o in enumerate(offerings, 1):
        line = msg.SESSION_LIST_LINE.format(
            number=position, name=o.name, kind=_kind_label(o.kind), duration=format_duration(o.duration_minutes),
            price=money.format_price(o.price_minor, o.currency, d.provider.country), status=_status_label(o.status))
        warning = _platform_warning(d, o.platform)
        if warning:
            line += msg.SESSION_LIST_PLATFORM_MARK.format(**d.words(o.platform))
            warnings.append(warning)
        lines.append(line)
    d.say(msg.SESSION_LIST, lines="\n".join(lines))
    if warnings:
        d.say(warnings[0])


def _picked(d: Dialogue) -> int | None:
    ids = d.context.get("session_ids") or []
    picked = number(d.text.strip().lstrip("#").rstrip("."))
    if picked is not None and 1 <= picked <= len(ids):
        return ids[picked - 1]
    return None


def picked_session(event: EventData) -> bool:
    return _picked(dialogue(event)) is not None


def pick_rejected(event: EventData) -> None:
    d = dialogue(event)
    count = len(d.context.get("session_ids") or [])
    if count:
        d.say(msg.SESSION_PICK_REJECTED, count=count)
    else:
        d.say(msg.SESSION_LIST_EMPTY)
    d.say(msg.GLOBAL_HINT)


def keep_picked_session(event: EventData) -> None:
    d = dialogue(event)
    d.context["session_id"] = _picked(d)


def show_detail(event: EventData) -> None:
    d = dialogue(event)
    offering = _offering(d)
    lines = _details(d.provider, _as_values(offering), d.words(offering.platform))
    lines.append(msg.SESSION_FIELD_STATUS.format(status=_status_label(offering.status)))
    d.say(msg.SESSION_DETAIL, details="\n".join(lines), options=_options(d, "session_detail"))
    warning = _platform_warning(d, offering.platform)
    if warning:
        d.say(warning)


def toggle_pause(event: EventData) -> None:
    """The menu's "Pause / resume": flips it."""
    _set_status(dialogue(event), "active" if _offering(dialogue(event)).status == "paused" else "paused")


def pause(event: EventData) -> None:
    _set_status(dialogue(event), "paused")


def resume(event: EventData) -> None:
    _set_status(dialogue(event), "active")


def _set_status(d: Dialogue, status: str) -> None:
    offering = _offering(d)
    if offering.status == status:
        d.say(msg.SESSION_ALREADY_PAUSED if status == "paused" else msg.SESSION_ALREADY_ACTIVE, name=offering.name)
        return
    offering.status, offering.updated_at = status, d.now
    d.say(msg.SESSION_PAUSED if status == "paused" else msg.SESSION_RESUMED, name=offering.name)


# -- edit -----------------------------------------------------------------------------------------------------------

def is_group_session(event: EventData) -> bool:
    offering = _offering(dialogue(event))
    return offering is not None and offering.kind == GROUP


def capacity_not_for_one(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_CAPACITY_ONE_TO_ONE)


def _start_edit(event: EventData, field: str) -> None:
    dialogue(event).context["edit_field"] = field


def start_edit_name(event: EventData) -> None:
    _start_edit(event, "name")


def start_edit_price(event: EventData) -> None:
    _start_edit(event, "price")


def start_edit_duration(event: EventData) -> None:
    _start_edit(event, "duration")


def start_edit_availability(event: EventData) -> None:
    _start_edit(event, "availability")


def start_edit_notice(event: EventData) -> None:
    _start_edit(event, "notice")


def start_edit_capacity(event: EventData) -> None:
    _start_edit(event, "capacity")


def start_edit_where(event: EventData) -> None:
    _start_edit(event, "where")


def _current(d: Dialogue, offering: Offering, field: str) -> str:
    if field == "name":
        return offering.name
    if field == "price":
        return money.format_price(offering.price_minor, offering.currency, d.provider.country)
    if field == "duration":
        return format_duration(offering.duration_minutes)
    if field == "availability":
        return availability.format_availability(availability.from_json(offering.availability))
    if field == "notice":
        return format_notice(offering.min_notice_minutes)
    if field == "where":
        return _where(_as_values(offering), d.words(offering.platform))
    return str(offering.capacity)


def ask_new_value(event: EventData) -> None:
    d = dialogue(event)
    offering = _offering(d)
    field = d.context["edit_field"]
    d.say(msg.SESSION_EDIT_CURRENT, current=_current(d, offering, field))
    if field == "name":
        d.say(msg.SESSION_ASK_NAME)
    elif field == "price":
        d.say(msg.SESSION_ASK_PRICE, unit=_price_unit(offering.kind), currency=offering.currency)
    elif field == "duration":
        d.say(msg.SESSION_ASK_DURATION)
    elif field == "availability":
        d.say(msg.SESSION_ASK_AVAILABILITY, timezone=d.provider.timezone)
    elif field == "notice":
        d.say(msg.SESSION_ASK_NOTICE)
    elif field == "where":
        upcoming = _upcoming_bookings(d, offering)
        if upcoming:  # bookings carry no place of their own: they would change silently
            d.say(msg.SESSION_WHERE_HAS_BOOKINGS, count=upcoming)
        else:
            d.say(msg.SESSION_ASK_WHERE, **d.words())
    else:
        d.say(msg.SESSION_ASK_CAPACITY)


def _upcoming_bookings(d: Dialogue, offering: Offering) -> int:
    return d.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.offering_id == offering.id, Booking.status == "confirmed", Booking.end_at > d.now)) or 0


def most_booked(session: Session, offering_id: int, now: datetime) -> tuple[int, datetime | None]:
    """The most confirmed places taken in one upcoming (not yet ended) occurrence, and that occurrence's start."""
    row = session.execute(
        select(Booking.start_at, func.count().label("taken")).where(
            Booking.offering_id == offering_id, Booking.status == "confirmed", Booking.end_at > now)
        .group_by(Booking.start_at).order_by(func.count().desc(), Booking.start_at).limit(1)).first()
    return (row.taken, row.start_at) if row else (0, None)


# -- edit: where it happens ------------------------------------------------------------------------------------------

_WHERE_PLATFORM = ("{command_word}", "on {command_word}", "{command_word} meeting", "online {command_word}",
                   "online on {command_word}")
_IN_PERSON = re.compile(r"in[\s-]*person\b[\s,:;.-]*(.*)", re.IGNORECASE | re.DOTALL)
_MEET_PREFIX = re.compile(r"(?:online\s+)?(?:on\s+)?(?:google\s+)?meet\s*[,:-]?\s*", re.IGNORECASE)


def _where_wanted(d: Dialogue, text: str) -> tuple[str | None, str | None]:
    """What an answer to "where?" asks for: (the meeting platform, None), ("meet", canonical link or None when the
    link is bad), ("in_person", address or None when the address is missing or bad), or (None, None)."""
    platform, words = _meetings_platform(d), d.words()
    if platform and _words(text) in {fill(w, words) for w in _WHERE_PLATFORM}:
        return platform, None
    person = _IN_PERSON.fullmatch(clean_input(text, 400).strip())
    if person:
        return IN_PERSON, parse_address(person[1])
    stripped = _MEET_PREFIX.sub("", clean_input(text, 300).strip(), count=1)
    url = parse_meet_url(text) or parse_meet_url(stripped)
    if url is not None or re.search(r"\bmeet\b", text.casefold()):
        return MEET, url
    return None, None


def _new_where(d: Dialogue, text: str) -> dict[str, Any] | None:
    """The new place as the offering's columns, with creation's rules (Zoom only when it will give links)."""
    kind, value = _where_wanted(d, text)
    if kind is not None and kind == _meetings_platform(d):
        return {"mode": ONLINE, "platform": kind, "meet_url": None, "address": None} if _platform_ready(d) else None
    if kind == MEET and value:
        return {"mode": ONLINE, "platform": MEET, "meet_url": value, "address": None}
    if kind == IN_PERSON and value:
        return {"mode": IN_PERSON, "platform": None, "meet_url": None, "address": value}
    return None


def _where_rejected(event: EventData) -> None:
    d = dialogue(event)
    kind, _ = _where_wanted(d, d.text)
    if kind is not None and kind == _meetings_platform(d):
        readiness = _readiness(d)
        if not readiness.can_link:
            _explain_cannot_link(d, readiness)
            d.say(msg.SESSION_WHERE_PLATFORM_ALTERNATIVES)
            return
        d.say(msg.SESSION_WHERE_PLATFORM_BROKEN if readiness.broken else msg.SESSION_WHERE_PLATFORM_NOT_CONNECTED,
              **d.words())
        video_connect.send_connect_link(event)
        return
    if kind == MEET:
        d.say(msg.SESSION_BAD_MEET_URL)
    elif kind == IN_PERSON:
        d.say(msg.SESSION_BAD_ADDRESS)
    else:
        d.say(msg.SESSION_WHERE_UNCLEAR, text=clean_input(d.text, 40))
    d.say(msg.SESSION_ASK_WHERE, **d.words())


def _new_value(d: Dialogue, offering: Offering, field: str) -> Any:
    """The parsed new value, or None if it can't be used (the reason is given by new_value_rejected)."""
    text = d.text
    if field == "name":
        return parse_name(text)
    if field == "price":
        return money.parse_price(text, offering.currency)
    if field == "duration":
        minutes = _duration_in_range(text)
        windows = availability.from_json(offering.availability)
        return minutes if minutes is not None and fits(windows, minutes) else None
    if field == "availability":
        result, ok = _availability_fits(text, offering.duration_minutes)
        return availability.to_json(result.windows) if ok else None
    if field == "notice":
        return parse_notice(text)
    if field == "where":
        return None if _upcoming_bookings(d, offering) else _new_where(d, text)
    capacity = parse_capacity(text)
    if capacity is None or capacity < most_booked(d.session, offering.id, d.now)[0]:
        return None
    return capacity


def new_value_ok(event: EventData) -> bool:
    d = dialogue(event)
    return _new_value(d, _offering(d), d.context.get("edit_field", "")) is not None


def new_value_rejected(event: EventData) -> None:
    d = dialogue(event)
    offering = _offering(d)
    field = d.context.get("edit_field")
    if field == "name":
        d.say(msg.SESSION_BAD_NAME)
    elif field == "price":
        _say_bad_price(d, offering.currency)
    elif field == "duration":
        if _duration_in_range(d.text) is None:
            _say_bad_duration(d)
        else:
            d.say(msg.SESSION_DURATION_TOO_LONG, duration=format_duration(_duration_in_range(d.text)),
                  availability=availability.format_availability(availability.from_json(offering.availability)))
    elif field == "availability":
        _say_bad_availability(d, offering.duration_minutes)
    elif field == "notice":
        d.say(msg.SESSION_BAD_NOTICE, text=clean_input(d.text, 40))
    elif field == "where" and _upcoming_bookings(d, offering):
        d.say(msg.SESSION_WHERE_HAS_BOOKINGS, count=_upcoming_bookings(d, offering))
    elif field == "where":
        _where_rejected(event)
    elif parse_capacity(d.text) is None:
        d.say(msg.SESSION_BAD_CAPACITY)
    else:
        booked, start = most_booked(d.session, offering.id, d.now)
        d.say(msg.SESSION_CAPACITY_BELOW_BOOKED, booked=booked, when=slots.format_slot(start, d.provider.timezone))


def save_new_value(event: EventData) -> None:
    d = dialogue(event)
    offering = _offering(d)
    field = d.context.pop("edit_field")
    value = _new_value(d, offering, field)
    if field == "where":
        for column, column_value in value.items():
            setattr(offering, column, column_value)
        offering.updated_at = d.now
        d.say(msg.SESSION_UPDATED)
        return
    column = {"name": "name", "price": "price_minor", "duration": "duration_minutes", "availability": "availability",
              "notice": "min_notice_minutes", "capacity": "capacity"}[field]
    setattr(offering, column, value)
    offering.updated_at = d.now
    d.say(msg.SESSION_UPDATED)
