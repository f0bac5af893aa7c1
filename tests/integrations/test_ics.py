"""Tests for integrations.ics: RFC 5545 invitations round-trip through a small independent parser."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.ics import build_invitation, content_type_for, fold_line

NOW = datetime(2025, 3, 1, 9, 30, 15, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


def invitation(**overrides: object) -> bytes:
    values: dict[str, object] = dict(
        uid="booking-42@mynextslot.com",
        start=datetime(2025, 3, 10, 18, 0, tzinfo=BERLIN),
        duration_minutes=45,
        summary="Yoga with Ana",
        description="Join: https://zoom.us/j/123?pwd=abc",
        location="https://zoom.us/j/123?pwd=abc",
        organizer_email="ana@example.com",
        organizer_name="Ana",
        attendee_email="bob@example.com",
        attendee_name="Bob",
        now=NOW,
    )
    values.update(overrides)
    return build_invitation(**values)  # type: ignore[arg-type]


# --- an independent reader: unfold, split name/params/value, unescape ------------------------------------------

def unfold(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars)
        out.append("\n" if following in "nN" else following)
        assert following in "\\;,nN", f"bad escape \\{following}"
    return "".join(out)


def parse_line(line: str) -> tuple[str, dict[str, str], str]:
    """Split NAME;PARAM="x";P2=y:VALUE, respecting quoted parameter values."""
    in_quotes = False
    for index, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            head, value = line[:index], line[index + 1:]
            break
    else:
        raise AssertionError(f"no value in {line!r}")
    name, *raw_params = head.split(";")  # our quoted values never contain ';' outside quotes in these tests
    params = {}
    for raw in raw_params:
        key, _, param_value = raw.partition("=")
        params[key] = param_value.strip('"')
    return name, params, value


def event(data: bytes) -> dict[str, tuple[dict[str, str], str]]:
    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    start, end = lines.index("BEGIN:VEVENT"), lines.index("END:VEVENT")
    fields = {}
    for line in lines[1:start] + lines[start + 1:end]:
        name, params, value = parse_line(line)
        fields[name] = (params, value)
    return fields


def text(fields: dict[str, tuple[dict[str, str], str]], name: str) -> str:
    return unescape(fields[name][1])


# --- tests -----------------------------------------------------------------------------------------------------

def test_request_has_required_properties_in_utc() -> None:
    fields = event(invitation())
    assert fields["METHOD"][1] == "REQUEST"
    assert fields["VERSION"][1] == "2.0"
    assert fields["UID"][1] == "booking-42@mynextslot.com"
    assert fields["SEQUENCE"][1] == "0"
    assert fields["DTSTAMP"][1] == "20250301T093015Z"
    assert fields["DTSTART"][1] == "20250310T170000Z"  # 18:00 in Berlin (CET) is 17:00 UTC
    assert fields["DTEND"][1] == "20250310T174500Z"
    assert fields["STATUS"][1] == "CONFIRMED"
    assert fields["ORGANIZER"] == ({"CN": "Ana"}, "mailto:ana@example.com")
    params, value = fields["ATTENDEE"]
    assert value == "mailto:bob@example.com"
    assert params["CN"] == "Bob" and params["RSVP"] == "TRUE"


def test_cancel_sets_method_status_and_sequence() -> None:
    fields = event(invitation(method="CANCEL", sequence=1))
    assert fields["METHOD"][1] == "CANCEL"
    assert fields["STATUS"][1] == "CANCELLED"
    assert fields["SEQUENCE"][1] == "1"
    assert content_type_for("CANCEL").startswith("text/calendar; method=CANCEL")
    assert content_type_for("REQUEST").startswith("text/calendar; method=REQUEST")


def test_crlf_line_ends_only() -> None:
    data = invitation(description="line one\nline two\r\nline three")
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")


def test_special_characters_are_escaped_and_round_trip() -> None:
    tricky = "Back\\slash; semi, comma\nnew line: colon \"quote\""
    data = invitation(summary=tricky, description=tricky, location="Room 1, Floor 2; Zoom")
    raw = dict((parse_line(line)[0], line) for line in unfold(data))
    assert "SUMMARY:Back\\\\slash\\; semi\\, comma\\nnew line: colon \"quote\"" == raw["SUMMARY"]
    fields = event(data)
    assert text(fields, "SUMMARY") == tricky
    assert text(fields, "DESCRIPTION") == tricky
    assert text(fields, "LOCATION") == "Room 1, Floor 2; Zoom"


def test_names_with_quotes_and_separators_stay_in_one_parameter() -> None:
    fields = event(invitation(organizer_name='Ana "Coach", Yoga: Flow', attendee_name="Zoë Müller"))
    assert fields["ORGANIZER"] == ({"CN": "Ana 'Coach', Yoga: Flow"}, "mailto:ana@example.com")
    assert fields["ATTENDEE"][0]["CN"] == "Zoë Müller"


def test_long_values_fold_at_75_octets_without_splitting_characters() -> None:
    description = "Ünïcödé 日本語のセッション 🧘‍♀️ " * 20
    data = invitation(description=description, summary="é" * 200)
    for physical in data.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")  # raises if a multi-byte sequence was split across lines
    fields = event(data)
    assert text(fields, "DESCRIPTION") == description
    assert text(fields, "SUMMARY") == "é" * 200


def test_fold_line_boundaries() -> None:
    assert fold_line("a" * 75) == "a" * 75
    assert fold_line("a" * 76) == "a" * 75 + "\r\n a"
    # 74 ASCII octets + a 2-octet character would make 76: the character moves to the next line whole.
    assert fold_line("a" * 74 + "é") == "a" * 74 + "\r\n é"


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.just("\n")), max_size=300))
def test_any_text_round_trips(value: str) -> None:
    data = invitation(summary=value, description=value, location=value)
    for physical in data.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")
    fields = event(data)
    assert text(fields, "SUMMARY") == value
    assert text(fields, "DESCRIPTION") == value
    assert text(fields, "LOCATION") == value


def test_control_characters_are_dropped() -> None:
    fields = event(invitation(summary="a\x00b\x07c\td"))
    assert text(fields, "SUMMARY") == "abc\td"


@pytest.mark.parametrize(
    "overrides",
    [
        {"start": datetime(2025, 3, 10, 18, 0)},
        {"now": datetime(2025, 3, 1, 9, 0)},
        {"duration_minutes": 0},
        {"method": "PUBLISH"},
        {"sequence": -1},
        {"uid": "a\r\nb"},
        {"attendee_email": "bob@example.com\r\nX-EVIL:1"},
        {"organizer_email": "not-an-address"},
    ],
)
def test_invalid_input_is_rejected(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        invitation(**overrides)


def test_sub_second_times_are_truncated() -> None:
    start = datetime(2025, 3, 10, 17, 0, 0, 999_999, tzinfo=timezone.utc)
    fields = event(invitation(start=start, duration_minutes=60, now=NOW + timedelta(microseconds=5)))
    assert fields["DTSTART"][1] == "20250310T170000Z"
    assert fields["DTEND"][1] == "20250310T180000Z"
    assert fields["DTSTAMP"][1] == "20250301T093015Z"
