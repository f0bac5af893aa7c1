"""Build RFC 5545 / RFC 5546 calendar invitations (iCalendar REQUEST or CANCEL) for booked sessions.

Pure functions only: the caller passes every value, including `now` (for DTSTAMP), and gets UTF-8 bytes with
CRLF line ends, escaped TEXT values and lines folded at 75 octets without splitting a UTF-8 character.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

PRODID = "-//MyNextSlot//WhatsApp Bot//EN"
CONTENT_TYPE_REQUEST = "text/calendar; method=REQUEST; charset=UTF-8"
CONTENT_TYPE_CANCEL = "text/calendar; method=CANCEL; charset=UTF-8"
METHODS = ("REQUEST", "CANCEL")
MAX_LINE_OCTETS = 75

# Control characters other than HTAB are not allowed in iCalendar TEXT values (newlines are escaped first).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def content_type_for(method: str) -> str:
    """The MIME content type of an invitation built with `method` (use it for the mail attachment)."""
    return CONTENT_TYPE_CANCEL if method == "CANCEL" else CONTENT_TYPE_REQUEST


def build_invitation(
    *,
    uid: str,
    start: datetime,
    duration_minutes: int,
    summary: str,
    description: str,
    location: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    attendee_name: str,
    sequence: int = 0,
    method: str = "REQUEST",
    now: datetime,
) -> bytes:
    """Return a one-event VCALENDAR for a session, ready to attach as `content_type_for(method)`.

    `start` and `now` must be timezone-aware; times are written in UTC. For a cancellation pass the same `uid`
    and a higher `sequence` than the original invitation.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    if sequence < 0:
        raise ValueError("sequence must not be negative")
    if not uid or _CONTROL.search(uid) or "\r" in uid:
        raise ValueError("uid must be non-empty and single-line")
    end = start + timedelta(minutes=duration_minutes)
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{format_utc(now)}",
        f"DTSTART:{format_utc(start)}",
        f"DTEND:{format_utc(end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"LOCATION:{escape_text(location)}",
        f"ORGANIZER;CN={_param_value(organizer_name)}:{_mailto(organizer_email)}",
        "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
        f";CN={_param_value(attendee_name)}:{_mailto(attendee_email)}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold_line(line) + "\r\n" for line in lines).encode("utf-8")


def format_utc(moment: datetime) -> str:
    """An aware datetime as an iCalendar UTC DATE-TIME, e.g. 20250102T030405Z (sub-seconds dropped)."""
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """Escape an iCalendar TEXT value: backslash, semicolon, comma, newline; drop other control characters."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = _NEWLINE.sub("\\\\n", value)
    return _CONTROL.sub("", value)


def fold_line(line: str, limit: int = MAX_LINE_OCTETS) -> str:
    """Fold one content line so no physical line exceeds `limit` octets; never split a UTF-8 sequence."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size = [" "], 1  # the continuation space counts towards the limit
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n".join(parts)


def _param_value(value: str) -> str:
    """A quoted parameter value: DQUOTE and control characters are not allowed inside, so replace/drop them."""
    cleaned = _CONTROL.sub("", _NEWLINE.sub(" ", value)).replace('"', "'")
    return f'"{cleaned}"'


def _mailto(address: str) -> str:
    if "@" not in address or any(c.isspace() or c in '"<>' for c in address) or _CONTROL.search(address):
        raise ValueError("not a plain email address")
    return f"mailto:{address}"
