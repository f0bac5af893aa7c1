"""Sessions (offerings) as text, both ways: the parsers of what a provider types when creating or editing one
(pure; None for anything they can't use), and how a session is shown (durations, notice, the summary lines, and
`place_text`, the one rendering of where a session happens, used wherever a session or a booking is shown)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bot.core import availability, money
from bot.core import messages as msg
from bot.core.text import clean_input

MIN_DURATION, MAX_DURATION = 5, 480
MIN_CAPACITY, MAX_CAPACITY = 2, 500
MAX_NOTICE_HOURS = 720
ONE, GROUP = "one_to_one", "group"
ONLINE, IN_PERSON = "online", "in_person"


# -- parsers --------------------------------------------------------------------------------------------------------

_HOUR_UNITS = frozenset({"h", "hr", "hrs", "hour", "hours"})
_MINUTE_UNITS = frozenset({"m", "min", "mins", "minute", "minutes"})
_DAY_UNITS = frozenset({"d", "day", "days"})
_DURATION_WORDS = {"half an hour": 30, "half hour": 30, "an hour": 60, "one hour": 60, "1 hour and a half": 90,
                   "an hour and a half": 90, "hour and a half": 90}
_NO_NOTICE = frozenset({"none", "no", "no notice", "nothing", "zero", "0", "-", "any time", "anytime"})


def words(text: str) -> str:
    """Casefolded, commas as dots, whitespace tidied: what the parsers below match against."""
    return re.sub(r"\s+", " ", clean_input(text, 100).casefold().replace(",", ".")).strip(" .")


def _whole(value: Decimal) -> int | None:
    return int(value) if value == value.to_integral_value() else None


def parse_duration(text: str) -> int | None:
    """Minutes: "45", "45 min", "1h", "1 h 30", "1h30m", "90 minutes", "1:30", "1.5 hours", "an hour". Not
    range-checked (see `duration_in_range`), so the caller can say why a value is refused."""
    said = words(text)
    if said in _DURATION_WORDS:
        return _DURATION_WORDS[said]
    clock = re.fullmatch(r"(\d{1,2}):([0-5]\d)(?: ?(?:h|hrs?|hours?))?", said)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    match = re.fullmatch(r"(\d{1,4}(?:\.\d{1,2})?) ?([a-z]*)(?: ?(?:and )?(\d{1,2}) ?([a-z]*))?", said)
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


def duration_in_range(text: str) -> int | None:
    minutes = parse_duration(text)
    return minutes if minutes is not None and MIN_DURATION <= minutes <= MAX_DURATION else None


def parse_notice(text: str) -> int | None:
    """Minimum notice in minutes, from hours as typed: "0", "2", "24", "1.5", "2 h", "30 min", "1 day", "none".
    None outside 0..720 hours."""
    said = words(text)
    if said in _NO_NOTICE:
        return 0
    match = re.fullmatch(r"(\d{1,5}(?:\.\d{1,2})?) ?([a-z]*)", said)
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
    match = re.fullmatch(r"(\d{1,4})(?: ?(?:people|persons|places|seats|participants|max))?", words(text))
    if not match:
        return None
    value = int(match[1])
    return value if MIN_CAPACITY <= value <= MAX_CAPACITY else None


def parse_address(text: str) -> str | None:
    address = re.sub(r"[ \t]+", " ", clean_input(text, 400))
    return address if 5 <= len(address) <= 255 and re.search(r"[^\W_]", address) else None


def fits(windows, duration: int) -> bool:
    """Can at least one session of `duration` minutes start in these hours?"""
    return any(w.end_minute - w.start_minute >= duration for w in windows)


# -- formatting -----------------------------------------------------------------------------------------------------

class Place(Protocol):
    """Where a session happens, as an Offering (or a draft of one) holds it."""

    mode: str | None
    platform: str | None
    address: str | None
    meet_url: str | None


class SessionValues(Place, Protocol):
    """A session as shown to its provider: an Offering, or a draft with the same attribute names."""

    kind: str | None
    name: str | None
    duration_minutes: int | None
    price_minor: int | None
    currency: str | None
    availability: list[Any] | None
    capacity: int | None
    min_notice_minutes: int | None
    description: str | None


def place_text(place: Place, *, in_person: str, own_link: str, per_booking: str, missing: str = "-",
               **values: Any) -> str:
    """Where this session happens, in the words of the caller's three templates: `in_person` ({address}, or
    `missing` when there is none), `own_link` ({url}: the provider's own fixed meeting link) and `per_booking` (a
    meeting made for each booking; `values` fill it, e.g. the join link once it is there)."""
    if place.mode == IN_PERSON:
        return in_person.format(**{**values, "address": place.address or missing})
    if place.meet_url:
        return own_link.format(**{**values, "url": place.meet_url})
    return per_booking.format(**values)


_NO_DESCRIPTION = frozenset({"skip", "none", "no", "-", "nothing", "no description"})


def parse_description(text: str) -> str | None:
    """A session's description: 3 to 500 characters; "" for *skip*/*none* (no description); None if unusable."""
    cleaned = clean_input(text, 600).strip()
    if cleaned.casefold().rstrip(".!") in _NO_DESCRIPTION:
        return ""
    return cleaned if 3 <= len(cleaned) <= 500 else None


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


def format_hours(stored: list[Any] | None) -> str:
    """Stored weekly hours (JSON) as the provider typed them."""
    return availability.format_availability(availability.from_json(stored))


def where(values: SessionValues, words: dict[str, str]) -> str:
    """Where a session happens, as its provider sees it (`words`: its platform's template variables). A group's
    attendees share one meeting per occurrence, a 1:1's each get their own."""
    meetings = msg.SESSION_WHERE_PLATFORM_GROUP if values.kind == GROUP else msg.SESSION_WHERE_PLATFORM
    return place_text(values, in_person=msg.SESSION_WHERE_ADDRESS, own_link=msg.SESSION_WHERE_MEET,
                      per_booking=meetings, **words)


def kind_label(kind: str | None) -> str:
    return msg.SESSION_KIND_GROUP if kind == GROUP else msg.SESSION_KIND_ONE


def status_label(status: str) -> str:
    return msg.SESSION_STATUS_PAUSED if status == "paused" else msg.SESSION_STATUS_ACTIVE


def price_unit(kind: str | None) -> str:
    return msg.SESSION_PRICE_UNIT_GROUP if kind == GROUP else msg.SESSION_PRICE_UNIT_ONE


def details(values: SessionValues, country: str | None, timezone: str, words: dict[str, str]) -> list[str]:
    """The lines describing a session (a draft in the summary, a saved one in its detail); `words`: its
    platform's template variables."""
    lines = [msg.SESSION_FIELD_NAME.format(name=values.name),
             msg.SESSION_FIELD_KIND.format(kind=kind_label(values.kind)),
             msg.SESSION_FIELD_DURATION.format(duration=format_duration(values.duration_minutes)),
             msg.SESSION_FIELD_PRICE.format(price=money.format_price(values.price_minor, values.currency, country)),
             msg.SESSION_FIELD_WHERE.format(where=where(values, words)),
             msg.SESSION_FIELD_AVAILABILITY.format(availability=format_hours(values.availability),
                                                   timezone=timezone)]
    if values.kind == GROUP:
        lines.append(msg.SESSION_FIELD_CAPACITY.format(capacity=values.capacity))
    lines.append(msg.SESSION_FIELD_NOTICE.format(notice=format_notice(values.min_notice_minutes)))
    if values.description:
        lines.append(msg.SESSION_FIELD_DESCRIPTION.format(description=values.description))
    return lines
